from collections import defaultdict

from django.db import transaction

from outbox.models import Delivery, OutboxMessage, WebhookEndpoint
from outbox.publishers import Publisher
from outbox.services.batching import STOP_NOW
from outbox.services.deliveries import nudge_delivery


class WebhookFanout(Publisher):
    """Queue one Delivery per subscribed endpoint; deliveries are sent and retried on their own."""

    name = "webhooks"
    writes_to_database = True

    def publish(self, message: OutboxMessage) -> None:
        self._queue(self._deliveries([message]))

    def publish_many(self, messages: list[OutboxMessage], keep_going=lambda: True) -> dict:
        """Queue the deliveries of a whole batch in one transaction: two statements, not two
        per message; if that fails, one by one, so a message that cannot go fails alone."""
        try:
            with transaction.atomic():
                self._queue(self._deliveries(messages))
        except STOP_NOW:
            raise
        except Exception:
            return super().publish_many(messages, keep_going)
        return {}

    def _deliveries(self, messages: list[OutboxMessage]) -> list[Delivery]:
        endpoints = defaultdict(list)
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id__in={message.organization_id for message in messages},
            is_active=True,
            deleted_at__isnull=True,
        ):
            endpoints[endpoint.organization_id].append(endpoint)
        return [
            Delivery(
                endpoint=endpoint,
                message=message,
                aggregate_type=message.aggregate_type,
                aggregate_id=message.aggregate_id,
            )
            for message in messages
            for endpoint in self._receivers(message, endpoints[message.organization_id])
        ]

    @staticmethod
    def _receivers(message: OutboxMessage, endpoints: list[WebhookEndpoint]):
        target = message.target or {}
        if "webhook_endpoint_id" in target:  # a ping goes to its endpoint, whatever it wants
            return [e for e in endpoints if e.pk == target["webhook_endpoint_id"]]
        if target:
            return []
        return [e for e in endpoints if e.wants(message.event_type)]

    @staticmethod
    def _queue(deliveries: list[Delivery]) -> None:
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            transaction.on_commit(nudge_delivery)
