"""A headless Chromium from the system's packages, and the project served by gunicorn for it."""

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.browser.pages import WINDOW
from tests.e2e.processes import gunicorn

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def browser(site):
    """A headless Chromium, quit before the site stops; its console log is kept for the checks.

    Chromium keeps idle connections to the site open, and a sync gunicorn worker waiting on one
    would hold the site's shutdown up until its graceful timeout.
    """
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not found: `make browser` installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size={},{}".format(*WINDOW))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def site(process_env):
    """The project served by gunicorn on the test's database, static files as in production."""
    with gunicorn(process_env, workers=1) as base_url:
        yield base_url
