from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """Something a user should know about, made from one event, and the e-mail that tells them."""

    class EmailState(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DEAD = "dead", "Dead"
        # The recipient left the organization or was deactivated before it was sent.
        SKIPPED = "skipped", "Skipped"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    # The event's aggregate: a recipient's e-mails about one aggregate go out in order.
    aggregate_type = models.CharField(max_length=50, blank=True, default="")
    aggregate_id = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(default=timezone.now)
    # A sender's lease: until then no other sender claims the e-mail (docs/adr/0010).
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    email_last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_id"], name="notification_once")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["email_next_attempt_at", "id"],
                condition=Q(email_state="pending"),
                name="notification_email_due",
            ),
            models.Index(
                fields=["recipient", "aggregate_type", "aggregate_id", "id"],
                condition=Q(email_state="pending"),
                name="notification_email_by_agg",
            ),
            models.Index(
                fields=["id"], condition=Q(email_state="dead"), name="notification_email_dead"
            ),
            models.Index(
                fields=["read_at"], condition=Q(read_at__isnull=False), name="notification_read"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"
