"""QC rows for tests: checklist versions with typed items, deliverables whose QC tasks name them.

Published versions are built as drafts, then flipped (the database refuses to change a
published version's items), as tests/workflow/factories.py does for process templates.
"""

from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from qc.models import ChecklistItem, ChecklistTemplate, ChecklistVersion, Inspection
from tests.workflow.factories import deliverable_with_tasks, template_version
from workflow.models import Deliverable, TemplateTask, TemplateVersion

# One item of each kind; the optional ones do not decide the verdict.
GARMENT_ITEMS = [
    {"key": "seams", "kind": "pass_fail"},
    {
        "key": "chest-width",
        "kind": "numeric",
        "unit": "cm",
        "nominal": Decimal("52"),
        "tolerance": Decimal("1"),
    },
    {
        "key": "colour",
        "kind": "choice",
        "choices": ["navy", "black", "faded"],
        "passing_choices": ["navy", "black"],
    },
    {"key": "remarks", "kind": "text", "required": False},
    {"key": "label-photo", "kind": "evidence", "required": False},
]
# Readings that pass every required item of GARMENT_ITEMS.
PASSING_READINGS = [
    {"item": "seams", "value": "pass"},
    {"item": "chest-width", "value": "52.5 cm"},
    {"item": "colour", "value": "navy"},
]


def checklist_version(
    organization,
    items=GARMENT_ITEMS,
    *,
    key: str = "garment-final",
    number: int = 1,
    published: bool = True,
) -> ChecklistVersion:
    """Version `number` of the organization's checklist `key` (made if missing), with `items`."""
    template, _ = ChecklistTemplate.objects.get_or_create(
        organization=organization, key=key, defaults={"name": key.replace("-", " ").title()}
    )
    version = ChecklistVersion.objects.create(template=template, number=number)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(version=version, position=index, label=item["key"].title(), **item)
        for index, item in enumerate(items)
    )
    if published:
        ChecklistVersion.objects.filter(pk=version.pk).update(
            status=ChecklistVersion.Status.PUBLISHED,
            published_at=timezone.now(),
            version=F("version") + 1,
        )
        version.refresh_from_db()
    return version


def qc_template_version(organization, checklists: dict) -> TemplateVersion:
    """The garment template with QC on the tasks named, each read against its checklist
    version (None: a bare verdict)."""
    version = template_version(organization, published=False, requires_qc=tuple(checklists))
    for node_key, checklist in checklists.items():
        if checklist is not None:
            TemplateTask.objects.filter(version=version, node_key=node_key).update(
                checklist_key=checklist.template.key, checklist_number=checklist.number
            )
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=TemplateVersion.Status.PUBLISHED, version=F("version") + 1
    )
    version.refresh_from_db()
    return version


def qc_deliverable(organization, checklists: dict) -> Deliverable:
    """A started garment deliverable whose tasks named in `checklists` require QC."""
    return deliverable_with_tasks(organization, qc_template_version(organization, checklists))


def open_inspection_row(organization) -> Inspection:
    """An open inspection written directly (for pages that only show one)."""
    task = qc_deliverable(organization, {"cut": None}).tasks.get(node_key="cut")
    return Inspection.objects.create(
        organization=organization,
        task=task,
        deliverable_id=task.deliverable_id,
        attempt=1,
        performer_label="sample performer",
    )
