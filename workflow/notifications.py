"""Who hears about task events: the assignee, when work is given to them or becomes ready."""

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
