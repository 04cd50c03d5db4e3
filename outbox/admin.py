"""Messages, webhooks and notifications in the admin: read-only, scoped, no secret shown."""

from django.contrib import admin, messages

from config.admin import OrganizationScopedAdmin
from outbox.models import (
    Delivery,
    IdempotencyRecord,
    Notification,
    OutboxMessage,
    WebhookEndpoint,
)
from outbox.services import deliveries
from outbox.services.redrive import redrive_messages


class ReadOnlyAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    """Rows written only by services; operators inspect and use the actions."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    organization_path = "organization"
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
    organization_path = "organization"
    list_display = ["url", "organization", "is_active", "event_types", "created_at", "deleted_at"]
    list_filter = ["is_active", "organization"]
    # The signing secret, in the clear or sealed, was shown once to its organization.
    exclude = ["secret", "secret_sealed"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    organization_path = "endpoint__organization"
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
    list_select_related = ["endpoint", "message"]
    actions = ["redeliver"]

    @admin.action(description="Deliver again")
    def redeliver(self, request, queryset) -> None:
        queued, gone = 0, 0
        for delivery in queryset:
            try:
                deliveries.redeliver(delivery)
            except deliveries.EndpointGone:
                gone += 1
            else:
                queued += 1
        self.message_user(request, f"{queued} delivery(ies) queued again.", messages.SUCCESS)
        if gone:
            self.message_user(
                request,
                f"{gone} delivery(ies) not queued: their endpoint was deleted or disabled.",
                messages.WARNING,
            )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["title", "recipient", "event_type", "created_at", "read_at", "emailed_at"]
    list_filter = ["event_type"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    """Which writes were keyed and when they expire; never the key or the stored response."""

    organization_path = "organization"
    fields = [
        "organization",
        "principal",
        "method",
        "path",
        "response_status",
        "created_at",
        "expires_at",
    ]
    readonly_fields = fields
    list_display = ["id", "organization", "principal", "method", "path", "response_status"]
    list_filter = ["method", "response_status"]
