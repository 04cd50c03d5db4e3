"""Secrets at rest: nothing stored lets a reader of the database use a secret.

Two kinds of sealing (docs/adr/0015-secrets-at-rest.md):

- `seal`/`unseal` for secrets the server must read back (webhook signing secrets): Fernet
  with the keys in `settings.ENCRYPTION_KEYS`, newest first. Every key opens, the newest seals,
  and `reseal` moves a value to the newest key, so keys rotate without downtime.
- `seal_with`/`unseal_with` for what only a client may read back (a stored response holding a
  new API key): the key is derived from a secret the client holds and the server keeps only
  as `digest`, mixed with a server secret so a guessable client secret is not enough either.
"""

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac


def seal(plaintext: str) -> str:
    """Encrypt a secret with the newest configured key."""
    return _keyring(tuple(settings.ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


def unseal(sealed: str) -> str:
    """Decrypt a secret sealed with any configured key; raise InvalidToken otherwise."""
    return _keyring(tuple(settings.ENCRYPTION_KEYS)).decrypt(sealed.encode()).decode()


def reseal(sealed: str) -> str:
    """Re-encrypt a sealed secret with the newest key, so older keys can be retired."""
    return _keyring(tuple(settings.ENCRYPTION_KEYS)).rotate(sealed.encode()).decode()


def digest(value: str, *, purpose: str) -> str:
    """Return a keyed hash of `value` (HMAC-SHA256, key derived from SECRET_KEY and `purpose`)."""
    return salted_hmac(f"serviceflow.{purpose}", value, algorithm="sha256").hexdigest()


def seal_with(secret: str, data: bytes, *, context: str) -> str:
    """Encrypt `data` so that only a holder of `secret` (and of this server) can open it."""
    return _holder_fernet(secret, context).encrypt(data).decode()


def unseal_with(secret: str, sealed: str, *, context: str) -> bytes:
    """Decrypt what `seal_with` sealed with the same secret and context; raise InvalidToken."""
    return _holder_fernet(secret, context).decrypt(sealed.encode())


def _holder_fernet(secret: str, context: str) -> Fernet:
    # The salt is a server secret: a dump alone does not let anyone test guessed client secrets.
    server_salt = salted_hmac("serviceflow.sealed-for-holder", context, algorithm="sha256")
    key = HKDF(
        algorithm=SHA256(), length=32, salt=server_salt.digest(), info=context.encode()
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@functools.lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty: set SERVICEFLOW_ENCRYPTION_KEYS")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "SERVICEFLOW_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(Fernet.generate_key())"
        ) from None
