"""Session sign-in under attack: one message for every failure, delays that grow, no lockout."""

import re
import time

import pytest
from django.test import Client

from config.roles import Role
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER, OWNER = "203.0.113.9", "198.51.100.20"
SIGN_IN_URLS = ["/api/auth/login/", "/admin/login/"]


@pytest.fixture
def owner(organization):
    user = UserFactory(staff=True, backup_tokens=["first1", "second2", "third3"])
    MembershipFactory(user=user, organization=organization, role=Role.AGENT)
    return user


@pytest.fixture
def quick_delays(settings):
    """Delays short enough to wait out, long enough to outlast a stall on a busy machine."""
    settings.SIGN_IN_FREE_FAILURES = 2
    settings.SIGN_IN_FIRST_DELAY_SECONDS = 2
    settings.SIGN_IN_MAX_DELAY_SECONDS = 5


@pytest.fixture
def long_delays(settings):
    """For tests that never wait a delay out: no stall can outlast it."""
    settings.SIGN_IN_FREE_FAILURES = 2
    settings.SIGN_IN_FIRST_DELAY_SECONDS = 60
    settings.SIGN_IN_MAX_DELAY_SECONDS = 120


def attempt(url: str, email: str, address: str, password: str = PASSWORD, token: str = ""):
    data = {"username": email, "password": password, "otp_token": token}
    return Client(REMOTE_ADDR=address).post(url, data)


def page_without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("url", SIGN_IN_URLS)
def test_every_failed_sign_in_shows_the_same_message_and_page(url, owner):
    wrong_password = attempt(url, owner.email, ATTACKER, password="wrong", token="nope99")
    wrong_token = attempt(url, owner.email, ATTACKER, token="nope99")
    missing_token = attempt(url, owner.email, ATTACKER)
    wrong_password_no_token = attempt(url, owner.email, ATTACKER, password="wrong")
    unknown_user = attempt(url, "nobody@example.test", ATTACKER, token="first1")

    failures = [wrong_password, wrong_token, missing_token, wrong_password_no_token, unknown_user]
    assert {response.status_code for response in failures} == {200}
    messages = {tuple(response.context["form"].non_field_errors()) for response in failures}
    assert len(messages) == 1
    # Nothing else on the page tells a right password from a wrong one (no device list).
    assert page_without_csrf(wrong_password) == page_without_csrf(wrong_token)
    assert page_without_csrf(wrong_password_no_token) == page_without_csrf(missing_token)


@pytest.mark.parametrize("url", SIGN_IN_URLS)
def test_failures_past_the_free_ones_hold_the_address_back_longer_each_time(
    url, owner, quick_delays
):
    assert [attempt(url, owner.email, ATTACKER, "x").status_code for _ in range(3)] == [200] * 3

    held = attempt(url, owner.email, ATTACKER, token="first1")  # right, but too soon
    assert held.status_code == 429
    # The seconds left, rounded up: the whole delay unless the machine stalled in between.
    assert held["Retry-After"] in {"1", "2"}
    time.sleep(int(held["Retry-After"]) + 0.1)
    assert attempt(url, owner.email, ATTACKER, "x").status_code == 200
    assert attempt(url, owner.email, ATTACKER, "x")["Retry-After"] in {"3", "4"}  # doubled


def test_a_flood_on_an_account_slows_the_attackers_but_never_locks_out_its_owner(
    owner, long_delays
):
    url = "/api/auth/login/"
    for address in [f"203.0.113.{n}" for n in range(1, 5)]:
        attempt(url, owner.email, address, "guess")
    fresh_attacker = attempt(url, owner.email, "203.0.113.99", "guess")
    assert attempt(url, owner.email, "203.0.113.99", "guess").status_code == 429

    signed_in = attempt(url, owner.email, OWNER, token="first1")

    assert fresh_attacker.status_code == 200
    assert signed_in.status_code == 302


def test_wrong_tokens_with_a_stolen_password_never_lock_the_owners_device(owner, long_delays):
    url = "/admin/login/"
    for address in [f"203.0.113.{n}" for n in range(1, 6)]:
        assert attempt(url, owner.email, address, token="nope99").status_code == 200

    signed_in = attempt(url, owner.email, OWNER, token="first1")

    assert signed_in.status_code == 302


def test_an_owner_who_also_failed_during_a_flood_waits_at_most_the_cap(owner, quick_delays):
    url = "/admin/login/"
    for address in [f"203.0.113.{n}" for n in range(1, 5)]:
        attempt(url, owner.email, address, "guess")
    attempt(url, owner.email, OWNER, "typo")

    held = attempt(url, owner.email, OWNER, token="first1")
    time.sleep(int(held["Retry-After"]) + 0.1)

    assert held.status_code == 429
    assert int(held["Retry-After"]) <= 5
    assert attempt(url, owner.email, OWNER, token="second2").status_code == 302


def test_ipv6_addresses_of_one_64_share_one_count(owner, long_delays):
    url = "/api/auth/login/"
    for n in range(1, 4):
        attempt(url, "nobody@example.test", f"2001:db8:1:2::{n:x}", "x")

    held = attempt(url, "other@example.test", "2001:db8:1:2:ffff::1", "x")
    elsewhere = attempt(url, "other@example.test", "2001:db8:1:3::1", "x")

    assert (held.status_code, elsewhere.status_code) == (429, 200)


def test_sign_in_is_limited_per_client_behind_a_trusted_proxy(owner, long_delays, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    url = "/api/auth/login/"

    def through_proxy(client_ip: str, **data):
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_ip).post(url, data)

    for _ in range(3):
        through_proxy(ATTACKER, username="nobody@example.test", password="x")

    assert through_proxy(ATTACKER, username="other@example.test").status_code == 429
    signed_in = through_proxy(OWNER, username=owner.email, password=PASSWORD, otp_token="first1")
    assert signed_in.status_code == 302
