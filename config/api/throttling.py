"""Rate limits per API key, per user and per anonymous address, counted in the cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    # Read per request so the rate follows settings changes (DRF freezes them at import).
    def get_rate(self) -> str:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class PrincipalRateThrottle(_SettingsRateThrottle):
    """One budget per API key and one per user, across all their requests."""

    scope = "principal"

    def get_cache_key(self, request, view) -> str | None:
        principal = request.auth
        if getattr(principal, "api_key_id", None) is not None:
            ident = f"key:{principal.api_key_id}"
        elif getattr(request.user, "is_authenticated", False) and request.user.pk is not None:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_SettingsRateThrottle):
    """A smaller budget per client address for unauthenticated requests."""

    scope = "anonymous"

    def get_cache_key(self, request, view) -> str | None:
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
