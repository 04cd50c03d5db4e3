"""Who hears about workflow events: the assignee, when work is given to them or becomes ready;
the signers, when a deliverable is ready for sign-off."""

from accounts.selectors import current_memberships
from config.roles import Role
from outbox.notifications import Notice, notification_rule
from workflow import events


@notification_rule(events.TASK_ASSIGNED)
def notify_assignment(message) -> list[Notice]:
    task, actor = message.payload["task"], message.payload["actor"]
    assignee = task["assigned_to_id"]
    if not assignee:
        return []
    return [Notice(assignee, f"{task['title']} was assigned to you", f"Assigned by {actor}.")]


@notification_rule(events.TASK_UNBLOCKED)
def notify_ready(message) -> list[Notice]:
    task = message.payload["task"]
    assignee = task["assigned_to_id"]
    if not assignee:
        return []
    return [Notice(assignee, f"{task['title']} is ready to start", "Every task before it is done.")]


@notification_rule(events.DELIVERABLE_READY_FOR_SIGNOFF)
def notify_signers(message) -> list[Notice]:
    """Tell every member holding a role that signs the deliverable off."""
    deliverable, roles = message.payload["deliverable"], message.payload["signoff_roles"]
    signers = (
        current_memberships()
        .filter(organization_id=message.organization_id, role__in=roles)
        .values_list("user_id", flat=True)
        .distinct()
    )
    title = f"{deliverable['name']} is ready for sign-off"
    wanted = ", ".join(Role(role).label for role in roles)
    body = f"Every task is done or cancelled. Signatures wanted: {wanted}."
    return [Notice(user_id, title, body) for user_id in signers]
