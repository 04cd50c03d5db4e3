"""The notification service: events become Notification rows (and e-mails) for the people concerned.

Domain apps say who is concerned by registering a rule per event type:

    @notification_rule("ticket.assigned")
    def notify_assignee(message) -> list[Notice]: ...
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from outbox.models import Notification, OutboxMessage
from outbox.nudges import nudge
from outbox.publishers.consumers import consumer

CONSUMER_NAME = "notifications"


@dataclass(frozen=True)
class Notice:
    recipient_id: int
    title: str
    body: str = ""


Rule = Callable[[OutboxMessage], list[Notice]]
_RULES: dict[str, Rule] = {}


def notification_rule(event_type: str):
    """Register who is told about an event type, and what they are told."""

    def register(rule: Rule) -> Rule:
        if event_type in _RULES:
            raise ValueError(f"A notification rule for {event_type!r} already exists")
        _RULES[event_type] = rule
        consumer(CONSUMER_NAME, event_type)(create_notifications)
        return rule

    return register


def create_notifications(message: OutboxMessage) -> None:
    """Store one notification per recipient; the consumer receipt makes this once per event."""
    notices = {notice.recipient_id: notice for notice in _RULES[message.event_type](message)}
    Notification.objects.bulk_create(
        [
            Notification(
                organization_id=message.organization_id,
                recipient_id=notice.recipient_id,
                event_id=message.event_id,
                event_type=message.event_type,
                title=notice.title[:200],
                body=notice.body,
            )
            for notice in notices.values()
        ],
        ignore_conflicts=True,
    )
    if notices:
        transaction.on_commit(lambda: nudge("outbox.tasks.send_notification_emails"))
