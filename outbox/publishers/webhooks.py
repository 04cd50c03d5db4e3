from django.db import transaction

from outbox.models import Delivery, OutboxMessage, WebhookEndpoint
from outbox.publishers import Publisher
from outbox.services.deliveries import nudge_delivery


class WebhookFanout(Publisher):
    """Queue one Delivery per subscribed endpoint; deliveries are sent and retried on their own."""

    name = "webhooks"
    writes_to_database = True

    def publish(self, message: OutboxMessage) -> None:
        endpoints = WebhookEndpoint.objects.filter(
            organization_id=message.organization_id, is_active=True, deleted_at__isnull=True
        )
        target = message.target or {}
        if "webhook_endpoint_id" in target:
            endpoints = endpoints.filter(pk=target["webhook_endpoint_id"])
        elif target:
            return
        deliveries = [
            Delivery(
                endpoint=endpoint,
                message=message,
                aggregate_type=message.aggregate_type,
                aggregate_id=message.aggregate_id,
            )
            for endpoint in endpoints
            if "webhook_endpoint_id" in target or endpoint.wants(message.event_type)
        ]
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            transaction.on_commit(nudge_delivery)
