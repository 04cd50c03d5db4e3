"""The relay: claim committed messages with a lease, hand them to every publisher, record.

The claim is one bounded query that takes only each aggregate's head — a due, pending message
with no earlier unpublished (pending, leased, backing off or dead) message of its aggregate —
and leases it with `FOR UPDATE SKIP LOCKED`, so parallel drainers never take the same message.
Events of one aggregate are therefore published in order, and any number of messages held
back behind a dead one never keep other aggregates waiting (docs/adr/0007, 0008).

Publishing runs with no transaction open (a broker publish is network I/O); publishers that
write to this database run in their own short transaction each.
"""

import itertools
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from outbox import metrics
from outbox.models import OutboxMessage
from outbox.publishers import Publisher, configured_publishers
from outbox.services.batching import (
    STOP_NOW,
    Lease,
    describe,
    give_back,
    record_outcome,
    repeat_batches,
    retry_delay,
    work_through,
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

OUTCOME_FIELDS = ["state", "attempts", "available_at", "last_error", "published_at"]


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


def claim_run_after(message: OutboxMessage, lease: Lease, most: int) -> list[OutboxMessage]:
    """Lease the aggregate's next messages after a published one that can go now, in order."""
    now = timezone.now()
    with transaction.atomic():
        # No SKIP LOCKED: a row skipped here would be a gap in the aggregate's order.
        following = (
            OutboxMessage.objects.select_for_update(of=("self",))
            .filter(aggregate_type=message.aggregate_type, aggregate_id=message.aggregate_id)
            .filter(id__gt=message.id)
            .exclude(state=OutboxMessage.State.PUBLISHED)
            .order_by("id")[:most]
        )
        run = list(itertools.takewhile(lambda m: _can_go(m, now), following))
        OutboxMessage.objects.filter(id__in=[m.id for m in run]).update(claimed_until=lease.until)
    for member in run:
        member.claimed_until = lease.until
    return run


def _can_go(message: OutboxMessage, now) -> bool:
    unleased = message.claimed_until is None or message.claimed_until <= now
    return message.state == OutboxMessage.State.PENDING and message.available_at <= now and unleased


def publish_message(message: OutboxMessage, publishers: tuple[Publisher, ...]) -> bool:
    """Offer a leased message to the publishers that have not taken it, then record the outcome.

    Return whether every publisher took it.
    """
    failures = _offer(message, publishers)
    message.attempts += 1
    if not failures:
        message.state, message.published_at, message.last_error = "published", timezone.now(), ""
    elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.state, message.last_error = "dead", "\n".join(failures)
        logger.error("Outbox message %s is dead: %s", message.event_id, message.last_error)
    else:
        message.available_at = timezone.now() + retry_delay(message.attempts)
        message.last_error = "\n".join(failures)
    _record(message)
    return not failures


def _offer(message: OutboxMessage, publishers: tuple[Publisher, ...]) -> list[str]:
    failures = []
    for publisher in publishers:
        if publisher.name in message.completed_publishers:
            continue
        try:
            if publisher.writes_to_database:  # its writes commit, or roll back, alone
                with transaction.atomic():
                    publisher.publish(message)
            else:
                publisher.publish(message)
        except STOP_NOW:
            raise
        except Exception as exc:  # any publisher error means "retry later", never "crash the relay"
            failures.append(f"{publisher.name}: {describe(exc)}")
            metrics.PUBLISH_FAILURES.labels(publisher=publisher.name).inc()
        else:
            message.completed_publishers.append(publisher.name)
            metrics.PUBLISHED.labels(publisher=publisher.name).inc()
    return failures


def _record(message: OutboxMessage) -> None:
    """Store the outcome and end the lease, unless the lease expired and another drainer took it."""
    if not record_outcome(message, [*OUTCOME_FIELDS, "completed_publishers"]):
        logger.warning("Lease on outbox message %s expired before its outcome", message.event_id)


def drain_batch(limit: int | None = None, stop_at: float | None = None) -> int:
    """Claim a batch of heads, publish each with the run behind it; return how many were taken."""
    publishers = configured_publishers()
    lease = Lease.take()
    limit = limit or settings.OUTBOX_BATCH_SIZE
    messages = claim_batch(limit, lease)
    taken = len(messages)
    for position, message in enumerate(messages):
        if not lease.allows_another_item(stop_at):
            give_back(messages[position:])
            break
        taken += publish_run(message, publishers, lease, stop_at=stop_at, most=limit)
    return taken


def publish_run(
    head: OutboxMessage, publishers, lease: Lease, *, stop_at: float | None, most: int
) -> int:
    """Publish a head, then the run behind it while each goes; return how many of it were tried."""
    if not publish_message(head, publishers):
        return 0
    run = claim_run_after(head, lease, most)
    return work_through(run, lease, stop_at, lambda message: publish_message(message, publishers))


def drain(*, time_budget_seconds: float | None = None) -> int:
    """Drain batches until no message can be published now or the time budget is spent."""
    budget = time_budget_seconds or settings.OUTBOX_DRAIN_SECONDS
    handled = repeat_batches(
        lambda stop_at: drain_batch(stop_at=stop_at), time_budget_seconds=budget
    )
    if handled:
        sequence_feed()
    return handled
