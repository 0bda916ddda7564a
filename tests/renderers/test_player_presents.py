"""The player as a teacher presents with it (issue 20, item 8), driven in headless Chromium.

It fills its window keeping the frame's aspect, pixel for pixel at a whole scale; it goes fullscreen
(button, ``f``; Esc or ``f`` again leaves); the keys remotes send step frames; the tab's title is the
run's caption for every kind of page; ``seek(i)`` resolves once frame ``i`` is painted, and a
``pause()`` before ``ready`` holds.  The reveal.js example (``examples/revealjs``) is built with its
own script and driven with a stand-in for reveal.js (``tests/data/reveal_standin.js``: its slide
changes, keys and API calls), since the tests download nothing.
"""

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from renderers.player import page_start
from renderers.writers import read_metadata
from renderers.writers.html import HtmlWriter

from browsers import browser  # noqa: F401  (the headless Chromium fixture; skips without it)
from player_pages import SIZE, layout, page, recording  # noqa: F401  (the shared run and page)

pytestmark = pytest.mark.slow

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(os.path.dirname(TESTS), "examples", "revealjs")


def expected(layout, page, index):
    """Frame ``index`` in the page's palette: what the canvas must hold."""
    writer = HtmlWriter.for_source(page, layout, fps=10, hold=0)
    return writer.palette[writer.quantize(layout.frame(index))]


def decoded(url):
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return np.asarray(image.convert("RGB"))


def load(driver, path):
    driver.get(path.as_uri())
    return driver.execute_async_script("var done = arguments[arguments.length - 1];"
                                       "window.player.ready.then(function (n) { window.player.pause(); done(n); });")


def viewport(driver, width, height, ratio=1):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": ratio, "mobile": False})


def picture_box(driver):
    """The canvas's box on the page (CSS pixels), its image-rendering, and the window's size."""
    return driver.execute_script(
        "var c = window.player.canvas, r = c.getBoundingClientRect();"
        "return {left: r.left, top: r.top, width: r.width, height: r.height, window: [innerWidth, innerHeight],"
        "        rendering: getComputedStyle(c).imageRendering, ratio: devicePixelRatio};")


def press(driver, *keys):
    from selenium.webdriver.common.action_chains import ActionChains

    for key in keys:
        ActionChains(driver).send_keys(key).perform()


def wait_for(condition, timeout=10, what="the page"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what() if callable(what) else what} did not settle in {timeout} s")
        time.sleep(0.05)


# -- the title --------------------------------------------------------------------------------------

PAGES = {
    "training": ["train", "--epochs", "40", "--frames", "3", "--size", "480x270", "--grid", "40"],
    "race": ["compare", "sgd:lr=1", "adam:lr=0.05", "--epochs", "40", "--frames", "3", "--size", "480x270"],
    "race2d": ["race2d", "saddle", "--steps", "20", "--size", "480x270"],
    "descent": ["descent", "--preset", "momentum-fast", "--size", "480x270"],
}


@pytest.mark.parametrize("kind", PAGES)
def test_a_player_is_titled_by_its_caption(cli, tmp_path, kind):
    path = tmp_path / "lecture-7-final.html"
    assert cli(*PAGES[kind], "-q", "-o", path).code == 0
    text = path.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", text).group(1)
    caption = read_metadata(path)["caption"]
    assert caption and "lecture" not in title and title == caption.replace("&", "&amp;").replace("<", "&lt;")


@pytest.fixture(scope="module")
def sweep_page(tmp_path_factory):
    from animator_app.cli import main

    path = tmp_path_factory.mktemp("sweep") / "lecture-7-sweep.html"
    assert main(["sweep", "--grid", "lr=0.5,1", "--epochs", "60", "--frames", "4", "--resolution", "16", "-q",
                 "--workers", "1", "-o", str(path)]) == 0
    return path


def test_a_sweeps_page_is_titled_by_its_headline(sweep_page):
    text = sweep_page.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", text).group(1)
    assert title == re.search(r"<h1>(.*?)</h1>", text).group(1) and "lecture" not in title and "SGD" in title


def test_a_remote_steps_a_sweeps_epochs(browser, sweep_page):
    from selenium.webdriver.common.keys import Keys

    browser.get(sweep_page.as_uri())
    epoch = lambda: browser.execute_script("return Number(document.getElementById('frame').value)")   # noqa: E731
    assert epoch() == 3                              # the page opens at the last epoch
    press(browser, Keys.PAGE_UP, Keys.PAGE_UP, Keys.ARROW_LEFT)
    assert epoch() == 0
    press(browser, Keys.PAGE_DOWN, Keys.ARROW_RIGHT)
    assert epoch() == 2 and browser.execute_script("return document.getElementById('epoch').textContent") \
        .startswith("epoch 40 ")
    assert browser.execute_script("return document.title") == re.search(
        r"<title>(.*?)</title>", sweep_page.read_text(encoding="utf-8")).group(1).replace("&amp;", "&")


def test_the_title_is_escaped():
    start = page_start(size=(480, 270), title='a <b> & "c"', caption="x</script>")
    assert "<title>a &lt;b&gt; &amp; &quot;c&quot;</title>" in start and "x</script>" not in start


# -- in Chromium -------------------------------------------------------------------------------------

def test_the_player_fills_the_window(browser, page):
    try:
        viewport(browser, 1920, 1080)
        load(browser, page)
        box = picture_box(browser)
        assert box["window"] == [1920, 1080]
        assert abs(box["width"] / box["height"] - SIZE[0] / SIZE[1]) < 0.01         # the frame's aspect
        assert box["height"] > 900 and box["width"] > 1600                          # not left at 640x360
        assert box["rendering"] == "auto"                   # 2.7x: smoothed, so every line stays one width
        controls = browser.execute_script("return document.querySelector('.controls').getBoundingClientRect()"
                                          ".bottom")
        assert box["top"] + box["height"] <= controls - 20 and controls <= 1080     # the controls below it

        viewport(browser, 1300, 740, ratio=2)        # a 2x screen: 3.6 device pixels per frame pixel, whole ones
        box = wait_for(lambda: (lambda b: b if b["ratio"] == 2 and b["width"] < 1200 else None)(picture_box(browser)))
        assert box["width"] * 2 == round(box["width"] * 2) and box["width"] > 1000 and box["rendering"] == "auto"

        viewport(browser, 1300, 820)           # room for 2x and a little: exactly 2x, pixel for pixel
        box = wait_for(lambda: (lambda b: b if b["ratio"] == 1 and b["width"] > 1200 else None)(picture_box(browser)))
        assert (box["width"], box["height"]) == (1280, 720) and box["rendering"] == "pixelated"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_fullscreen_shows_the_picture_alone_pixel_for_pixel(browser, page, layout):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    try:
        viewport(browser, 1920, 1080)
        count = load(browser, page)
        browser.execute_async_script("window.player.seek(arguments[0]).then(arguments[1])", count - 1)
        browser.find_element(By.CSS_SELECTOR, "button[data-role=fullscreen]").click()
        wait_for(lambda: browser.execute_script("return document.fullscreenElement"), what="fullscreen")
        assert browser.execute_script("return document.fullscreenElement.id") == "animator-player"
        box = wait_for(lambda: (lambda b: b if b["width"] == 1920 else None)(picture_box(browser)))
        assert (box["left"], box["top"], box["height"], box["rendering"]) == (0, 0, 1080, "pixelated")   # 3x
        # the controls go once the pointer rests; then the screen is the frame, each pixel a 3x3 square
        wait_for(lambda: browser.execute_script(
            "return getComputedStyle(document.querySelector('.controls')).opacity === '0'"), what="the controls")
        with Image.open(io.BytesIO(browser.get_screenshot_as_png())) as shot:
            screen = np.asarray(shot.convert("RGB"))
        assert screen.shape == (1080, 1920, 3)
        frame = expected(layout, page, count - 1)
        assert np.array_equal(screen[1::3, 1::3], frame) and np.array_equal(screen[::3, ::3], frame)

        press(browser, Keys.ESCAPE)              # Esc leaves, f comes back, f leaves
        wait_for(lambda: not browser.execute_script("return document.fullscreenElement"), what="Esc")
        assert picture_box(browser)["width"] < 1920
        press(browser, "f")
        wait_for(lambda: browser.execute_script("return document.fullscreenElement"), what="f")
        press(browser, "f")
        wait_for(lambda: not browser.execute_script("return document.fullscreenElement"), what="f again")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_keys_remotes_send(browser, page):
    from selenium.webdriver.common.keys import Keys

    count = load(browser, page)
    frame = lambda: browser.execute_script("return window.player.frame")     # noqa: E731
    press(browser, Keys.PAGE_DOWN, Keys.PAGE_DOWN, Keys.ARROW_RIGHT)
    assert frame() == 3
    press(browser, Keys.PAGE_UP, Keys.ARROW_LEFT)
    assert frame() == 1
    press(browser, Keys.END, Keys.PAGE_DOWN)
    assert frame() == count - 1                      # a page of its own stops at its ends
    press(browser, Keys.HOME, Keys.PAGE_UP)
    assert frame() == 0
    press(browser, Keys.SPACE)
    assert browser.execute_script("return window.player.playing") is True
    press(browser, Keys.PAGE_DOWN)                   # stepping pauses
    assert browser.execute_script("return [window.player.playing, window.player.frame]")[0] is False
    press(browser, Keys.SPACE, ".")                  # blackout: a black page, the animation paused
    assert browser.execute_script("return [document.querySelector('.blackout').hidden, window.player.playing]") \
        == [False, False]
    before = frame()
    press(browser, Keys.PAGE_DOWN)                   # other keys wait while it is black
    assert frame() == before
    press(browser, "b")
    assert browser.execute_script("return document.querySelector('.blackout').hidden") is True
    assert browser.execute_script("return document.title") == read_metadata(page)["caption"]


def on_new_document(driver, script):
    return driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})["identifier"]


# runs as the player's script sets window.player, so before any frame is decoded
BEFORE_READY = """
Object.defineProperty(window, "player", {configurable: true,
  get: function () { return window.__player; },
  set: function (player) { window.__player = player; window.__early = player.frame; %s }});
"""


def test_seek_resolves_once_the_frame_is_painted(browser, page, layout):
    count = len(layout)
    early = on_new_document(browser, BEFORE_READY % (
        "var painted = false; requestAnimationFrame(function () { painted = true; });"
        f"window.__seek = player.seek({count - 1}).then(function (f) {{"
        "  return {frame: f, painted: painted, pixels: player.canvas.toDataURL('image/png')}; });"))
    try:
        browser.get(page.as_uri())
        sought = browser.execute_async_script("window.__seek.then(arguments[0])")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": early})
    assert browser.execute_script("return window.__early") == -1           # asked before any frame was decoded
    assert sought["frame"] == count - 1 and sought["painted"]
    assert np.array_equal(decoded(sought["pixels"]), expected(layout, page, count - 1))

    browser.execute_script("window.player.pause()")
    sought = browser.execute_async_script(
        "var done = arguments[1], painted = false; requestAnimationFrame(function () { painted = true; });"
        "window.player.seek(arguments[0]).then(function (f) {"
        "  done({frame: f, painted: painted, pixels: window.player.canvas.toDataURL('image/png')}); });", 4)
    assert sought["frame"] == 4 and sought["painted"]
    assert np.array_equal(decoded(sought["pixels"]), expected(layout, page, 4))
    assert browser.execute_async_script("window.player.seek('last').then(arguments[0])") == count - 1


def test_a_pause_before_ready_holds(browser, page):
    early = on_new_document(browser, BEFORE_READY % "player.pause();")
    try:
        browser.get(page.as_uri())
        browser.execute_async_script("window.player.ready.then(arguments[0])")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": early})
    assert browser.execute_script("return window.__early") == -1
    time.sleep(0.4)                                  # 4 frames' time at 10 fps
    assert browser.execute_script("return [window.player.playing, window.player.frame]") == [False, 0]
    browser.get(page.as_uri())                       # without it, the page plays by itself
    browser.execute_async_script("window.player.ready.then(arguments[0])")
    assert browser.execute_script("return window.player.playing") is True


# -- the reveal.js example ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    """The example deck, its players made by its own build script (quick runs), reveal.js a stand-in."""
    folder = tmp_path_factory.mktemp("deck") / "revealjs"
    shutil.copytree(EXAMPLE, folder)
    stand_in = folder.parent / "reveal-stand-in"
    os.makedirs(stand_in / "dist" / "theme")
    shutil.copy(os.path.join(TESTS, "data", "reveal_standin.js"), stand_in / "dist" / "reveal.js")
    for css in ("reveal.css", "theme/white.css"):
        (stand_in / "dist" / css).write_text("", encoding="utf-8")
    animator = shutil.which("animator", path=os.path.dirname(sys.executable)) or f"{sys.executable} -m animator_app"
    subprocess.run(["sh", str(folder / "build.sh"), "--quick", str(stand_in)], check=True, capture_output=True,
                   env=dict(os.environ, ANIMATOR=animator), timeout=600)
    return folder


def test_the_revealjs_example(browser, deck):
    # the deck loads its scripts from its folder: only those may load (and only those are asked for, below)
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http*", "ws*", "ftp*"]})
    try:
        browser.get_log("performance")
        browser.get((deck / "index.html").as_uri())
        drive_the_deck(browser, deck)
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*"]})
    requested = [json.loads(entry["message"])["message"]["params"]["request"]["url"]
                 for entry in browser.get_log("performance")
                 if json.loads(entry["message"])["message"]["method"] == "Network.requestWillBeSent"]
    assert requested and all(url.startswith(deck.parent.as_uri() + "/") for url in requested), requested


def drive_the_deck(browser, deck):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    frames = browser.find_elements(By.CSS_SELECTOR, "iframe[data-animator]")
    assert len(frames) == 3

    def player(k):
        browser.switch_to.frame(frames[k])
        try:
            return browser.execute_async_script(
                "var done = arguments[0]; window.player.ready.then(function () {"
                "  done({frame: player.frame, playing: player.playing, loop: player.loop, count: player.frameCount});"
                "});")
        finally:
            browser.switch_to.default_content()

    def slide():
        return browser.execute_script("return [Reveal.getIndices().h, document.activeElement.tagName]")

    def settled(k, **wanted):
        return wait_for(lambda: all(player(k)[key] == value for key, value in wanted.items()),
                        what=lambda: f"player {k} ({player(k)}, not {wanted})")

    def click(k):
        ActionChains(browser).move_to_element(frames[k]).click().perform()

    counts = [player(k)["count"] for k in range(3)]
    for k in range(3):                               # the first slide has no player: every one waits, paused
        settled(k, frame=0, playing=False, loop=False)
    press(browser, Keys.PAGE_DOWN)                   # the remote goes to the deck
    assert slide() == [1, "BODY"]
    settled(0, frame=counts[0] - 1, playing=False)    # it played through, and holds its last frame
    assert player(1)["playing"] is False and player(2)["playing"] is False

    click(0)                                         # a click gives the player the keyboard
    assert slide() == [1, "IFRAME"]
    press(browser, Keys.HOME, Keys.PAGE_DOWN, Keys.PAGE_DOWN, Keys.PAGE_UP)
    assert player(0)["frame"] == 1 and slide() == [1, "IFRAME"]
    press(browser, Keys.PAGE_UP, Keys.PAGE_UP)       # stepping before its first frame goes back a slide
    assert wait_for(lambda: slide() == [0, "BODY"], what="the deck")
    press(browser, Keys.PAGE_DOWN)                   # forward again: from the first frame
    settled(0, frame=counts[0] - 1, playing=False)

    click(0)
    press(browser, Keys.END, Keys.PAGE_DOWN)         # past its last frame: the next slide, the keyboard back
    assert wait_for(lambda: slide() == [2, "BODY"], what="the deck")
    settled(1, frame=counts[1] - 1, playing=False)
    press(browser, Keys.PAGE_DOWN)                   # the saddle waits to be played (data-autoplay="false")
    assert slide() == [3, "BODY"]
    settled(2, frame=0, playing=False)
    browser.switch_to.frame(frames[2])
    browser.execute_script("window.player.seek(5)")
    browser.switch_to.default_content()
    press(browser, Keys.PAGE_UP)                     # back: the previous slide's player at its end, paused
    assert slide() == [2, "BODY"]
    settled(1, frame=counts[1] - 1, playing=False)
    settled(2, playing=False)
    press(browser, Keys.PAGE_DOWN)                   # forward: from the start
    settled(2, frame=0, playing=False)

    click(2)
    press(browser, Keys.SPACE)                       # the player's space: play
    assert player(2)["playing"] is True
    press(browser, Keys.ESCAPE)                      # Esc gives the keyboard back, on the same slide
    assert wait_for(lambda: slide() == [3, "BODY"], what="Esc")
    press(browser, Keys.PAGE_DOWN)                   # leaving pauses it
    assert slide() == [4, "BODY"]
    settled(2, playing=False)
    click_deck = browser.execute_script("return document.body.classList.contains('paused')")
    assert click_deck is False
    press(browser, Keys.PAGE_UP)
    click(2)
    press(browser, ".")                              # blackout from inside a player is the deck's
    assert wait_for(lambda: browser.execute_script("return document.body.classList.contains('paused')"))
