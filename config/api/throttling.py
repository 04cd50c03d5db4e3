"""Rate limits per API key, per user and per anonymous address, counted in the cache.

DRF's SimpleRateThrottle stores every request's timestamp in one cache value and rewrites it
on each request: its cost grows with the rate allowed, and two workers can overwrite each
other's count. These throttles count requests per fixed window with one atomic count instead.
When the cache is unreachable they let requests through (config/cache.py `fail_open`): a limit
that cannot be counted is not worth refusing service for.

Every response that was counted tells the caller where it stands, in the IETF draft's
RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset fields (RateLimitHeadersMiddleware).
"""

import math
import time
from contextvars import ContextVar
from typing import NamedTuple

from django.conf import settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from config import cache as counters
from config.request_context import client_address, limit_bucket


class RateLimitState(NamedTuple):
    limit: int
    remaining: int
    reset_seconds: int


# Set by the throttle that counted the request, read when its response leaves.
rate_limit_var: ContextVar[RateLimitState | None] = ContextVar("rate_limit", default=None)


class FixedWindowThrottle(BaseThrottle):
    scope = ""
    # The window clock; tests pin it so that a window cannot roll over between two requests.
    clock = staticmethod(time.time)

    def identity(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.identity(request)
        if ident is None:
            return True
        # Read per request so the rate follows settings changes (DRF freezes them at import).
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        limit, period = SimpleRateThrottle.parse_rate(None, rate)
        now = self.clock()
        window_key = f"throttle:{self.scope}:{ident}:{int(now // period)}"
        count = counters.fail_open(
            "throttle", lambda: counters.count(window_key, period + 1), default=None
        )
        if count is None:  # not counted: no budget to tell of either
            return True
        self.seconds_left = period - (now % period)
        rate_limit_var.set(
            RateLimitState(limit, max(limit - count, 0), math.ceil(self.seconds_left))
        )
        return count <= limit

    def wait(self) -> float:
        return self.seconds_left


class PrincipalRateThrottle(FixedWindowThrottle):
    """One budget per API key and one per user, across all their requests."""

    scope = "principal"

    def identity(self, request) -> str | None:
        principal = request.auth
        if getattr(principal, "api_key_id", None) is not None:
            return f"key:{principal.api_key_id}"
        if getattr(request.user, "is_authenticated", False) and request.user.pk is not None:
            return f"user:{request.user.pk}"
        return None


class AnonymousRateThrottle(FixedWindowThrottle):
    """A smaller budget per client address for unauthenticated requests."""

    scope = "anonymous"

    def identity(self, request) -> str | None:
        if getattr(request.user, "is_authenticated", False):
            return None
        return f"ip:{limit_bucket(client_address(request))}"


class RateLimitHeadersMiddleware:
    """Add the counted request's RateLimit-* fields to its response, problems included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = rate_limit_var.set(None)
        try:
            response = self.get_response(request)
            state = rate_limit_var.get()
        finally:
            rate_limit_var.reset(token)
        if state is not None:
            response["RateLimit-Limit"] = str(state.limit)
            response["RateLimit-Remaining"] = str(state.remaining)
            response["RateLimit-Reset"] = str(state.reset_seconds)
        return response
