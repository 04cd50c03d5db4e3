"""The published `data` of the events the outbox emits itself (docs/adr/0029)."""

from rest_framework import serializers

from config.api.event_schemas import EventSchema
from outbox import events


class WebhookPingData(serializers.Serializer):
    webhook_endpoint_id = serializers.IntegerField()
    url = serializers.URLField()


EVENT_SCHEMAS = (
    EventSchema(
        events.WEBHOOK_PING,
        WebhookPingData,
        "A test event, sent to one endpoint when you ask for it (`POST /webhooks/{id}/ping`).",
    ),
)
