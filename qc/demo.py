"""Demo quality control for `make run`: the seam checklist the garment template names, and the
demo deliverable's sewing inspected by someone other than the tailor; loaded once."""

from decimal import Decimal

from django.db import transaction

from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_PEOPLE
from accounts.models import Organization
from accounts.selectors import current_memberships
from config.principal import Principal
from config.roles import Role
from qc.models import ChecklistTemplate, ItemKind
from qc.services import checklists
from workflow.demo import DEMO_REFERENCE, FINISHED
from workflow.models import Task
from workflow.services.tasks import apply_task_action

CHECKLIST_KEY = "seam-check"
CHECKLIST_ITEMS = [
    {"key": "seams", "label": "Seams closed and straight", "kind": ItemKind.PASS_FAIL},
    {
        "key": "chest-width",
        "label": "Chest width, buttoned",
        "kind": ItemKind.NUMERIC,
        "instructions": "Lay the garment flat and measure 2.5 cm below the armholes.",
        "unit": "cm",
        "nominal": Decimal("52"),
        "tolerance": Decimal("0.5"),
    },
    {
        "key": "finish",
        "label": "Seam finish",
        "kind": ItemKind.CHOICE,
        "choices": ["overlocked", "bound", "pinked", "raw"],
        "passing_choices": ["overlocked", "bound", "pinked"],
    },
    {
        "key": "inside-photo",
        "label": "Photo of the inside seams",
        "kind": ItemKind.EVIDENCE,
        "required": False,
    },
]
OPEN_SEAM = {
    "reason": "The left side seam is open near the hem.",
    "defects": [
        {"code": "open-seam", "severity": "major", "note": "3 cm above the hem", "item": "seams"}
    ],
    "readings": [
        {"item": "seams", "value": "fail"},
        {"item": "chest-width", "value": "52.3 cm"},
        {"item": "finish", "value": "overlocked"},
    ],
}
MENDED = {
    "readings": [
        {"item": "seams", "value": "pass"},
        {"item": "chest-width", "value": "52.3 cm"},
        {"item": "finish", "value": "overlocked"},
    ],
    "note": "The side seam is closed and pressed.",
}


def _member(organization: Organization, email: str) -> Principal:
    """A demo person as the API sees them: their membership's role and their user id."""
    membership = current_memberships().get(organization=organization, user__email=email)
    return Principal(
        organization.pk, organization.slug, membership.role, user_id=membership.user_id, label=email
    )


def _demo_person(organization: Organization, role: str) -> Principal:
    email = next(email for email, _name, held in DEMO_PEOPLE if held == role)
    return _member(organization, email)


@transaction.atomic
def load_demo_checklists(organization: Organization) -> None:
    """Publish the seam checklist, version 1, unless the organization has it already."""
    if ChecklistTemplate.objects.filter(organization=organization, key=CHECKLIST_KEY).exists():
        return
    admin = _member(organization, DEMO_ADMIN_EMAIL)
    checklist = checklists.create_checklist(actor=admin, key=CHECKLIST_KEY, name="Seam check")
    draft = checklist.versions.get()
    draft = checklists.save_draft(
        version_id=draft.pk, actor=admin, expected_version=draft.version, items=CHECKLIST_ITEMS
    )
    checklists.publish_version(version_id=draft.pk, actor=admin, expected_version=draft.version)


def _act(task: Task, actor: Principal, action: str, payload: dict | None = None) -> Task:
    return apply_task_action(
        task_id=task.pk,
        actor=actor,
        action=action,
        payload=payload or {},
        expected_version=task.version,
    ).aggregate


def _take_and_submit(task: Task, tailor: Principal) -> Task:
    """The tailor takes the task, does the work and submits it, which opens its inspection."""
    task = _act(task, tailor, "assign", {"assign_to": tailor.user_id})
    return _act(_act(task, tailor, "start"), tailor, "submit")


def _left_by_the_workflow_demo(tasks: dict[str, Task]) -> bool:
    """Whether the tasks are as the workflow demo leaves them: upstream done, sewing not begun.

    After this loader the sewing is done, so a second run (or older demo data, or a deliverable
    someone has worked on since) is left as it is.
    """
    upstream_done = all(tasks[key].status == Task.Status.DONE for key in FINISHED)
    sew = tasks["sew"]
    return upstream_done and sew.requires_qc and sew.status == Task.Status.READY


@transaction.atomic
def load_demo_inspections(organization: Organization) -> None:
    """Sew: rejected, reworked and accepted at attempt 2; attach-trims: submitted, in review."""
    deliverable_tasks = Task.objects.filter(
        organization=organization, deliverable__external_reference=DEMO_REFERENCE
    )
    tasks = {task.node_key: task for task in deliverable_tasks}
    if not tasks or not _left_by_the_workflow_demo(tasks):
        return
    tailor = _demo_person(organization, Role.AGENT)
    inspector = _demo_person(organization, Role.QC_INSPECTOR)
    sew = _act(_take_and_submit(tasks["sew"], tailor), inspector, "qc_reject", OPEN_SEAM)
    sew = _act(_act(sew, tailor, "start"), tailor, "submit")
    _act(sew, inspector, "qc_accept", MENDED)
    # Accepting the sewing unblocked the trims (a new version of that task).
    _take_and_submit(Task.objects.get(pk=tasks["attach-trims"].pk), tailor)
