"""Reopened work revokes a deliverable's signatures, in the transaction of the reopen.

The workflow has moved the deliverable back to `in_progress` before its listeners run
(workflow/services/deliverables.py), with the deliverable row locked: a signature cannot slip
in between.
"""

from qc.services.signoffs import revoke_signoffs
from workflow import hooks
from workflow.models import Task


@hooks.on_task_change
def revoke_signoffs_on_reopen(change: hooks.TaskChange) -> None:
    if change.task.status != Task.Status.REOPENED:
        return
    reason = f"Task {change.task.node_key} reopened by {change.actor}: {change.payload['reason']}"
    revoke_signoffs(deliverable_id=change.task.deliverable_id, reason=reason)
