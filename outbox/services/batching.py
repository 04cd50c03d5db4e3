"""How the background senders work through their rows: leases, batches and backoff.

A sender claims rows by setting their lease (`claimed_until`) in a short committed transaction,
does its network work with no transaction open, then records each outcome in another short
transaction, guarded by the lease it took. A sender that dies leaves its leases to expire;
the rows are then claimed again (at least once).
"""

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

# Raised inside a task at its soft time limit: it must stop the task, not fail one item.
STOP_NOW = (SoftTimeLimitExceeded,)


@dataclass
class Lease:
    """Rows owned until `until`; new items start only while enough of the lease is left."""

    until: datetime
    reserve_seconds: float = 0.0  # what one item may take at most
    _started: float = field(default_factory=time.monotonic)

    @classmethod
    def take(cls, *, reserve_seconds: float = 0.0) -> "Lease":
        until = timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        return cls(until=until, reserve_seconds=reserve_seconds)

    def allows_another_item(self, stop_at: float | None = None) -> bool:
        """Say whether one more item fits before the lease (or the caller's budget) ends."""
        now = time.monotonic()
        lease_left = settings.OUTBOX_LEASE_SECONDS - (now - self._started)
        return lease_left > self.reserve_seconds + 1 and (stop_at is None or now < stop_at)


def record_outcome(row, fields: list[str], lease_field: str = "claimed_until") -> bool:
    """Store the row's `fields` and end its lease, unless the lease expired and was taken over.

    Return whether this sender still held the lease.
    """
    return bool(record_outcomes([row], fields, lease_field))


def record_outcomes(rows: list, fields: list[str], lease_field: str = "claimed_until") -> int:
    """As record_outcome for many rows in one round trip; return how many were still held.

    One UPDATE per row, sent together (psycopg pipelines `executemany`): a batch pays one wait
    for the database instead of one per row. A row with no lease is not held: it is left alone.
    """
    if not rows:
        return 0
    # In id order, as lease_runs locks rows: the UPDATEs run as one implicit transaction.
    rows = sorted(rows, key=lambda row: row.pk)
    meta, quote = type(rows[0])._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    lease = meta.get_field(lease_field)
    # Only the model's own quoted table and column names are interpolated; values are parameters.
    assignments = [f"{quote(column.column)} = %s" for column in columns]
    assignments.append(f"{quote(lease.column)} = NULL")
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)}"  # noqa: S608
        f" WHERE {quote(meta.pk.column)} = %s AND {quote(lease.column)} = %s"
    )
    params = [
        [
            *(
                column.get_db_prep_save(getattr(row, column.attname), connection)
                for column in columns
            ),
            row.pk,
            lease.get_db_prep_save(getattr(row, lease_field), connection),
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return cursor.rowcount


def give_back(rows: list, lease_field: str = "claimed_until") -> None:
    """End the leases of rows this sender will not work on after all (unless taken over)."""
    record_outcomes(rows, [], lease_field)


def lease_runs(heads: list, following, key, position, can_go, lease: Lease) -> list[list]:
    """Lease what follows each head in its sequence and can go now, in order; a list per head.

    `following` is a locking queryset of the candidates in `position` order (bounded by the
    caller); `key(row)` names a row's sequence. A run ends at the first row that cannot go now
    (`can_go(row, now)`). No SKIP LOCKED: a row skipped here would be a gap in a sequence.
    """
    if not heads:
        return []
    now = timezone.now()
    after = {key(head): position(head) for head in heads}
    runs: dict = {sequence: [] for sequence in after}
    ended = set()
    with transaction.atomic():
        for row in following:
            sequence = key(row)
            if sequence not in after or position(row) <= after[sequence] or sequence in ended:
                continue
            if can_go(row, now):
                runs[sequence].append(row)
            else:
                ended.add(sequence)
        leased = [row.pk for run in runs.values() for row in run]
        type(heads[0]).objects.filter(pk__in=leased).update(claimed_until=lease.until)
    for run in runs.values():
        for row in run:
            row.claimed_until = lease.until
    return [runs[key(head)] for head in heads]


def work_in_waves(runs: list[list], lease: Lease, stop_at: float | None, send_wave) -> int:
    """Send leased runs in waves, each the next row of every run whose previous row went; give
    back what is left; return how many rows were tried.

    `send_wave(rows)` records their outcomes and returns the pks of those that went; a row that
    did not go holds back the rest of its run (order within a sequence).
    """
    queues = [deque(run) for run in runs if run]
    tried = 0
    try:
        while queues and lease.allows_another_item(stop_at):
            wave = [queue.popleft() for queue in queues]
            went = send_wave(wave)
            tried += len(wave)
            outcomes = [(queue, row.pk in went) for queue, row in zip(queues, wave, strict=True)]
            give_back([row for queue, ok in outcomes if not ok for row in queue])
            queues = [queue for queue, ok in outcomes if ok and queue]
    finally:  # out of lease or budget, or stopped by a time limit: the rest is not ours to hold
        give_back([row for queue in queues for row in queue])
    return tried


def claimable(field_name: str, now: datetime) -> Q:
    """Rows nobody holds: never leased, or their lease expired."""
    return Q(**{f"{field_name}__isnull": True}) | Q(**{f"{field_name}__lte": now})


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: half the step fixed, half random."""
    step = min(
        settings.OUTBOX_BACKOFF_MAX_SECONDS,
        settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1),
    )
    return timedelta(seconds=step / 2 + random.uniform(0, step / 2))  # noqa: S311


def scheduled_delay(attempts: int, schedule: list[int]) -> timedelta | None:
    """Delay before attempt `attempts + 1` on a schedule (±10 %), or None once it is exhausted."""
    if attempts > len(schedule):
        return None
    return timedelta(seconds=schedule[attempts - 1] * random.uniform(0.9, 1.1))  # noqa: S311


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def repeat_batches(step: Callable[[float], int], *, time_budget_seconds: float) -> int:
    """Run `step(stop_at)` until it finds nothing or the budget is spent; return the total.

    Claims take only the items that can go now (one per aggregate), so a short batch does
    not mean the backlog is empty: only an empty one does.
    """
    stop_at = time.monotonic() + time_budget_seconds
    handled = 0
    while time.monotonic() < stop_at:
        batch = step(stop_at)
        handled += batch
        if not batch:
            break
    return handled
