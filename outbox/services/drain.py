"""The relay: claim committed messages with a lease, hand them to every publisher, record.

The claim is one bounded query that takes only each aggregate's head — a due, pending message
with no earlier unpublished (pending, leased, backing off or dead) message of its aggregate —
and leases it with `FOR UPDATE SKIP LOCKED`, so parallel drainers never take the same message.
Events of one aggregate are therefore published in order, and any number of messages held
back behind a dead one never keep other aggregates waiting (docs/adr/0007, 0008).

Messages are published in waves, at most one per aggregate, each wave handed to every publisher
as a batch and its outcomes recorded in one round trip. Publishing runs with no transaction open
(a broker publish is network I/O); publishers that write to this database run in short
transactions of their own.
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from outbox import metrics
from outbox.models import OutboxMessage
from outbox.publishers import NotTried, Publisher, configured_publishers
from outbox.services.batching import (
    Lease,
    describe,
    lease_runs,
    record_outcomes,
    repeat_batches,
    retry_delay,
    work_in_waves,
)
from outbox.services.feed import sequence_feed
from outbox.services.locking import skip_locked_clause

logger = logging.getLogger(__name__)

# The NOT EXISTS runs before the LIMIT, on the partial index of unpublished messages per
# aggregate; the scan walks the partial index of pending messages in due order.
CLAIM_SQL = """
UPDATE outbox_outboxmessage SET claimed_until = %(until)s
WHERE id IN (
  SELECT m.id FROM outbox_outboxmessage m
  WHERE m.state = 'pending' AND m.available_at <= %(now)s
    AND (m.claimed_until IS NULL OR m.claimed_until <= %(now)s)
    AND NOT EXISTS (
      SELECT 1 FROM outbox_outboxmessage earlier
      WHERE earlier.state <> 'published'
        AND earlier.aggregate_type = m.aggregate_type
        AND earlier.aggregate_id = m.aggregate_id
        AND earlier.id < m.id)
  ORDER BY m.available_at, m.id
  LIMIT %(limit)s
  {lock}
)
RETURNING id
"""

OUTCOME_FIELDS = [
    "state",
    "attempts",
    "available_at",
    "last_error",
    "published_at",
    "completed_publishers",
]


def claim_batch(limit: int, lease: Lease) -> list[OutboxMessage]:
    """Lease up to `limit` aggregate heads that are due, skipping rows others are claiming."""
    with transaction.atomic(), connection.cursor() as cursor:
        sql = CLAIM_SQL.format(lock=skip_locked_clause())
        # Adapted as the ORM stores them, so the lease compares equal when the outcome is recorded.
        now, until = (
            connection.ops.adapt_datetimefield_value(t) for t in (timezone.now(), lease.until)
        )
        cursor.execute(sql, {"now": now, "until": until, "limit": limit})
        ids = [row[0] for row in cursor.fetchall()]
    return list(OutboxMessage.objects.filter(id__in=ids).order_by("available_at", "id"))


def claim_runs_after(heads: list[OutboxMessage], lease: Lease, most: int) -> list[list]:
    """Lease what follows each head in its aggregate and can go now, in order; a list per head."""
    following = (
        OutboxMessage.objects.select_for_update(of=("self",))
        .filter(
            aggregate_type__in={head.aggregate_type for head in heads},
            aggregate_id__in={head.aggregate_id for head in heads},
            id__gt=min((head.id for head in heads), default=0),
        )
        .exclude(state=OutboxMessage.State.PUBLISHED)
        .order_by("id")[:most]
    )
    return lease_runs(
        heads,
        following,
        key=lambda m: (m.aggregate_type, m.aggregate_id),
        position=lambda m: m.id,
        can_go=_can_go,
        lease=lease,
    )


def _can_go(message: OutboxMessage, now) -> bool:
    unleased = message.claimed_until is None or message.claimed_until <= now
    return message.state == OutboxMessage.State.PENDING and message.available_at <= now and unleased


def publish_wave(
    wave: list[OutboxMessage], publishers: tuple[Publisher, ...], keep_going=lambda: True
) -> set[int]:
    """Offer leased messages (one per aggregate) to the publishers that have not taken them
    while `keep_going()`, then record every outcome; return the ids every publisher took.

    A message that failed somewhere counts an attempt and backs off; one that every publisher
    took is published; one that some publisher did not get to (the batch had to stop, or a time
    limit struck) keeps what the others took and counts no attempt. All are recorded even when
    a time limit stops the wave.
    """
    names = {publisher.name for publisher in publishers}
    failures: dict[int, list[str]] = {message.id: [] for message in wave}
    try:
        for publisher in publishers:
            offered = [m for m in wave if publisher.name not in m.completed_publishers]
            if not offered:
                continue
            refused = publisher.publish_many(offered, keep_going)
            failed = 0
            for message in offered:
                error = refused.get(message.id)
                if error is None:
                    message.completed_publishers.append(publisher.name)
                elif not isinstance(error, NotTried):
                    failures[message.id].append(f"{publisher.name}: {describe(error)}")
                    failed += 1
            metrics.PUBLISHED.labels(publisher=publisher.name).inc(len(offered) - len(refused))
            if failed:
                metrics.PUBLISH_FAILURES.labels(publisher=publisher.name).inc(failed)
    finally:
        settled = [m for m in wave if failures[m.id] or names <= set(m.completed_publishers)]
        now = timezone.now()
        for message in settled:
            _settle(message, failures[message.id], now)
        held = record_outcomes(settled, OUTCOME_FIELDS)
        record_outcomes([m for m in wave if m not in settled], ["completed_publishers"])
        if held < len(settled):
            logger.warning(
                "Leases on %s outbox messages expired before their outcome", len(settled) - held
            )
    return {message.id for message in settled if not failures[message.id]}


def publish_message(message: OutboxMessage, publishers: tuple[Publisher, ...]) -> bool:
    """Publish one leased message as a wave of its own; return whether every publisher took it."""
    return bool(publish_wave([message], publishers))


def _settle(message: OutboxMessage, failures: list[str], now) -> None:
    message.attempts += 1
    if not failures:
        message.state, message.published_at, message.last_error = "published", now, ""
    elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.state, message.last_error = "dead", "\n".join(failures)
        logger.error("Outbox message %s is dead: %s", message.event_id, message.last_error)
    else:
        message.available_at = now + retry_delay(message.attempts)
        message.last_error = "\n".join(failures)


def drain_batch(limit: int | None = None, stop_at: float | None = None) -> int:
    """Claim a batch of heads with the runs behind them and publish them in waves (one message
    per aggregate each); return how many messages were tried.

    A wave is published and recorded as a whole (a statement or two per publisher, one round
    trip for the outcomes): that is where a batch saves its per-message round trips.
    """
    publishers = configured_publishers()
    lease = Lease.take()
    limit = limit or settings.OUTBOX_BATCH_SIZE
    heads = claim_batch(limit, lease)
    runs = claim_runs_after(heads, lease, limit)
    return work_in_waves(
        [[head, *run] for head, run in zip(heads, runs, strict=True)],
        lease,
        stop_at,
        lambda wave: publish_wave(wave, publishers, lambda: lease.allows_another_item(stop_at)),
    )


def drain(*, time_budget_seconds: float | None = None) -> int:
    """Drain batches until no message can be published now or the time budget is spent."""
    budget = time_budget_seconds or settings.OUTBOX_DRAIN_SECONDS
    handled = repeat_batches(
        lambda stop_at: drain_batch(stop_at=stop_at), time_budget_seconds=budget
    )
    if handled:
        sequence_feed()
    return handled
