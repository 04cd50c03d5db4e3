from django.db.models import QuerySet
from django.utils import timezone

from config.transactions import use_case
from outbox.models import Delivery, OutboxMessage


@use_case
def redrive_messages(messages: QuerySet) -> int:
    """Put dead messages back to pending with fresh attempts; publishers that took them skip."""
    return messages.filter(state=OutboxMessage.State.DEAD).update(
        state=OutboxMessage.State.PENDING, attempts=0, available_at=timezone.now()
    )


@use_case
def redrive_deliveries(queryset: QuerySet) -> int:
    return queryset.filter(state=Delivery.State.DEAD).update(
        state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
