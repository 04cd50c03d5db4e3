"""Quality control's tables: checklists, inspections of task attempts, and deliverable sign-offs."""

from qc.models.checklists import ChecklistItem, ChecklistTemplate, ChecklistVersion, ItemKind
from qc.models.inspections import (
    Defect,
    Escalation,
    Evidence,
    Inspection,
    InspectionEvent,
    Reading,
    Severity,
)
from qc.models.signoffs import SignOff

__all__ = [
    "ChecklistItem",
    "ChecklistTemplate",
    "ChecklistVersion",
    "Defect",
    "Escalation",
    "Evidence",
    "Inspection",
    "InspectionEvent",
    "ItemKind",
    "Reading",
    "Severity",
    "SignOff",
]
