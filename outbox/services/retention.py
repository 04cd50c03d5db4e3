"""Retention: history past its period is deleted in small batches (docs/adr/0016).

Each batch is its own short autocommit DELETE of at most RETENTION_BATCH_SIZE rows found
through an index, so a purge never holds many locks or a long transaction. Nothing still
needed is purged: messages that are unpublished or still have deliveries, pending deliveries,
receipts of messages that may be published again, notifications with an e-mail to send.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from outbox.models import (
    ConsumerReceipt,
    Delivery,
    IdempotencyRecord,
    Notification,
    OutboxMessage,
)

RETENTION_SECONDS = 30  # one beat tick's budget; the next tick carries on


def _days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def purgeable_deliveries() -> QuerySet:
    cutoff = _days_ago(settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    return Delivery.objects.exclude(state=Delivery.State.PENDING).filter(created_at__lt=cutoff)


def purgeable_messages() -> QuerySet:
    """Published messages past the period whose deliveries are gone; the feed loses them."""
    cutoff = _days_ago(settings.OUTBOX_RETENTION_DAYS)
    return OutboxMessage.objects.filter(
        state=OutboxMessage.State.PUBLISHED, published_at__lt=cutoff
    ).exclude(Exists(Delivery.objects.filter(message_id=OuterRef("pk"))))


def purgeable_receipts() -> QuerySet:
    cutoff = _days_ago(settings.CONSUMER_RECEIPT_RETENTION_DAYS)
    unpublished = OutboxMessage.objects.filter(event_id=OuterRef("event_id")).exclude(
        state=OutboxMessage.State.PUBLISHED
    )
    return ConsumerReceipt.objects.filter(processed_at__lt=cutoff).exclude(Exists(unpublished))


def purgeable_notifications() -> QuerySet:
    cutoff = _days_ago(settings.NOTIFICATION_RETENTION_DAYS)
    return Notification.objects.filter(read_at__lt=cutoff).exclude(
        email_state=Notification.EmailState.PENDING
    )


def purgeable_idempotency_records() -> QuerySet:
    """Records past their expiry: a retry with their key now runs as a new request."""
    return IdempotencyRecord.objects.filter(expires_at__lte=timezone.now())


def purge(queryset: QuerySet, *, stop_at: float) -> int:
    """Delete the queryset's rows batch by batch, each batch committed on its own."""
    batch_size, deleted = settings.RETENTION_BATCH_SIZE, 0
    while time.monotonic() < stop_at:
        ids = list(queryset.values_list("pk", flat=True)[:batch_size])
        if ids:
            deleted += (
                queryset.model.objects.filter(pk__in=ids)
                .delete()[1]
                .get(queryset.model._meta.label, 0)
            )
        if len(ids) < batch_size:
            break
    return deleted


def purge_history(*, time_budget_seconds: float = RETENTION_SECONDS) -> int:
    """Purge every kind of history past its period; return how many rows went."""
    stop_at = time.monotonic() + time_budget_seconds
    # Deliveries before messages: a message goes only once its deliveries have.
    kinds = [
        purgeable_deliveries,
        purgeable_messages,
        purgeable_receipts,
        purgeable_notifications,
        purgeable_idempotency_records,
    ]
    return sum(purge(kind(), stop_at=stop_at) for kind in kinds)
