import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """An event written in the transaction that caused it, waiting to be published."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PUBLISHED = "published", "Published"
        DEAD = "dead", "Dead"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    event_type = models.CharField(max_length=100)
    aggregate_type = models.CharField(max_length=50)
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField()
    headers = models.JSONField(default=dict, blank=True)
    # Narrows delivery to one destination (`{"webhook_endpoint_id": 7}` for a ping).
    target = models.JSONField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Publishers that already took this message, so a retry only repeats the ones that failed.
    completed_publishers = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # A drainer's lease: until then no other drainer claims the message (docs/adr/0007).
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Position in the organization's event feed; assigned after commit, in commit order.
    feed_position = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                condition=Q(state="pending"),
                name="outbox_pending_due",
            ),
            models.Index(
                fields=["aggregate_type", "aggregate_id", "id"],
                condition=~Q(state="published"),
                name="outbox_unpublished_by_agg",
            ),
            models.Index(
                fields=["id"], condition=Q(feed_position__isnull=True), name="outbox_unsequenced"
            ),
            models.Index(fields=["organization", "feed_position"], name="outbox_feed"),
            # Few rows each: they keep /metrics and retention off full-table scans.
            models.Index(fields=["id"], condition=Q(state="dead"), name="outbox_dead"),
            models.Index(
                fields=["published_at"], condition=Q(state="published"), name="outbox_published"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "published", "dead"]), name="outbox_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="outbox_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

    def envelope(self) -> dict:
        """The event as every consumer sees it: webhooks, broker and the event feed."""
        return {
            "id": str(self.event_id),
            "type": self.event_type,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "aggregate": {"type": self.aggregate_type, "id": self.aggregate_id},
            "data": self.payload,
        }


class ConsumerReceipt(models.Model):
    """Proof that a consumer applied an event; written with the consumer's effect."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="receipt_once")
        ]
        indexes = [models.Index(fields=["processed_at"], name="receipt_processed_at")]

    def __str__(self) -> str:
        return f"{self.consumer} ← {self.event_id}"
