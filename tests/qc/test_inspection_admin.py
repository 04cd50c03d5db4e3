"""Inspections in the admin: the record with readings, defects and history, and the queue of
open inspections inspectors work from, oldest first and only their organizations'."""

import re

import pytest
from django.urls import reverse

from config.roles import Role
from qc.models import Inspection
from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import OrganizationFactory
from tests.qc.factories import PASSING_READINGS, open_inspection_row
from tests.workflow.acting import act, finish

pytestmark = pytest.mark.django_db

QUEUE = "/admin/qc/inspection/queue/"


@pytest.fixture
def staff_client(organization):
    return signed_in_admin(staff_member(organization, role=Role.QC_INSPECTOR))


def queued(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-inspection="(\d+)">', page)]


def test_an_inspection_page_shows_its_readings_defects_and_history_read_only(
    staff_client, in_review, inspector
):
    defect = {"code": "open-seam", "severity": "major", "item": "seams"}
    readings = [{"item": "chest-width", "value": "54.5 cm"}]
    act(
        in_review,
        "qc_reject",
        inspector,
        {"reason": "Too wide.", "defects": [defect], "readings": readings},
    )
    inspection = Inspection.objects.get(task=in_review)

    page = staff_client.get(reverse("admin:qc_inspection_change", args=[inspection.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "54.5 cm" in html and "open-seam" in html and "Too wide." in html
    assert "rejected" in html and "opened" in html  # the history
    assert 'name="_save"' not in html  # nothing to change here


def test_the_queue_lists_open_inspections_oldest_first_with_task_attempt_and_performer(
    organization, staff_client, garment, performer, inspector
):
    finish(garment["cut"], performer)
    for node_key in ("embroider", "sew"):
        act(garment[node_key], "start", performer)
        act(garment[node_key], "submit", performer)
    act(garment["sew"], "qc_reject", inspector, {"reason": "x", "defects": []})
    act(garment["sew"], "start", performer)
    act(garment["sew"], "submit", performer)
    embroider = Inspection.objects.get(task=garment["embroider"])
    sew_again = Inspection.objects.get(task=garment["sew"], attempt=2)
    open_inspection_row(OrganizationFactory())  # another organization's: never listed

    page = staff_client.get(QUEUE).content.decode()

    assert queued(page) == [embroider.pk, sew_again.pk]
    row = re.search(rf'<tr data-inspection="{sew_again.pk}">(.*?)</tr>', page, re.S)[1]
    assert reverse("admin:workflow_task_change", args=[garment["sew"].pk]) in row
    assert reverse("admin:qc_inspection_change", args=[sew_again.pk]) in row
    assert "<td>2</td>" in row and str(performer) in row


def test_decided_inspections_leave_the_queue(staff_client, in_review, inspector):
    act(in_review, "qc_accept", inspector, {"readings": PASSING_READINGS})

    page = staff_client.get(QUEUE).content.decode()

    assert queued(page) == []
    assert "Nothing is waiting for inspection." in page


def test_the_inspection_list_links_to_the_queue(staff_client):
    page = staff_client.get(reverse("admin:qc_inspection_changelist")).content.decode()

    assert f'href="{QUEUE}"' in page
