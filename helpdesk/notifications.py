"""Who hears about ticket events: the assignee, and the previous one when a ticket moves on."""

from helpdesk import events
from outbox.notifications import Notice, notification_rule


def _ticket(message) -> dict:
    return message.payload["ticket"]


def _for_assignee(message, title: str, body: str = "") -> list[Notice]:
    assignee = _ticket(message)["assignee_id"]
    return [Notice(assignee, title, body)] if assignee else []


@notification_rule(events.TICKET_ASSIGNED)
def notify_assignment(message) -> list[Notice]:
    ticket, actor = _ticket(message), message.payload["actor"]
    notices = _for_assignee(
        message,
        f"{ticket['key']} was assigned to you",
        f"{ticket['subject']} (assigned by {actor})",
    )
    previous = message.payload.get("previous_assignee_id")
    if previous and previous != ticket["assignee_id"]:
        notices.append(
            Notice(
                previous,
                f"{ticket['key']} is no longer assigned to you",
                f"{ticket['subject']} (changed by {actor})",
            )
        )
    return notices


@notification_rule(events.TICKET_STATUS_CHANGED)
def notify_status_change(message) -> list[Notice]:
    ticket = _ticket(message)
    return _for_assignee(
        message,
        f"{ticket['key']} is now {ticket['status']}",
        f"{ticket['subject']} ({message.payload['action']} by {message.payload['actor']})",
    )


@notification_rule(events.TICKET_COMMENTED)
def notify_comment(message) -> list[Notice]:
    ticket, comment = _ticket(message), message.payload["comment"]
    kind = "replied to" if comment["is_public"] else "added a note to"
    return _for_assignee(
        message, f"{message.payload['actor']} {kind} {ticket['key']}", comment["body"]
    )


@notification_rule(events.TICKET_SLA_BREACHED)
def notify_breach(message) -> list[Notice]:
    ticket, target = _ticket(message), message.payload["target"].replace("_", " ")
    return _for_assignee(message, f"{ticket['key']} missed its {target} target", ticket["subject"])
