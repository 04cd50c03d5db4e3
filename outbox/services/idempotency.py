"""Idempotency records: the first request with a key runs; later ones replay its response.

The key is stored only as a keyed hash, the response only sealed with a key derived from the
Idempotency-Key itself: a reader of the database can neither replay nor read a response that
carried a secret, such as a new API key (docs/adr/0015-secrets-at-rest.md).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, connection
from django.utils import timezone

from config import secrets_at_rest
from outbox.models import IdempotencyRecord

INSERT_SQL = """
INSERT INTO outbox_idempotencyrecord
  (organization_id, principal, key_digest, fingerprint, method, path, response_sealed,
   created_at, expires_at)
{rows}
ON CONFLICT (organization_id, principal, key_digest) DO NOTHING
RETURNING id
"""
VALUES = "VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s)"
# PostgreSQL: bound this transaction's lock waits in the same round trip as the INSERT. The
# limit is read when a wait starts, so it already covers a wait on a concurrent holder's key.
BOUNDED_VALUES = """
SELECT %s, %s, %s, %s, %s, %s, '', %s, %s
FROM (SELECT set_config('lock_timeout', %s, true)) AS bound
"""


class KeyInFlight(Exception):
    """Another request with the same key did not finish within the wait."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict
    body: object


@dataclass(frozen=True)
class ClientKey:
    """An Idempotency-Key as one caller sent it; held in memory only, it opens the response."""

    organization_id: int
    principal: str
    key: str

    @property
    def context(self) -> str:
        return f"{self.organization_id}:{self.principal}"

    @property
    def digest(self) -> str:
        return secrets_at_rest.digest(f"{self.context}:{self.key}", purpose="idempotency-key")

    def seal(self, headers: dict, body) -> str:
        response = json.dumps({"headers": headers, "body": body}, cls=DjangoJSONEncoder)
        return secrets_at_rest.seal_with(self.key, response.encode(), context=self.context)

    def open(self, record: IdempotencyRecord) -> StoredResponse:
        sealed = secrets_at_rest.unseal_with(self.key, record.response_sealed, context=self.context)
        response = json.loads(sealed)
        return StoredResponse(record.response_status, response["headers"], response["body"])


@dataclass(frozen=True)
class Claim:
    """Either this request owns the key (`record_id`) or an earlier one answered (`existing`)."""

    client_key: ClientKey
    record_id: int | None = None
    existing: IdempotencyRecord | None = None

    def stored_response(self) -> StoredResponse:
        """Open the earlier request's response; only the key its client sent can."""
        return self.client_key.open(self.existing)


def fingerprint(method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def claim_key(*, client_key: ClientKey, request_fingerprint: str, method: str, path: str) -> Claim:
    """Insert the key inside the caller's transaction, waiting for a concurrent holder.

    A concurrent request holding the same key blocks this INSERT until it commits (then its
    record is replayed) or rolls back (then this request runs). The wait is bounded by
    IDEMPOTENCY_WAIT_SECONDS; past it KeyInFlight is raised.
    """
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    # In the INSERT's column order; also the lookup of an earlier request's record.
    scope = {
        "organization_id": client_key.organization_id,
        "principal": client_key.principal,
        "key_digest": client_key.digest,
    }
    params = [*scope.values(), request_fingerprint, method, path, now, expires_at]
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
                raise KeyInFlight from exc
        if row is not None:
            return Claim(client_key, record_id=row[0])
        existing = IdempotencyRecord.objects.get(**scope)
        if existing.expires_at > now:
            return Claim(client_key, existing=existing)
        existing.delete()  # expired but not yet purged: the key is free again
    raise KeyInFlight


def store_response(claim: Claim, *, status: int, headers: dict, body) -> None:
    """Keep the response of the claiming request, sealed with its client's key."""
    IdempotencyRecord.objects.filter(pk=claim.record_id).update(
        response_status=status, response_sealed=claim.client_key.seal(headers, body)
    )
