import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.transactions import use_case
from outbox.models import Notification

logger = logging.getLogger(__name__)


def list_notifications_for(
    user_id: int, organization_id: int, *, unread: bool | None = None
) -> QuerySet:
    notifications = Notification.objects.filter(
        recipient_id=user_id, organization_id=organization_id
    )
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications


@use_case
def mark_read(*, notification: Notification) -> Notification:
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


@use_case
def mark_all_read(*, user_id: int, organization_id: int) -> int:
    return list_notifications_for(user_id, organization_id, unread=True).update(
        read_at=timezone.now()
    )


def message_id(notification: Notification) -> str:
    """The same notification always gets the same Message-ID, so a resent mail is a duplicate."""
    return f"<{notification.event_id}.{notification.recipient_id}@serviceflow>"


def send_pending_emails(limit: int = 100) -> int:
    """E-mail notifications not yet sent; the Message-ID lets mail clients drop a resend."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(emailed_at__isnull=True)
            .order_by("id")[:limit]
        )
        for notification in pending:
            EmailMessage(
                subject=notification.title,
                body=notification.body or notification.title,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.recipient.email],
                headers={"Message-ID": message_id(notification)},
            ).send()
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
    return len(pending)
