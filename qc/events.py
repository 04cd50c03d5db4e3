"""Inspection events and their payloads (JSON-safe ids and values)."""

from qc.models import Defect, Escalation, Inspection
from workflow.models import Task

INSPECTION_OPENED = "qc.inspection_opened"
ACCEPTED = "qc.accepted"
REJECTED = "qc.rejected"
ESCALATED = "qc.escalated"
INSPECTION_WITHDRAWN = "qc.inspection_withdrawn"


def task_reference(task: Task) -> dict:
    return {
        "id": task.pk,
        "deliverable_id": task.deliverable_id,
        "node_key": task.node_key,
        "title": task.title,
    }


def inspection_snapshot(inspection: Inspection) -> dict:
    return {
        "id": inspection.pk,
        "attempt": inspection.attempt,
        "status": inspection.status,
        "automatic_verdict": inspection.automatic_verdict,
        "checklist_version_id": inspection.checklist_version_id,
        "performer": inspection.performer_label,
        "performer_user_id": inspection.performer_user_id,
        "performer_api_key_id": inspection.performer_api_key_id,
        "inspector": inspection.inspector_label,
        "version": inspection.version,
    }


def inspection_event(
    event_type: str, inspection: Inspection, task: Task, *, actor: str, **details
) -> dict:
    """The outbox.emit() arguments for an inspection event (delivered in order per inspection)."""
    return {
        "organization_id": inspection.organization_id,
        "event_type": event_type,
        "aggregate_type": "inspection",
        "aggregate_id": inspection.pk,
        "payload": {
            "inspection": inspection_snapshot(inspection),
            "task": task_reference(task),
            "actor": actor,
            **details,
        },
    }


def defect_snapshot(defect: Defect, item_key: str | None) -> dict:
    return {"code": defect.code, "severity": defect.severity, "note": defect.note, "item": item_key}


def escalation_event(escalation: Escalation, task: Task, *, actor: str) -> dict:
    """qc.escalated, in order with the task's own events."""
    return {
        "organization_id": escalation.organization_id,
        "event_type": ESCALATED,
        "aggregate_type": "task",
        "aggregate_id": task.pk,
        "payload": {
            "task": task_reference(task),
            "rejections": escalation.rejections,
            "escalated_at": escalation.escalated_at.isoformat(),
            "actor": actor,
        },
    }
