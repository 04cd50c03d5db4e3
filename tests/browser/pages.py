"""Steps a person takes in the browser: signing in to the admin, and what the console says."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.accounts.factories import PASSWORD


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
