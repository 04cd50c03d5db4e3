"""Who hears about inspections: inspectors of new work to inspect and of work withdrawn from
them, the performer of a rejection, the admins of a task rejected too often."""

from accounts.selectors import current_memberships
from config.roles import Role
from outbox.notifications import Notice, notification_rule
from qc import events, policy


def _members_with(organization_id: int, roles) -> list[int]:
    return list(
        current_memberships()
        .filter(organization_id=organization_id, role__in=roles)
        .values_list("user_id", flat=True)
    )


@notification_rule(events.INSPECTION_OPENED)
def notify_inspectors(message) -> list[Notice]:
    inspection, task = message.payload["inspection"], message.payload["task"]
    title = f"{task['title']} (attempt {inspection['attempt']}) is waiting for inspection"
    body = f"Submitted by {inspection['performer']}."
    inspectors = _members_with(message.organization_id, {Role.QC_INSPECTOR})
    return [Notice(user, title, body) for user in inspectors]


@notification_rule(events.INSPECTION_WITHDRAWN)
def notify_inspectors_of_withdrawal(message) -> list[Notice]:
    """Those told the work was waiting hear it no longer is."""
    inspection, task = message.payload["inspection"], message.payload["task"]
    title = f"{task['title']} (attempt {inspection['attempt']}) no longer needs inspection"
    body = f"Withdrawn: {message.payload['actor']} did {message.payload['task_action']}"
    if reason := message.payload["reason"]:
        body += f" ({reason})"
    inspectors = _members_with(message.organization_id, {Role.QC_INSPECTOR})
    return [Notice(user, title, f"{body}.") for user in inspectors]


@notification_rule(events.REJECTED)
def notify_performer(message) -> list[Notice]:
    inspection, task = message.payload["inspection"], message.payload["task"]
    performer = inspection["performer_user_id"]
    if not performer:
        return []
    title = f"{task['title']} was sent back for rework (attempt {message.payload['next_attempt']})"
    return [Notice(performer, title, f"{message.payload['actor']}: {message.payload['reason']}")]


@notification_rule(events.ESCALATED)
def notify_admins(message) -> list[Notice]:
    task, rejections = message.payload["task"], message.payload["rejections"]
    title = f"{task['title']} was rejected {rejections} times"
    body = "Quality control escalated it: the work keeps failing inspection."
    admins = _members_with(message.organization_id, policy.ESCALATE_TO)
    return [Notice(user, title, body) for user in admins]
