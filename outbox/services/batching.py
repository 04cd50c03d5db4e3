"""How the background senders work through their rows: leases, batches and backoff.

A sender claims rows by setting their lease (`claimed_until`) in a short committed transaction,
does its network work with no transaction open, then records each outcome in another short
transaction, guarded by the lease it took. A sender that dies leaves its leases to expire;
the rows are then claimed again (at least once).
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
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
    held = {lease_field: getattr(row, lease_field)}
    values = {name: getattr(row, name) for name in fields}
    return bool(type(row).objects.filter(pk=row.pk, **held).update(**values, **{lease_field: None}))


def give_back(rows: list, lease_field: str = "claimed_until") -> None:
    """End the leases of rows this sender will not work on after all (unless taken over)."""
    for row in rows:
        record_outcome(row, [], lease_field)


def work_through(run: list, lease: Lease, stop_at: float | None, send) -> int:
    """Send a leased run in order, stopping at the first failure; return how many were tried.

    `send(row)` says whether the row went; what is left of the run is given back, so the
    rest of its aggregate waits behind the failure.
    """
    for position, row in enumerate(run):
        if not lease.allows_another_item(stop_at):
            give_back(run[position:])
            return position
        if not send(row):
            give_back(run[position + 1 :])
            return position + 1
    return len(run)


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
