"""Celery tasks of the outbox: thin wrappers that call one service each.

Every task runs under CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT; the senders stop
well before them (their time budget), and rows a killed task leased come back when the lease ends.
"""

from celery import shared_task

from outbox.services import deliveries, drain, feed, notifications, retention


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
def purge_history() -> int:
    return retention.purge_history()


@shared_task(ignore_result=True)
def purge_idempotency_records() -> int:
    """Kept for ticks queued before purge_history replaced it in the beat schedule."""
    return retention.purge_history()
