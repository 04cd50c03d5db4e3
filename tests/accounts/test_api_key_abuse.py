"""A flood of bad keys from one client is stopped without touching any other client."""

import pytest
from rest_framework.test import APIClient, APIRequestFactory

from config.api.throttling import AnonymousRateThrottle
from config.request_context import client_address

pytestmark = pytest.mark.django_db

FLOODER, NEIGHBOUR, PROXY = "198.51.100.7", "198.51.100.8", "10.0.0.2"
MALFORMED = "Bearer not-a-key"


@pytest.fixture
def low_limit(settings):
    settings.API_KEY_MAX_FAILURES_PER_MINUTE = 3


def call(key_header: str, address: str, forwarded_for: str | None = None) -> int:
    meta = {"REMOTE_ADDR": address, "HTTP_AUTHORIZATION": key_header}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return APIClient().get("/api/v1/me", **meta).status_code


def wrong_key(valid: str) -> str:
    return f"Bearer {valid[:-1]}{'A' if valid[-1] != 'A' else 'B'}"


def test_malformed_keys_count_as_failures_and_are_refused_with_429(organization, low_limit):
    statuses = [call(MALFORMED, FLOODER) for _ in range(5)]

    assert statuses == [401, 401, 401, 429, 429]


def test_a_flood_of_bad_keys_leaves_another_clients_key_working(organization, issue_key, low_limit):
    neighbours_key = issue_key(organization)  # never used yet: it needs an argon2id check
    flood = [call(MALFORMED, FLOODER) for _ in range(3)]
    flood += [call(wrong_key(neighbours_key), FLOODER) for _ in range(3)]

    assert flood[-1] == 429
    assert call(f"Bearer {neighbours_key}", NEIGHBOUR) == 200


def test_behind_a_trusted_proxy_each_client_has_its_own_count(
    organization, issue_key, low_limit, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    neighbours_key = issue_key(organization)
    for _ in range(4):
        call(wrong_key(neighbours_key), PROXY, forwarded_for=FLOODER)

    # A client cannot escape its count by writing addresses of its own into the header.
    assert call(MALFORMED, PROXY, forwarded_for=f"192.0.2.1, {FLOODER}") == 429
    assert call(f"Bearer {neighbours_key}", PROXY, forwarded_for=NEIGHBOUR) == 200


def test_ipv6_addresses_of_one_64_share_one_count(organization, low_limit):
    statuses = [call(MALFORMED, f"2001:db8:1:2::{n:x}") for n in range(1, 6)]

    assert statuses == [401, 401, 401, 429, 429]
    assert call(MALFORMED, "2001:db8:1:3::1") == 401  # the next /64 is someone else


def test_forwarded_for_from_an_untrusted_peer_is_ignored(organization, low_limit, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    statuses = [call(MALFORMED, FLOODER, forwarded_for=f"192.0.2.{n}") for n in range(5)]

    assert statuses[-1] == 429


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("198.51.100.7", "192.0.2.1", "198.51.100.7"),  # untrusted peer: header ignored
        ("10.0.0.2", "192.0.2.1", "192.0.2.1"),
        ("10.0.0.2", "192.0.2.9, 192.0.2.1, 10.0.0.3", "192.0.2.1"),  # right-most untrusted
        ("10.0.0.2", "10.0.0.4, 10.0.0.3", "10.0.0.4"),  # all trusted: the first hop
        ("10.0.0.2", "junk, 192.0.2.1", "192.0.2.1"),
        ("10.0.0.2", "192.0.2.1, junk", "10.0.0.2"),  # not written by a proxy: stop there
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_client_address_is_the_rightmost_hop_no_trusted_proxy_vouches_for(
    settings, peer, forwarded_for, client
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = APIRequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == client


def test_anonymous_throttle_counts_per_client_not_per_forwarded_header(settings, rate_window):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "100/min", "anonymous": "2/min"},
    }

    def allowed(forwarded_for: str) -> bool:
        request = APIRequestFactory().get(
            "/", REMOTE_ADDR=FLOODER, HTTP_X_FORWARDED_FOR=forwarded_for
        )
        request.user = None
        return AnonymousRateThrottle().allow_request(request, view=None)

    assert [allowed(f"192.0.2.{n}") for n in range(3)] == [True, True, False]


def test_anonymous_throttle_counts_an_ipv6_client_per_64(settings, rate_window):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "100/min", "anonymous": "2/min"},
    }

    def allowed(address: str) -> bool:
        request = APIRequestFactory().get("/", REMOTE_ADDR=address)
        request.user = None
        return AnonymousRateThrottle().allow_request(request, view=None)

    hopping = [allowed(f"2001:db8:1:2::{n:x}") for n in range(3)]
    assert hopping == [True, True, False]  # three addresses of one /64 share one count
    assert allowed("2001:db8:1:3::1")  # the next /64 is another client
