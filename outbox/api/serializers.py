from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.event_schemas import event_union
from config.api.text import TextField
from outbox.models import Delivery, Notification, WebhookEndpoint

EVENT_TYPE_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$"


class EventTypeField(serializers.RegexField):
    def __init__(self, **kwargs) -> None:
        super().__init__(EVENT_TYPE_PATTERN, max_length=100, **kwargs)


class WebhookOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookCreatedOut(WebhookOut):
    secret = serializers.CharField(
        read_only=True, help_text="Signing secret (`whsec_…`). Shown only in this response."
    )

    class Meta(WebhookOut.Meta):
        fields = [*WebhookOut.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateIn(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    description = TextField(max_length=200, required=False, default="", allow_blank=True)
    event_types = serializers.ListField(
        child=EventTypeField(),
        required=False,
        default=list,
        max_length=50,
        help_text='Event types to receive ("ticket.opened", "ticket.*"); empty for all.',
    )
    is_active = serializers.BooleanField(required=False, default=True)


class WebhookUpdateIn(WebhookCreateIn):
    url = serializers.URLField(max_length=2000, required=False)
    description = TextField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(child=EventTypeField(), required=False, max_length=50)
    is_active = serializers.BooleanField(required=False)


class DeliveryOut(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="message.event_id", read_only=True)
    event_type = serializers.CharField(source="message.event_type", read_only=True)
    webhook_id = serializers.IntegerField(source="endpoint_id", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "last_duration_ms",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


class PingOut(serializers.Serializer):
    event_id = serializers.UUIDField()


class EventOut(serializers.Serializer):
    """One event: the envelope webhooks and the broker carry, plus its feed position."""

    position = serializers.IntegerField(source="feed_position")
    id = serializers.UUIDField(source="event_id")
    type = serializers.CharField(source="event_type")
    occurred_at = serializers.DateTimeField()
    aggregate = serializers.SerializerMethodField()
    data = serializers.JSONField(source="payload")

    def get_aggregate(self, message) -> dict:
        return {"type": message.aggregate_type, "id": message.aggregate_id}


class EventPageOut(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The page after this one; poll it.")
    results = serializers.SerializerMethodField(help_text="Oldest first.")

    # Rendered by EventOut; published as the typed union of every event (docs/adr/0029).
    @extend_schema_field(event_union(many=True))
    def get_results(self, page) -> list:
        return EventOut(page["results"], many=True).data


class NotificationOut(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event_id", "event_type", "title", "body", "created_at", "read_at"]
        read_only_fields = fields


class MarkedReadOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")
