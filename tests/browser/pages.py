"""Steps a person takes in the browser: signing in to the admin, reading a page, what the console
says, and keeping a screenshot of it under var/screenshots/."""

import base64
from pathlib import Path

from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.accounts.factories import PASSWORD

SCREENSHOTS = settings.VAR_DIR / "screenshots"
WINDOW = (1400, 1100)


def sign_in(browser, site: str, user) -> None:
    """Sign in through the admin's login page with the password and a fresh TOTP code."""
    device = TOTPDevice.objects.create(user=user, name="phone")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    browser.delete_all_cookies()
    browser.get(f"{site}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys(user.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.NAME, "otp_token").send_keys(f"{code:0{device.digits}d}")
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_to_be(f"{site}/admin/"))


def console_errors(browser) -> list[str]:
    """What the page logged as errors (a script that failed, a file that was not found).

    The browser asks for /favicon.ico on its own; the site has none, and no page refers to it.
    """
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "/favicon.ico " not in entry["message"]
    ]


def shown(browser, selector: str) -> list[str]:
    """The text of each element `selector` finds, as the page shows it."""
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def save_screenshot(browser, name: str) -> Path:
    """Save the whole page, past the window's edges, as var/screenshots/<name>.png."""
    content = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    whole_page = {"x": 0, "y": 0, "width": content["width"], "height": content["height"]}
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**whole_page, "scale": 1}},
    )
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
