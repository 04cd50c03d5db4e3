"""The notification service: events become Notification rows (and e-mails) for the people concerned.

Domain apps say who is concerned by registering a rule per event type:

    @notification_rule("ticket.assigned")
    def notify_assignee(message) -> list[Notice]: ...

and say who may still hear from an organization (its members in good standing) with
`@recipient_filter`; the outbox cannot know, since accounts depends on it and not the reverse.
Filters run when notifications are made and again before each e-mail is sent.
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
# (organization id, user ids) -> the user ids that may still be told about the organization.
RecipientFilter = Callable[[int, set[int]], set[int]]
_RECIPIENT_FILTERS: list[RecipientFilter] = []


def recipient_filter(check: RecipientFilter) -> RecipientFilter:
    """Register a check that removes users who may no longer hear from an organization."""
    if check not in _RECIPIENT_FILTERS:
        _RECIPIENT_FILTERS.append(check)
    return check


def still_concerned(organization_id: int, user_ids: set[int]) -> set[int]:
    """Return the users among `user_ids` whom every registered filter lets through."""
    for check in _RECIPIENT_FILTERS:
        if not user_ids:
            break
        user_ids = check(organization_id, set(user_ids))
    return user_ids


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
    concerned = still_concerned(message.organization_id, set(notices))
    notices = {recipient: notice for recipient, notice in notices.items() if recipient in concerned}
    Notification.objects.bulk_create(
        [
            Notification(
                organization_id=message.organization_id,
                recipient_id=notice.recipient_id,
                event_id=message.event_id,
                event_type=message.event_type,
                aggregate_type=message.aggregate_type,
                aggregate_id=message.aggregate_id,
                title=notice.title[:200],
                body=notice.body,
            )
            for notice in notices.values()
        ],
        ignore_conflicts=True,
    )
    if notices:
        transaction.on_commit(lambda: nudge("outbox.tasks.send_notification_emails"))
