from django.contrib import admin, messages

from outbox.models import Delivery, Notification, OutboxMessage, WebhookEndpoint
from outbox.services import deliveries
from outbox.services.redrive import redrive_messages


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services; operators inspect and use the actions."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "state",
        "attempts",
        "occurred_at",
        "published_at",
    ]
    list_filter = ["state", "event_type"]
    search_fields = ["event_id", "aggregate_id"]
    actions = ["redrive"]

    @admin.action(description="Send dead messages again")
    def redrive(self, request, queryset) -> None:
        count = redrive_messages(queryset.filter(state=OutboxMessage.State.DEAD))
        self.message_user(request, f"{count} message(s) queued again.", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "organization", "is_active", "event_types", "created_at", "deleted_at"]
    list_filter = ["is_active", "organization"]
    exclude = ["secret"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "endpoint",
        "message",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["state"]
    actions = ["redeliver"]

    @admin.action(description="Deliver again")
    def redeliver(self, request, queryset) -> None:
        for delivery in queryset:
            deliveries.redeliver(delivery)
        self.message_user(
            request, f"{queryset.count()} delivery(ies) queued again.", messages.SUCCESS
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "event_type", "created_at", "read_at", "emailed_at"]
    list_filter = ["event_type"]
