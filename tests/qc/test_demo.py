"""The demo `make run` loads: one task in review, one rejected and accepted on rework."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_ORGANIZATION
from accounts.models import Membership
from config.roles import Role
from qc.models import ChecklistVersion, Inspection
from tests.config.environments import run_embedded
from workflow.demo import DEMO_REFERENCE
from workflow.models import Deliverable, Task, TaskEvent

pytestmark = pytest.mark.django_db

# Loads the demo twice into a fresh embedded database and prints its inspections.
EMBEDDED_DEMO = """
import json, django
django.setup()
from io import StringIO
from django.core.management import call_command
from qc.models import Inspection
for _ in range(2):
    call_command("load_demo", stdout=StringIO())
rows = Inspection.objects.order_by("task__node_key", "attempt")
print(json.dumps(list(rows.values_list("task__node_key", "attempt", "status"))))
"""


def load_demo() -> Deliverable:
    call_command("load_demo", stdout=StringIO())
    return Deliverable.objects.get(
        organization__slug=DEMO_ORGANIZATION, external_reference=DEMO_REFERENCE
    )


def holder_of(role: str) -> int:
    membership = Membership.objects.get(organization__slug=DEMO_ORGANIZATION, role=role)
    return membership.user_id


def snapshot() -> dict:
    return {
        "tasks": list(
            Task.objects.order_by("pk").values_list("pk", "status", "attempt", "version")
        ),
        "task_events": TaskEvent.objects.count(),
        "inspections": list(
            Inspection.objects.order_by("pk").values_list("pk", "status", "version")
        ),
        "checklists": list(ChecklistVersion.objects.values_list("pk", "status", "version")),
    }


def test_demo_deliverable_has_a_task_in_review_with_an_open_inspection_of_the_checklist():
    deliverable = load_demo()

    in_review = Task.objects.get(deliverable=deliverable, status=Task.Status.IN_REVIEW)
    inspection = Inspection.objects.get(task=in_review)
    assert in_review.node_key == "attach-trims"
    assert (inspection.status, inspection.attempt) == (Inspection.Status.OPEN, 1)
    assert str(inspection.checklist_version) == "seam-check v1"
    assert inspection.checklist_version.status == ChecklistVersion.Status.PUBLISHED
    assert inspection.performer_user_id == holder_of(Role.AGENT)
    assert inspection.inspector_user_id is None


def test_demo_sewing_was_rejected_then_accepted_on_rework_by_someone_other_than_the_tailor():
    deliverable = load_demo()

    sew = Task.objects.get(deliverable=deliverable, node_key="sew")
    inspections = Inspection.objects.filter(task=sew).order_by("attempt")
    assert (sew.status, sew.attempt) == (Task.Status.DONE, 2)
    assert [(i.attempt, i.status, i.automatic_verdict) for i in inspections] == [
        (1, Inspection.Status.REJECTED, Inspection.Verdict.FAIL),
        (2, Inspection.Status.ACCEPTED, Inspection.Verdict.PASS),
    ]
    assert list(inspections[0].defects.values_list("code", "item__key")) == [("open-seam", "seams")]
    assert {(i.performer_user_id, i.inspector_user_id) for i in inspections} == {
        (holder_of(Role.AGENT), holder_of(Role.QC_INSPECTOR))
    }


def test_loading_the_demo_again_changes_no_task_inspection_or_checklist():
    load_demo()
    before = snapshot()

    load_demo()

    assert snapshot() == before


def test_the_demo_loads_twice_on_the_embedded_database(tmp_path):
    inspections = json.loads(run_embedded(tmp_path, EMBEDDED_DEMO))

    assert inspections == [
        ["attach-trims", 1, "open"],
        ["sew", 1, "rejected"],
        ["sew", 2, "accepted"],
    ]
