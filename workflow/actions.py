"""The actions a caller can take on a task, declared once; qc adds its own with `register`."""

from config.actions import ActionCatalog, ActionSpec
from workflow import policy
from workflow.models import Task, TaskDependency
from workflow.models.tasks import SETTLED_STATUSES


def _assignable(task: Task) -> bool:
    return task.is_open


def _unassignable(task: Task) -> bool:
    return task.is_open and task.assigned_to_id is not None


def _nothing_upstream_open(task: Task) -> bool:
    """Reopened or reworked work waits, too, while a task it depends on is being redone."""
    return not (
        TaskDependency.objects.filter(task=task)
        .exclude(depends_on__status__in=SETTLED_STATUSES)
        .exists()
    )


ACTIONS = ActionCatalog(
    "task",
    [
        ActionSpec(
            "assign",
            policy.WORK,
            ("assign_to", "window"),
            transition=None,
            available=_assignable,
            summary="Assign to a member",
            example={
                "payload": {
                    "assign_to": 7,
                    "window": {"start": "2026-12-07T08:00:00Z", "end": "2026-12-09T17:00:00Z"},
                },
                "expected_version": 3,
                "client_event_id": "0b7e4c1a-8a55-4c1e-9f0e-5d8f2b1c3a90",
            },
        ),
        ActionSpec(
            "unassign",
            policy.WORK,
            transition=None,
            available=_unassignable,
            summary="Unassign",
            example={"expected_version": 4},
        ),
        ActionSpec(
            "start",
            policy.WORK,
            available=_nothing_upstream_open,
            summary="Start work",
            example={"expected_version": 2},
        ),
        ActionSpec(
            "submit",
            policy.WORK,
            summary="Submit for QC review (tasks that require QC)",
            example={"expected_version": 5},
        ),
        ActionSpec(
            "complete",
            policy.WORK,
            summary="Complete (tasks without QC)",
            example={"expected_version": 5},
        ),
        ActionSpec(
            "reopen",
            policy.UNDO,
            ("reason",),
            summary="Reopen finished work (admins)",
            example={"payload": {"reason": "The customer changed the size"}, "expected_version": 6},
        ),
        ActionSpec(
            "cancel",
            policy.UNDO,
            ("reason",),
            summary="Cancel (admins)",
            example={"payload": {"reason": "Not needed for this order"}, "expected_version": 2},
        ),
    ],
)
