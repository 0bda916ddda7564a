"""The HTML player: exact frames in one offline page, read back in Python and driven in headless Chromium.

The browser tests need Debian's ``chromium`` and ``chromedriver`` (``apt-get install chromium
chromium-driver``) and selenium; they skip, saying which is missing, without them.  Selenium is
pointed at both binaries, so selenium-manager never downloads anything.
"""

import base64
import io
import json
import os
import re

import numpy as np
import pytest
from PIL import Image

from animator.descent import run_race
from animator.race import race
from renderers.contour_race import ContourRace
from renderers.race import RaceAnimation
from renderers.render import render, write_animation
from renderers.writers import read_metadata
from renderers.writers.html import HtmlWriter

from browsers import browser  # noqa: F401  (the headless Chromium fixture; skips without it)
from player_pages import CONFIG, SIZE, layout, page, recording  # noqa: F401  (the shared run and page)



@pytest.fixture(scope="module")
def network_race():
    return race(["sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05,decay=5e-7"], CONFIG)


@pytest.fixture(scope="module")
def race_page(network_race, tmp_path_factory):
    path = tmp_path_factory.mktemp("race") / "race.html"
    write_animation(RaceAnimation(network_race, size=SIZE), path, fps=10, hold=0, workers=1)
    return path


@pytest.fixture(scope="module")
def contour_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("race2d") / "race2d.html"
    layout = ContourRace(run_race("saddle", steps=60), _saddle(), size=SIZE, max_frames=20)
    write_animation(layout, path, fps=10, hold=0, workers=1)
    return path, layout


def _saddle():
    from animator.functions import FUNCTIONS_2D
    return FUNCTIONS_2D["saddle"]


def page_data(path):
    """The player's settings, with ``frames``: ``[x, y, base64 WebP]`` or None per frame."""
    text = path.read_text(encoding="utf-8")
    blocks = dict(re.findall(r'<script type="application/json" id="animator-(\w+)">(.*?)</script>', text, re.S))
    return dict(json.loads(blocks["settings"]), frames=json.loads(blocks["frames"]))


def composed(data, index):
    """Frame ``index`` composed as the page's script does: the keyframe at or before it, then the patches."""
    width, height = data["size"]
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    key = index - index % data["keyframe"]
    for item in data["frames"][key:index + 1]:
        if item is None:
            continue
        x, y, encoded = item
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
            patch = np.asarray(image.convert("RGBA"))
        h, w = patch.shape[:2]
        seen = patch[..., 3] == 255
        canvas[y:y + h, x:x + w][seen] = patch[seen]
    return canvas[..., :3]


def expected(layout, writer, index):
    """What the page must show for frame ``index``: the layout's frame in the page's palette (as a GIF has it)."""
    return writer.palette[writer.quantize(layout.frame(index))]


# -- the file -----------------------------------------------------------------------------------

def test_every_frame_is_exact_in_the_page(page, layout):
    data = page_data(page)
    writer = HtmlWriter.for_source(page, layout, fps=10, hold=0)
    assert len(data["frames"]) == len(layout) == data["epochs"].__len__()
    assert data["epochs"] == [int(e) for e in layout.epochs]
    for index in range(len(layout)):
        shown = composed(data, index)
        assert np.array_equal(shown, expected(layout, writer, index)), index
        # one palette of 255 colours, as a GIF's: the layout's own colours exact, anti-aliased shades near
        difference = shown.astype(float) - layout.frame(index)
        assert np.mean(np.all(difference == 0, axis=-1)) > 0.9 and np.sqrt(np.mean(difference ** 2)) < 4


def test_the_page_is_offline_and_self_describing(page, recording):
    text = page.read_text(encoding="utf-8")
    assert text.startswith('<!doctype html>\n<html lang="en" data-animator="')
    assert '<link rel="icon" href="data:,">' in text
    assert not re.search(r"https?:|//cdn|@import|url\(|\bsrc=", text)
    assert "<video" not in text and "<canvas" in text
    assert read_metadata(page)["kind"] == "training"
    data = page_data(page)
    assert data["fps"] == 10 and data["hold"] == 1.5 and data["unit"] == "epoch" and data["entrants"] == []
    assert "SGD" in data["caption"]


def test_same_frames_same_bytes(recording, page, tmp_path):
    again = tmp_path / "run.html"
    render(recording, again, size=SIZE, fps=10, hold=1.5, workers=2)
    assert again.read_bytes() == page.read_bytes()
    assert os.listdir(tmp_path) == ["run.html"]


def test_races_name_their_entrants(race_page, contour_page):
    entrants = page_data(race_page)["entrants"]
    # named by their optimizers' identities, as in every figure (the network race's SGD has momentum)
    assert [e["name"] for e in entrants] == ["SGD with momentum", "Adam"] and all(e["opacity"] == 1 for e in entrants)
    first, second = (e["rects"][0] for e in entrants)
    assert first[0] + first[2] <= second[0] or first[1] + first[3] <= second[1]     # panels do not overlap
    data = page_data(contour_page[0])
    assert data["unit"] == "step" and len(data["entrants"]) == len(contour_page[1].labels)


def test_jupyter_shows_the_player(page):
    from renderers.render import Animation

    shown = Animation(page, "html", 12, SIZE)._repr_html_()
    assert shown.startswith('<iframe srcdoc="&lt;!doctype html&gt;') and "animator-frames" in shown


# -- in Chromium --------------------------------------------------------------------------------

def open_page(driver, path):
    """Load ``path``, wait for every frame to be decoded, pause; returns the URLs the page asked for."""
    driver.get_log("performance")
    driver.get(path.as_uri())
    count = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "window.player.ready.then(function (n) { window.player.pause(); done(n); },"
        "                         function (e) { done('failed: ' + e); });")
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    return count, requested


def canvas_pixels(driver):
    url = driver.execute_script("return window.player.canvas.toDataURL('image/png');")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return np.asarray(image.convert("RGB"))


def test_the_player_in_chromium(browser, page, layout):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    count, requested = open_page(browser, page)
    assert count == len(layout)
    assert requested == [page.as_uri()]                      # nothing but the file itself, with everything blocked
    assert browser.execute_script("return window.player.frameCount") == len(layout)

    last = len(layout) - 1
    browser.execute_script(f"window.player.seek({last})")
    assert browser.execute_script("return [window.player.frame, window.player.epoch]") == [last, 300]
    readout = browser.find_element(By.CSS_SELECTOR, "[data-role=readout]").text
    assert readout.startswith("epoch 300 ")

    writer = HtmlWriter.for_source(page, layout, fps=10, hold=0)
    browser.execute_script("window.player.seek(3)")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert browser.execute_script("return window.player.frame") == 4
    assert browser.execute_script("return window.player.epoch") == int(layout.epochs[4])
    assert np.array_equal(canvas_pixels(browser), expected(layout, writer, 4))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert np.array_equal(canvas_pixels(browser), expected(layout, writer, last))   # across a keyframe group

    scrubber = browser.find_element(By.CSS_SELECTOR, "input[type=range][data-role=scrubber]")
    assert scrubber.get_attribute("max") == str(last) and scrubber.get_attribute("value") == str(last)
    with Image.open(io.BytesIO(browser.get_screenshot_as_png())) as shot:
        pixels = np.asarray(shot.convert("RGB"))
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50    # not blank

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.HOME)
    assert browser.execute_script("return window.player.frame") == 0
    browser.execute_script("window.player.play()")
    assert browser.execute_script("return window.player.playing") is True
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    assert browser.execute_script("return window.player.playing") is False


def test_hiding_a_race_entrant_in_chromium(browser, race_page):
    count, requested = open_page(browser, race_page)
    assert requested == [race_page.as_uri()]
    browser.execute_script(f"window.player.seek({count - 1})")
    before = canvas_pixels(browser)
    x, y, w, h = page_data(race_page)["entrants"][1]["rects"][0]
    browser.execute_script("window.player.hide('Adam')")
    hidden = canvas_pixels(browser)
    inside = hidden[y:y + h, x:x + w]
    assert (inside == inside[0, 0]).all() and not np.array_equal(before[y:y + h, x:x + w], inside)
    outside = np.ones(hidden.shape[:2], dtype=bool)
    outside[y:y + h, x:x + w] = False
    assert np.array_equal(hidden[outside], before[outside])             # SGD's panel and the charts stay
    assert browser.execute_script("return document.querySelector('input[data-entrant=Adam]').checked") is False
    browser.execute_script("window.player.show('Adam')")
    assert np.array_equal(canvas_pixels(browser), before)


def test_hiding_2d_race_entrants_in_chromium(browser, contour_page):
    """Hiding takes a run's trail and ball off the map and dims its legend entry; showing puts them back."""
    path, layout = contour_page
    count, requested = open_page(browser, path)
    assert count == len(layout) and requested == [path.as_uri()]
    last = count - 1
    browser.execute_script(f"window.player.seek({last})")
    assert browser.execute_script("return window.player.epoch") == int(layout.epochs[-1])
    before = canvas_pixels(browser)
    writer = HtmlWriter.for_source(path, layout, fps=10, hold=0)
    assert np.array_equal(before, expected(layout, writer, last))
    entrants = page_data(path)["entrants"]
    legend = np.zeros(before.shape[:2], dtype=bool)
    for entrant in entrants:
        x, y, w, h = entrant["rects"][0]
        legend[y:y + h, x:x + w] = True
    for entrant in entrants[1:]:
        browser.execute_script("window.player.hide(arguments[0])", entrant["name"])
    alone = canvas_pixels(browser)              # the first run alone on the map: exactly the layout's frame of it
    drawn = writer.palette[writer.quantize(layout.frame(last, entrants=(0,)))]
    assert np.array_equal(alone[~legend], drawn[~legend])
    assert not np.array_equal(alone[~legend], before[~legend])
    browser.execute_script("window.player.seek(2)")          # stepping with runs hidden keeps them hidden
    assert np.array_equal(canvas_pixels(browser)[~legend],
                          writer.palette[writer.quantize(layout.frame(2, entrants=(0,)))][~legend])
    for entrant in entrants[1:]:
        browser.execute_script("window.player.show(arguments[0])", entrant["name"])
    browser.execute_script(f"window.player.seek({last})")
    assert np.array_equal(canvas_pixels(browser), before)
