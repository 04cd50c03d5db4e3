from django.db.models import QuerySet
from django.utils import timezone

from config.transactions import use_case
from outbox.models import Delivery, Notification, OutboxMessage


@use_case
def redrive_messages(messages: QuerySet) -> int:
    """Put dead messages back to pending with fresh attempts; publishers that took them skip."""
    return messages.filter(state=OutboxMessage.State.DEAD).update(
        state=OutboxMessage.State.PENDING,
        attempts=0,
        available_at=timezone.now(),
        claimed_until=None,
    )


@use_case
def redrive_deliveries(queryset: QuerySet) -> int:
    """Put dead deliveries to live endpoints back to pending; deleted endpoints get nothing."""
    return queryset.filter(
        state=Delivery.State.DEAD, endpoint__is_active=True, endpoint__deleted_at__isnull=True
    ).update(state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now())


@use_case
def redrive_emails(queryset: QuerySet) -> int:
    """Put dead notification e-mails back to pending with fresh attempts."""
    return queryset.filter(email_state=Notification.EmailState.DEAD).update(
        email_state=Notification.EmailState.PENDING,
        email_attempts=0,
        email_next_attempt_at=timezone.now(),
        email_claimed_until=None,
    )
