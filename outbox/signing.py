"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the
base64-decoded part of the `whsec_` secret.
"""

import base64
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"  # noqa: S105  (a format marker, not a secret)
# Standard Webhooks' replay window: a receiver refuses timestamps further than this from its clock.
TOLERANCE_SECONDS = 5 * 60


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int | str, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None) -> bool:
    """Check a received webhook as a receiver should: a fresh timestamp and a signature compared
    in constant time; missing or malformed headers fail."""
    message_id = headers.get("webhook-id", "")
    sent_at = headers.get("webhook-timestamp", "")
    if not message_id or not (sent_at.isascii() and sent_at.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(sent_at)) > TOLERANCE_SECONDS:
        return False  # a replay of an old delivery, or a clock far off
    expected = sign(secret, message_id, sent_at, body)  # the header as sent, not re-rendered
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in headers.get("webhook-signature", "").split(" ")
    )
