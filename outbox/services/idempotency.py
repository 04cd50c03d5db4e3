"""Idempotency records: the first request with a key runs; later ones replay its response."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from outbox.models import IdempotencyRecord

INSERT_SQL = """
INSERT INTO outbox_idempotencyrecord
  (organization_id, principal, key, fingerprint, method, path, response_headers,
   created_at, expires_at)
{rows}
ON CONFLICT (organization_id, principal, key) DO NOTHING
RETURNING id
"""
VALUES = "VALUES (%s, %s, %s, %s, %s, %s, '{}', %s, %s)"
# PostgreSQL: bound this transaction's lock waits in the same round trip as the INSERT. The
# limit is read when a wait starts, so it already covers a wait on a concurrent holder's key.
BOUNDED_VALUES = """
SELECT %s, %s, %s, %s, %s, %s, '{}'::jsonb, %s, %s
FROM (SELECT set_config('lock_timeout', %s, true)) AS bound
"""


class KeyInFlight(Exception):
    """Another request with the same key did not finish within the wait."""


@dataclass(frozen=True)
class Claim:
    """Either this request owns the key (`record_id`) or an earlier one answered (`existing`)."""

    record_id: int | None = None
    existing: IdempotencyRecord | None = None


def fingerprint(method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def claim_key(
    *,
    organization_id: int,
    principal: str,
    key: str,
    request_fingerprint: str,
    method: str,
    path: str,
) -> Claim:
    """Insert the key inside the caller's transaction, waiting for a concurrent holder.

    A concurrent request holding the same key blocks this INSERT until it commits (then its
    record is replayed) or rolls back (then this request runs). The wait is bounded by
    IDEMPOTENCY_WAIT_SECONDS; past it KeyInFlight is raised.
    """
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    params = [organization_id, principal, key, request_fingerprint, method, path, now, expires_at]
    if connection.vendor == "postgresql":
        sql = INSERT_SQL.format(rows=BOUNDED_VALUES)
        # The limit stays for the rest of the transaction: a longer wait for any lock would
        # hold the request up beyond reason too.
        params.append(f"{int(settings.IDEMPOTENCY_WAIT_SECONDS * 1000)}ms")
    else:
        sql = INSERT_SQL.format(rows=VALUES)
    for _ in range(2):
        with connection.cursor() as cursor:
            try:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            except OperationalError as exc:
                raise KeyInFlight(key) from exc
        if row is not None:
            return Claim(record_id=row[0])
        existing = IdempotencyRecord.objects.get(
            organization_id=organization_id, principal=principal, key=key
        )
        if existing.expires_at > now:
            return Claim(existing=existing)
        existing.delete()  # expired but not yet purged: the key is free again
    raise KeyInFlight(key)


def store_response(record_id: int, *, status: int, headers: dict, body) -> None:
    IdempotencyRecord.objects.filter(pk=record_id).update(
        response_status=status, response_headers=headers, response_body=body
    )


def purge_expired(batch_size: int = 5000) -> int:
    """Delete expired records in batches; return how many went."""
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).values_list(
                "pk", flat=True
            )[:batch_size]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
