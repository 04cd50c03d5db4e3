"""API-key material: format, argon2id hashing and the verification cache.

A key reads `sf_<prefix>_<secret>`. The prefix is public and finds the row; the secret is
checked against an argon2id hash. A successful check is cached under an HMAC of the whole
key, so the steady state costs one cache round trip instead of an argon2id run; revocation
writes a marker, and invalid keys a per-address count, that the same round trip reads. A
cached verification is trusted for API_KEY_RECHECK_SECONDS since the key's row was last read,
so a revocation whose marker was lost with Redis still holds within that bound
(docs/adr/0002-api-keys.md).
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache as memoize

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import ApiKey
from config import cache as counters
from config.principal import Principal
from config.request_context import limit_bucket

KEY_PATTERN = re.compile(r"^sf_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


class InvalidApiKey(Exception):
    """The presented key is malformed, unknown, wrong, revoked or expired."""


class TooManyInvalidKeys(Exception):
    """The client address sent too many invalid keys in the last minute."""


@dataclass(frozen=True)
class NewKeyMaterial:
    prefix: str
    plaintext: str
    secret_hash: str


@memoize
def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.API_KEY_ARGON2_TIME_COST,
        memory_cost=settings.API_KEY_ARGON2_MEMORY_KIB,
        parallelism=settings.API_KEY_ARGON2_PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def generate_key_material() -> NewKeyMaterial:
    """Make a fresh key; the plaintext exists only in the returned object."""
    prefix = secrets.token_hex(6)
    plaintext = f"sf_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKeyMaterial(prefix=prefix, plaintext=plaintext, secret_hash=_hasher().hash(plaintext))


def split_key(plaintext: str) -> str:
    """Return the key's public prefix, or raise InvalidApiKey when it is not shaped like a key."""
    match = KEY_PATTERN.match(plaintext)
    if match is None:
        raise InvalidApiKey("The API key is malformed.")
    return match["prefix"]


def _cache_keys(prefix: str, plaintext: str) -> tuple[str, str]:
    digest = hmac.new(settings.SECRET_KEY.encode(), plaintext.encode(), hashlib.sha256)
    # "checked", not the former "ok": entries cached before `checked_at` existed are ignored.
    return f"apikey:{prefix}:checked:{digest.hexdigest()}", f"apikey:{prefix}:revoked"


def forget_revoked_key(prefix: str) -> None:
    """Make every cached verification of this key fail from the next request on."""
    # Outlives any entry a verification already in flight may still write. Without Redis the
    # marker is lost; the recheck of cached entries covers that (docs/adr/0002-api-keys.md).
    timeout = settings.API_KEY_CACHE_SECONDS * 2 + 60
    counters.fail_open(
        "api_key_revocation",
        lambda: cache.set(f"apikey:{prefix}:revoked", True, timeout=timeout),
        default=None,
    )


@dataclass
class _CachedVerification:
    principal: Principal
    expires_at: datetime | None
    touched_at: datetime
    checked_at: datetime  # when the key's row was last read: a revocation since is unseen

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_due_for_touch(self, now: datetime) -> bool:
        return now - self.touched_at >= timedelta(seconds=settings.API_KEY_TOUCH_SECONDS)

    def is_due_for_recheck(self, now: datetime) -> bool:
        # After this process lost the cache, a revocation may have missed its marker.
        outage = counters.last_failure_at()
        stale = now - self.checked_at >= timedelta(seconds=settings.API_KEY_RECHECK_SECONDS)
        return stale or (outage is not None and self.checked_at <= outage)


def authenticate_api_key(plaintext: str, client_address: str = "") -> Principal:
    """Return the principal for a presented key, or raise InvalidApiKey / TooManyInvalidKeys."""
    failures_key = f"apikey:failures:{limit_bucket(client_address)}"  # IPv6: per /64
    try:
        return _authenticate(plaintext, failures_key)
    except InvalidApiKey:
        # Malformed keys count too, so no kind of wrong key escapes the limit.
        failures = counters.fail_open(
            "api_key_failures", lambda: counters.count(failures_key, 60), default=0
        )
        if failures > settings.API_KEY_MAX_FAILURES_PER_MINUTE:
            raise TooManyInvalidKeys from None
        raise


def _authenticate(plaintext: str, failures_key: str) -> Principal:
    prefix = split_key(plaintext)
    entry_key, revoked_key = _cache_keys(prefix, plaintext)
    # Without the cache every request takes the slow path below: the database and argon2id.
    found = counters.fail_open(
        "api_key", lambda: cache.get_many([entry_key, revoked_key, failures_key]), default={}
    )
    if revoked_key in found:
        raise InvalidApiKey("The API key has been revoked.")
    now = timezone.now()
    entry = found.get(entry_key)
    if entry is None:
        # Only an uncached check costs an argon2id run, and that is what the limit protects.
        if found.get(failures_key, 0) >= settings.API_KEY_MAX_FAILURES_PER_MINUTE:
            raise TooManyInvalidKeys
        entry = _verify_against_database(prefix, plaintext, now)
    if entry.is_expired(now):
        raise InvalidApiKey("The API key has expired.")
    if entry.is_due_for_touch(now) or entry.is_due_for_recheck(now):
        _recheck(entry, prefix, now)
        counters.fail_open(
            "api_key",
            lambda: cache.set(entry_key, entry, timeout=settings.API_KEY_CACHE_SECONDS),
            default=None,
        )
    return entry.principal


def _recheck(entry: _CachedVerification, prefix: str, now: datetime) -> None:
    """Read the key's revocation again, recording its use when due; refuse it if revoked."""
    unrevoked = ApiKey.objects.filter(pk=entry.principal.api_key_id, revoked_at__isnull=True)
    if entry.is_due_for_touch(now):
        # last_used_at is written at most once per touch interval, not on every request.
        usable = unrevoked.update(last_used_at=now) == 1
        entry.touched_at = now
    else:
        usable = unrevoked.exists()
    if not usable:
        forget_revoked_key(prefix)  # the marker this revocation may have missed
        raise InvalidApiKey("The API key has been revoked.")
    entry.checked_at = now


def _verify_against_database(prefix: str, plaintext: str, now: datetime) -> _CachedVerification:
    key = ApiKey.objects.select_related("organization").filter(prefix=prefix).first()
    if key is None:
        raise InvalidApiKey("The API key is not valid.")
    try:
        _hasher().verify(key.secret_hash, plaintext)
    except (VerificationError, InvalidHashError):
        raise InvalidApiKey("The API key is not valid.") from None
    if key.revoked_at is not None:
        raise InvalidApiKey("The API key has been revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise InvalidApiKey("The API key has expired.")
    principal = Principal(
        organization_id=key.organization_id,
        organization_slug=key.organization.slug,
        role=key.role,
        api_key_id=key.pk,
        label=f"API key {key.name}",
    )
    never_touched = now - timedelta(seconds=settings.API_KEY_TOUCH_SECONDS)
    return _CachedVerification(principal, key.expires_at, never_touched, checked_at=now)
