"""Celery tasks of the outbox: thin wrappers that call one service each."""

from celery import shared_task

from outbox.services import deliveries, drain, feed, idempotency, notifications


@shared_task(ignore_result=True)
def drain_outbox() -> int:
    return drain.drain()


@shared_task(ignore_result=True)
def sequence_event_feed() -> int:
    return feed.sequence_feed()


@shared_task(ignore_result=True)
def deliver_webhooks() -> int:
    return deliveries.deliver_all_due()


@shared_task(ignore_result=True)
def send_notification_emails() -> int:
    return notifications.send_pending_emails()


@shared_task(ignore_result=True)
def purge_idempotency_records() -> int:
    return idempotency.purge_expired()
