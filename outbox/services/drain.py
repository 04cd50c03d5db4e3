"""The relay: claim committed messages, hand them to every publisher, mark or back off.

Claiming uses `FOR UPDATE SKIP LOCKED`, so several drainers work in parallel without taking
the same message. Only each aggregate's oldest pending message can be claimed, so events of
one aggregate are published in order even while an earlier one is failing or held by another
drainer (docs/adr/0008-ordering-per-aggregate.md).
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from outbox import metrics
from outbox.models import OutboxMessage
from outbox.publishers import Publisher, configured_publishers
from outbox.services.batching import repeat_batches
from outbox.services.feed import sequence_feed
from outbox.services.locking import skip_locked_clause

logger = logging.getLogger(__name__)

# Lock due messages in id order, skipping other drainers' rows; keep those whose earlier
# unpublished (pending or dead) messages of the same aggregate are all in this batch.
CLAIM_SQL = """
WITH locked AS (
  SELECT m.id, m.aggregate_type, m.aggregate_id
  FROM outbox_outboxmessage m
  WHERE m.state = 'pending' AND m.available_at <= %(now)s
  ORDER BY m.id
  LIMIT %(limit)s
  {lock}
)
SELECT l.id FROM locked l
WHERE NOT EXISTS (
  SELECT 1 FROM outbox_outboxmessage earlier
  WHERE earlier.state <> 'published'
    AND earlier.aggregate_type = l.aggregate_type
    AND earlier.aggregate_id = l.aggregate_id
    AND earlier.id < l.id
    AND earlier.id NOT IN (SELECT id FROM locked))
ORDER BY l.id
"""


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: half the step fixed, half random."""
    step = min(
        settings.OUTBOX_BACKOFF_MAX_SECONDS,
        settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1),
    )
    return timedelta(seconds=step / 2 + random.uniform(0, step / 2))  # noqa: S311


def claim_batch(limit: int) -> list[OutboxMessage]:
    """Lock up to `limit` publishable messages for this transaction (skipping others' locks)."""
    with connection.cursor() as cursor:
        sql = CLAIM_SQL.format(lock=skip_locked_clause())
        cursor.execute(sql, {"now": timezone.now(), "limit": limit})
        ids = [row[0] for row in cursor.fetchall()]
    return list(OutboxMessage.objects.filter(id__in=ids).order_by("id"))


def publish_message(message: OutboxMessage, publishers: tuple[Publisher, ...]) -> bool:
    """Offer the message to the publishers that have not taken it; return whether all did."""
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
    message.save(update_fields=OUTCOME_FIELDS)
    return not failures


OUTCOME_FIELDS = [
    "state",
    "attempts",
    "available_at",
    "last_error",
    "completed_publishers",
    "published_at",
]


def _offer(message: OutboxMessage, publishers: tuple[Publisher, ...]) -> list[str]:
    failures = []
    for publisher in publishers:
        if publisher.name in message.completed_publishers:
            continue
        try:
            with transaction.atomic():  # a failing publisher's own writes roll back alone
                publisher.publish(message)
        except Exception as exc:  # any publisher error means "retry later", never "crash the relay"
            failures.append(f"{publisher.name}: {type(exc).__name__}: {exc}")
            metrics.PUBLISH_FAILURES.labels(publisher=publisher.name).inc()
        else:
            message.completed_publishers.append(publisher.name)
            metrics.PUBLISHED.labels(publisher=publisher.name).inc()
    return failures


def drain_batch(limit: int | None = None) -> int:
    """Publish one batch in one transaction; return how many messages it handled."""
    publishers = configured_publishers()
    with transaction.atomic():
        messages = claim_batch(limit or settings.OUTBOX_BATCH_SIZE)
        held_back = set()
        for message in messages:
            aggregate = (message.aggregate_type, message.aggregate_id)
            if aggregate in held_back:
                continue  # an earlier event of this aggregate just failed; keep the order
            if not publish_message(message, publishers):
                held_back.add(aggregate)
    return len(messages)


def drain(*, time_budget_seconds: float | None = None) -> int:
    """Drain batches until the outbox is empty or the time budget is spent."""
    handled = repeat_batches(
        drain_batch,
        batch_size=settings.OUTBOX_BATCH_SIZE,
        time_budget_seconds=time_budget_seconds or settings.OUTBOX_DRAIN_SECONDS,
    )
    if handled:
        sequence_feed()
    return handled
