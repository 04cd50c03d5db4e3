"""In-process consumers: handlers per event type, each applied once per event via a receipt."""

from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, transaction

from outbox.models import ConsumerReceipt, OutboxMessage
from outbox.publishers import Publisher

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, list[tuple[str, Handler]]] = defaultdict(list)


def consumer(name: str, *event_types: str):
    """Register a handler for event types; `name` identifies its receipts, so keep it stable."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            _HANDLERS[event_type].append((name, handler))
        return handler

    return register


def apply_once(name: str, handler: Handler, message: OutboxMessage) -> bool:
    """Run the handler unless its receipt exists; receipt and effect commit together."""
    try:
        with transaction.atomic():
            ConsumerReceipt.objects.create(consumer=name, event_id=message.event_id)
            handler(message)
    except IntegrityError:
        if ConsumerReceipt.objects.filter(consumer=name, event_id=message.event_id).exists():
            return False  # already applied: a redelivery
        raise
    return True


class InProcessConsumers(Publisher):
    name = "consumers"
    writes_to_database = True

    def publish(self, message: OutboxMessage) -> None:
        for name, handler in self._handlers(message):
            apply_once(name, handler, message)

    def publish_many(self, messages: list[OutboxMessage], keep_going=lambda: True) -> dict:
        # Most events have no in-process handler: they need no transaction at all.
        return super().publish_many([m for m in messages if self._handlers(m)], keep_going)

    @staticmethod
    def _handlers(message: OutboxMessage) -> list[tuple[str, Handler]]:
        if message.target:
            return []  # targeted messages (webhook pings) are for one webhook only
        return _HANDLERS.get(message.event_type, [])
