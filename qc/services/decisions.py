"""Closing an attempt's inspection in the task's transaction: decided by the task's qc_accept
and qc_reject, or withdrawn when the task leaves review otherwise (cancelled).

The task action locks the task first, then its open inspection: two decisions of one attempt
are serialized by the task's row, and the later one finds the task moved on.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

import outbox
from config.actions import InvalidTransition
from config.principal import Principal
from qc import events
from qc.exceptions import OverrideRequired
from qc.models import Defect, Escalation, Inspection, InspectionEvent
from qc.services.inspections import (
    Recording,
    automatic_verdict,
    lock_open_inspection,
    refuse_performer,
    require_inspector_role,
    save_readings,
)
from workflow.models import Task

DECIDED_FIELDS = [
    "status",
    "automatic_verdict",
    "override_reason",
    "note",
    "reject_reason",
    "inspector_user",
    "inspector_api_key",
    "inspector_label",
    "decided_at",
    "version",
    "updated_at",
]


def refuse_decision(task: Task, actor: Principal) -> None:
    """Refuse a qc_accept or qc_reject by someone who may not inspect the task's attempt."""
    require_inspector_role(actor)
    if (inspection := lock_open_inspection(task)) is not None:
        refuse_performer(inspection, actor)


def _open_inspection_of(task: Task) -> Inspection:
    inspection = lock_open_inspection(task)
    if inspection is None:
        raise InvalidTransition(
            f"Task {task.node_key} is in review but no inspection of it is open; it was "
            "submitted before quality control inspected this task.",
            current_status=task.status,
            allowed_actions=[],
        )
    return inspection


def _decide(inspection: Inspection, actor: Principal, failures, action: str, payload) -> None:
    inspection.automatic_verdict = automatic_verdict(inspection, failures)
    inspection.inspector_user_id = actor.user_id
    inspection.inspector_api_key_id = actor.api_key_id
    inspection.inspector_label = str(actor)
    inspection.version += 1
    inspection.save(update_fields=DECIDED_FIELDS)
    InspectionEvent.record(
        inspection, action=action, actor=actor, from_status=Inspection.Status.OPEN, payload=payload
    )


def accept_attempt(*, task: Task, actor: Principal, payload: dict) -> Inspection:
    """Accept the task's open attempt with the readings sent; a failing verdict needs a reason."""
    inspection = _open_inspection_of(task)
    recording = Recording.of(inspection, actor)
    rows = recording.readings(payload["readings"], "/payload/readings")
    recording.check()
    save_readings(rows)
    failures = recording.failures()
    override = payload.get("override_reason", "")
    if failures and not override:
        named = ", ".join(f"{failure.item_key} ({failure.reason})" for failure in failures)
        raise OverrideRequired(
            f"The checklist rejects this attempt: {named}. Accepting it needs override_reason.",
            failures=[{"item": f.item_key, "reason": f.reason} for f in failures],
        )
    inspection.accept(at=timezone.now())
    inspection.override_reason = override if failures else ""
    inspection.note = payload.get("note", "")
    _decide(inspection, actor, failures, "accepted", payload)
    outbox.emit(**events.inspection_event(events.ACCEPTED, inspection, task, actor=str(actor)))
    return inspection


def reject_attempt(*, task: Task, actor: Principal, payload: dict) -> Inspection:
    """Reject the task's open attempt with its defects (the task goes back for rework)."""
    inspection = _open_inspection_of(task)
    recording = Recording.of(inspection, actor)
    rows = recording.readings(payload.get("readings", []), "/payload/readings")
    defects = [
        Defect(
            inspection=inspection,
            code=entry["code"],
            severity=entry["severity"],
            note=entry.get("note", ""),
            item=recording.item(entry.get("item"), f"/payload/defects/{index}/item"),
        )
        for index, entry in enumerate(payload["defects"])
    ]
    recording.check()
    save_readings(rows)
    Defect.objects.bulk_create(defects)
    failures = recording.failures()
    inspection.reject(at=timezone.now())
    inspection.reject_reason = payload["reason"]
    # Rejecting work the checklist passes overrides its verdict; the reason says why. A bare
    # inspection has no verdict to override.
    overrides = inspection.checklist_version_id is not None and not failures
    inspection.override_reason = payload["reason"] if overrides else ""
    _decide(inspection, actor, failures, "rejected", payload)
    rejections = Inspection.objects.filter(task=task, status=Inspection.Status.REJECTED).count()
    outbox.emit(
        **events.inspection_event(
            events.REJECTED,
            inspection,
            task,
            actor=str(actor),
            reason=inspection.reject_reason,
            defects=[events.defect_snapshot(d, d.item and d.item.key) for d in defects],
            next_attempt=task.attempt,
            rejections=rejections,
        )
    )
    escalate_if_due(task, rejections, actor)
    return inspection


def withdraw_inspection(
    *, task: Task, actor: Principal, task_action: str, reason: str
) -> Inspection | None:
    """Withdraw the open inspection of a task that left review without a decision; its
    readings stay as they were. None when the task had no open inspection."""
    inspection = lock_open_inspection(task)
    if inspection is None:
        return None
    inspection.withdraw(at=timezone.now())
    inspection.version += 1
    inspection.save(update_fields=["status", "decided_at", "version", "updated_at"])
    InspectionEvent.record(
        inspection,
        action="withdrawn",
        actor=actor,
        from_status=Inspection.Status.OPEN,
        payload={"task_action": task_action, "reason": reason},
    )
    outbox.emit(
        **events.inspection_event(
            events.INSPECTION_WITHDRAWN,
            inspection,
            task,
            actor=str(actor),
            task_action=task_action,
            reason=reason,
        )
    )
    return inspection


def escalate_if_due(task: Task, rejections: int, actor: Principal) -> Escalation | None:
    """Escalate a task rejected QC_ESCALATION_REJECTIONS times, once ever (the row is unique)."""
    if rejections < settings.QC_ESCALATION_REJECTIONS:
        return None
    try:
        # A concurrent escalation of the task makes this insert wait, then fail: once holds.
        with transaction.atomic():
            escalation = Escalation.objects.create(
                task=task, organization_id=task.organization_id, rejections=rejections
            )
    except IntegrityError:
        return None
    outbox.emit(**events.escalation_event(escalation, task, actor=str(actor)))
    return escalation
