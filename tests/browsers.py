"""The headless Chromium that drives animator's pages (the player, the book's gallery) in the tests.

Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``) and
selenium are needed; without them the tests that use :func:`browser` skip with the reason.
Every network request is blocked, so a page that asks for one fails visibly.
"""

import shutil

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        pytest.skip(f"headless browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} "
                    f"missing: apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the browser tests need selenium "
                                                                 "(pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1100,800", "--proxy-server=127.0.0.1:9", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*"]})     # every request fails, if one is made
    yield driver
    driver.quit()
