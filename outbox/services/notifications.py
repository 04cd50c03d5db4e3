"""Notifications: read by their recipients, and e-mailed to them by a background sender.

The sender leases due e-mails, sends them with no transaction open and records each outcome
in a short transaction; any error while sending one e-mail fails that e-mail alone, which is
retried on NOTIFICATION_EMAIL_RETRY_SCHEDULE_SECONDS and then goes dead (docs/adr/0010).
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from config.transactions import use_case
from outbox.models import Notification
from outbox.notifications import still_concerned
from outbox.services.batching import (
    STOP_NOW,
    Lease,
    claimable,
    describe,
    give_back,
    record_outcome,
    repeat_batches,
    scheduled_delay,
)

logger = logging.getLogger(__name__)

EMAIL_OUTCOME_FIELDS = [
    "email_state",
    "email_attempts",
    "email_next_attempt_at",
    "email_last_error",
    "emailed_at",
]


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


def claim_emails(limit: int, lease: Lease) -> list[Notification]:
    """Lease due e-mails, each the earliest unsent one of its recipient about its aggregate."""
    now = timezone.now()
    earlier_pending = Notification.objects.filter(
        email_state=Notification.EmailState.PENDING,
        recipient_id=OuterRef("recipient_id"),
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        id__lt=OuterRef("id"),
    )
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(claimable("email_claimed_until", now), email_next_attempt_at__lte=now)
            .filter(email_state=Notification.EmailState.PENDING)
            .exclude(Exists(earlier_pending))
            .order_by("email_next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        Notification.objects.filter(id__in=ids).update(email_claimed_until=lease.until)
    return list(
        Notification.objects.filter(id__in=ids)
        .select_related("recipient")
        .order_by("email_next_attempt_at", "id")
    )


def _concerned(notifications: list[Notification]) -> set[int]:
    """Ids of the notifications whose recipients may still hear from their organization."""
    by_organization = defaultdict(list)
    for notification in notifications:
        by_organization[notification.organization_id].append(notification)
    kept = set()
    for organization_id, group in by_organization.items():
        recipients = still_concerned(organization_id, {n.recipient_id for n in group})
        kept |= {n.pk for n in group if n.recipient_id in recipients}
    return kept


def send_email(notification: Notification, connection) -> None:
    """Send one notification e-mail on an open connection (or raise)."""
    mail.EmailMessage(
        subject=notification.title,
        body=notification.body or notification.title,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification)},
        connection=connection,
    ).send()


class MailServerAway(Exception):
    """The SMTP server could not be reached: no e-mail of the batch is to blame."""


def attempt_email(notification: Notification, connection, *, concerned: bool) -> None:
    """Send a leased e-mail with no transaction open, then record the outcome.

    Raise MailServerAway, recording nothing, when no connection to the server can be opened.
    """
    if not concerned:
        notification.email_state = Notification.EmailState.SKIPPED
    else:
        try:
            connection.open()  # keeps an open connection; opens one after a failure
        except STOP_NOW:
            raise
        except Exception as exc:
            raise MailServerAway(describe(exc)) from exc
        notification.email_attempts += 1
        try:
            send_email(notification, connection)
        except STOP_NOW:
            raise
        except Exception as exc:  # whatever one e-mail raises, it fails that e-mail alone
            connection.close()  # the server may be in any state now: the next starts afresh
            _failed(notification, describe(exc))
        else:
            notification.email_state = Notification.EmailState.SENT
            notification.emailed_at, notification.email_last_error = timezone.now(), ""
    record_outcome(notification, EMAIL_OUTCOME_FIELDS, "email_claimed_until")


def _failed(notification: Notification, error: str) -> None:
    notification.email_last_error = error
    schedule = settings.NOTIFICATION_EMAIL_RETRY_SCHEDULE_SECONDS
    delay = scheduled_delay(notification.email_attempts, schedule)
    if delay is None:
        notification.email_state = Notification.EmailState.DEAD
        logger.error("Notification e-mail %s is dead: %s", notification.pk, error)
    else:
        notification.email_next_attempt_at = timezone.now() + delay


def send_due_emails(limit: int | None = None, stop_at: float | None = None) -> int:
    """Send one batch of due e-mails on one SMTP connection; return how many were claimed."""
    lease = Lease.take(reserve_seconds=settings.EMAIL_TIMEOUT or 0)
    due = claim_emails(limit or settings.NOTIFICATION_EMAIL_BATCH_SIZE, lease)
    concerned = _concerned(due)
    connection = mail.get_connection()
    try:
        for position, notification in enumerate(due):
            if not lease.allows_another_item(stop_at):
                give_back(due[position:], "email_claimed_until")
                break
            try:
                attempt_email(notification, connection, concerned=notification.pk in concerned)
            except MailServerAway as exc:
                # An outage is not the e-mails' fault: none is charged an attempt; beat retries.
                logger.warning("Mail server unreachable, %d e-mail(s) wait: %s", len(due), exc)
                give_back(due[position:], "email_claimed_until")
                break
    finally:
        connection.close()
    return len(due)


def send_pending_emails(*, time_budget_seconds: float | None = None) -> int:
    """E-mail due notifications until none is due or the budget is spent.

    The Message-ID lets mail clients drop a resend after a crash.
    """
    return repeat_batches(
        lambda stop_at: send_due_emails(stop_at=stop_at),
        time_budget_seconds=time_budget_seconds or settings.OUTBOX_DRAIN_SECONDS,
    )
