"""Reading inspections, scoped to one organization."""

from django.db.models import Prefetch, QuerySet

from qc.models import ChecklistItem, Defect, Evidence, Inspection, Reading
from workflow.models import Task


def list_inspections_for(organization_id: int) -> QuerySet[Inspection]:
    """Inspections with their task, checklist, readings, defects and evidence (five queries)."""
    items = ChecklistItem.objects.order_by("position", "id")
    return (
        Inspection.objects.filter(organization_id=organization_id)
        .select_related("task", "checklist_version__template")
        .prefetch_related(
            Prefetch("checklist_version__items", queryset=items),
            Prefetch("readings", queryset=Reading.objects.select_related("item").order_by("id")),
            Prefetch("defects", queryset=Defect.objects.select_related("item").order_by("id")),
            Prefetch("evidence", queryset=Evidence.objects.select_related("item").order_by("id")),
        )
    )


def get_evidence_for(organization_id: int, inspection_id: int, evidence_id: int) -> Evidence:
    """An evidence file of one of the organization's inspections; DoesNotExist otherwise."""
    return Evidence.objects.get(
        pk=evidence_id,
        inspection_id=inspection_id,
        inspection__organization_id=organization_id,
    )


def inspection_queue(organization_ids) -> QuerySet[Inspection]:
    """Open inspections of tasks still in review, oldest first: what inspectors have to do."""
    return (
        Inspection.objects.filter(
            organization_id__in=organization_ids,
            status=Inspection.Status.OPEN,
            task__status=Task.Status.IN_REVIEW,
        )
        .select_related("task", "deliverable", "organization")
        .order_by("opened_at", "id")
    )
