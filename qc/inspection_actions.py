"""QC's task actions, qc_accept and qc_reject, the inspection each submitted attempt opens, and
its withdrawal when the task leaves review without a decision.

Registered with the workflow's task catalog (workflow/hooks.py), so they share the task actions'
`oneOf`, the "what can I do now" answer, bulk actions, `client_event_id` replay and history.
"""

from config.actions import ActionRequest, ActionSpec
from qc import policy
from qc.api.inspections.serializers import PAYLOAD_FIELDS
from qc.services import decisions
from qc.services.inspections import may_decide, open_inspection
from workflow import hooks
from workflow.models import Task

QC_ACCEPT = ActionSpec(
    "qc_accept",
    policy.INSPECT,
    ("readings", "note", "override_reason"),
    transition="accept",
    permitted=may_decide,
    summary="Accept the attempt under review (QC inspectors, admins)",
    example={
        "payload": {
            "readings": [
                {"item": "seams", "value": "pass"},
                {"item": "chest-width", "value": "52.5 cm"},
            ],
            "note": "Clean seams; width within tolerance.",
        },
        "expected_version": 7,
        "client_event_id": "5c2d9e7a-1f4b-4b8e-9a6d-3e1f0c7b2a41",
    },
)
QC_REJECT = ActionSpec(
    "qc_reject",
    policy.INSPECT,
    ("reason", "defects", "readings"),
    transition="send_back",
    permitted=may_decide,
    summary="Reject the attempt for rework (QC inspectors, admins)",
    example={
        "payload": {
            "reason": "The left side seam is open near the hem.",
            "defects": [
                {"code": "open-seam", "severity": "major", "note": "3 cm", "item": "seams"}
            ],
            "readings": [{"item": "seams", "value": "fail"}],
        },
        "expected_version": 7,
    },
)


def refuse(task: Task, request: ActionRequest) -> None:
    decisions.refuse_decision(task, request.actor)


def accept(task: Task, request: ActionRequest) -> None:
    decisions.accept_attempt(task=task, actor=request.actor, payload=request.payload)


def reject(task: Task, request: ActionRequest) -> None:
    decisions.reject_attempt(task=task, actor=request.actor, payload=request.payload)


hooks.register_task_action(hooks.TaskActionExtension(QC_ACCEPT, PAYLOAD_FIELDS, refuse, accept))
hooks.register_task_action(hooks.TaskActionExtension(QC_REJECT, PAYLOAD_FIELDS, refuse, reject))
DECISIONS = (QC_ACCEPT.name, QC_REJECT.name)


@hooks.on_task_change
def open_inspection_on_submit(change: hooks.TaskChange) -> None:
    """Submitting an attempt for review opens its inspection, in the submit's transaction."""
    if change.action == "submit":
        open_inspection(task=change.task, actor=change.actor)


@hooks.on_task_change
def withdraw_inspection_on_leaving_review(change: hooks.TaskChange) -> None:
    """A task that leaves review other than by a decision (cancel) withdraws its inspection, in
    the same transaction: it would otherwise stay open, and listed as open, for good."""
    in_review = Task.Status.IN_REVIEW
    left_review = change.from_status == in_review and change.task.status != in_review
    # A decision has closed the inspection itself, in its `perform`.
    if left_review and change.action not in DECISIONS:
        decisions.withdraw_inspection(
            task=change.task,
            actor=change.actor,
            task_action=change.action,
            reason=change.payload.get("reason", ""),
        )
