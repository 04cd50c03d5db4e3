from django.db import models
from django.db.models import Q
from django.utils import timezone

from config import secrets_at_rest


class WebhookEndpoint(models.Model):
    """An organization's HTTPS receiver of events, signed per Standard Webhooks."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # The signing secret, sealed with the keys in settings; read it as `secret`.
    secret_sealed = models.TextField()
    # Event types to send ("ticket.opened", or "ticket.*"); empty means every event.
    event_types = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="webhook_version")]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        """The signing secret in the clear, shown to the organization once, on creation."""
        return secrets_at_rest.unseal(self.secret_sealed)

    @secret.setter
    def secret(self, plaintext: str) -> None:
        self.secret_sealed = secrets_at_rest.seal(plaintext)

    def wants(self, event_type: str) -> bool:
        """Say whether this endpoint subscribes to the event type."""
        if not self.event_types:
            return True
        return any(
            pattern == event_type
            or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
            for pattern in self.event_types
        )


class Delivery(models.Model):
    """One message to one endpoint, retried on its own schedule."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Dead"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey("outbox.OutboxMessage", on_delete=models.CASCADE, related_name="+")
    # The message's aggregate, copied so the claim keeps each aggregate's order per endpoint.
    aggregate_type = models.CharField(max_length=50, blank=True, default="")
    aggregate_id = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A sender's lease: until then no other sender claims the delivery (docs/adr/0010).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message"], name="delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="delivery_pending_due",
            ),
            models.Index(
                fields=["endpoint", "aggregate_type", "aggregate_id", "message"],
                condition=Q(state="pending"),
                name="delivery_pending_by_agg",
            ),
            models.Index(fields=["id"], condition=Q(state="dead"), name="delivery_dead"),
            models.Index(
                fields=["created_at"], condition=~Q(state="pending"), name="delivery_finished"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id} ({self.state})"
