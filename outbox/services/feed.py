"""The event feed: committed events numbered in the order they became visible.

Ids are taken at insert and commit out of order, so a reader paging by id could skip a row
that commits late. Instead a single sequencer at a time (an advisory lock) numbers committed,
unnumbered messages; positions therefore only ever grow behind a reader's cursor.

The feed reaches back OUTBOX_RETENTION_DAYS (30 by default): older published events are purged
(docs/adr/0016-retention.md). A reader away for longer resumes from the oldest event still kept.
"""

from django.db import connection, transaction
from django.db.models import QuerySet

from outbox.models import OutboxMessage
from outbox.services.locking import skip_locked_clause

FEED_LOCK_ID = 0x5F0E_F00D

SEQUENCE_SQL = """
WITH base AS (SELECT coalesce(max(feed_position), 0) AS last FROM outbox_outboxmessage),
locked AS (
  SELECT m.id, m.aggregate_type, m.aggregate_id
  FROM outbox_outboxmessage m
  WHERE m.feed_position IS NULL AND m.target IS NULL
  ORDER BY m.id
  LIMIT %(limit)s
  {lock}
),
eligible AS (
  SELECT l.id FROM locked l
  WHERE NOT EXISTS (
    SELECT 1 FROM outbox_outboxmessage earlier
    WHERE earlier.feed_position IS NULL AND earlier.target IS NULL
      AND earlier.aggregate_type = l.aggregate_type
      AND earlier.aggregate_id = l.aggregate_id
      AND earlier.id < l.id
      AND earlier.id NOT IN (SELECT id FROM locked))
),
batch AS (SELECT id, row_number() OVER (ORDER BY id) AS offset_in_batch FROM eligible)
UPDATE outbox_outboxmessage AS m
SET feed_position = base.last + batch.offset_in_batch
FROM batch, base
WHERE m.id = batch.id
"""


def sequence_feed(limit: int = 1000) -> int:
    """Number the committed events not yet in the feed; return how many were numbered."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_ID])
        cursor.execute(SEQUENCE_SQL.format(lock=skip_locked_clause()), {"limit": limit})
        return cursor.rowcount


def list_events_for(
    organization_id: int, *, after: int = 0, event_type: str | None = None
) -> QuerySet:
    events = OutboxMessage.objects.filter(
        organization_id=organization_id, feed_position__gt=after
    ).order_by("feed_position")
    if event_type:
        events = events.filter(event_type=event_type)
    return events
