"""Growing delays for session sign-in, per address and per account, never a lockout for good.

Every failed sign-in (a wrong password, a wrong or missing token) counts against the client
address and against the account. Past SIGN_IN_FREE_FAILURES in SIGN_IN_FAILURE_WINDOW_SECONDS,
each further failure holds the failing address back, twice as long each time, up to
SIGN_IN_MAX_DELAY_SECONDS: the address's own count delays all its attempts, the account's count
delays that address's attempts on that account. A delay never reaches an address that did not
fail, so a flood against someone's account slows the attacker's addresses while its owner, from
their own address, signs in at once (and, had they failed too, waits at most the cap).
Attempts made during a delay are refused unchecked and not counted, so they cannot extend it.
Without the cache, sign-in is not limited (config/cache.py `fail_open`).
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from config import cache as counters
from config.request_context import client_address, limit_bucket


class SignInDelayed(Exception):
    """The address must wait before it may try to sign in (to this account) again."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Try again in {seconds} s")
        self.seconds = seconds


def _keys(request, username: str) -> dict[str, str]:
    # The address is bounded by what client_address returns; the name is the user's to choose.
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    # An IPv6 client counts as its /64, which it could otherwise walk through.
    address = limit_bucket(client_address(request)) if request is not None else ""  # bare form
    return {
        "address_failures": f"signin:failures:address:{address}",
        "account_failures": f"signin:failures:account:{account}",
        "address_delay": f"signin:delay:{address}",
        "account_delay": f"signin:delay:{address}:{account}",
    }


def ensure_sign_in_allowed(request, username: str) -> None:
    """Raise SignInDelayed while this address is held back, alone or for this account."""
    keys = _keys(request, username)
    delays = [keys["address_delay"], keys["account_delay"]]
    held_until = counters.fail_open("sign_in", lambda: cache.get_many(delays), default={})
    wait = max(held_until.values(), default=0) - time.time()
    if wait > 0:
        raise SignInDelayed(math.ceil(wait))


def record_sign_in_failure(request, username: str) -> None:
    """Count a failure against the address and the account; past the free ones, hold back."""
    keys = _keys(request, username)
    for count_key, delay_key in (
        ("address_failures", "address_delay"),
        ("account_failures", "account_delay"),
    ):
        failures = counters.fail_open(
            "sign_in",
            lambda key=keys[count_key]: counters.count(
                key, settings.SIGN_IN_FAILURE_WINDOW_SECONDS
            ),
            default=0,
        )
        if failures > settings.SIGN_IN_FREE_FAILURES:
            _hold_back(keys[delay_key], failures - settings.SIGN_IN_FREE_FAILURES)


def _hold_back(delay_key: str, beyond_free: int) -> None:
    first, cap = settings.SIGN_IN_FIRST_DELAY_SECONDS, settings.SIGN_IN_MAX_DELAY_SECONDS
    seconds = min(first * 2 ** min(beyond_free - 1, 32), cap)
    counters.fail_open(
        "sign_in",
        lambda: cache.set(delay_key, time.time() + seconds, timeout=math.ceil(seconds)),
        default=None,
    )
