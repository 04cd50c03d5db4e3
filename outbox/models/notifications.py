from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """Something a user should know about, made from one event."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

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
                fields=["id"], condition=Q(emailed_at__isnull=True), name="notification_unmailed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"
