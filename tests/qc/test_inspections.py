"""Inspections through the task actions: one per submitted attempt, decided by qc_accept or
qc_reject, withdrawn when the task is cancelled in review, rework as numbered attempts,
escalation once, and who hears of it."""

import pytest

from config.roles import Role
from outbox.models import Notification, OutboxMessage
from outbox.services.drain import drain
from qc import events
from qc.exceptions import ChecklistUnavailable, OverrideRequired
from qc.models import Defect, Escalation, Inspection, InspectionEvent, Reading
from qc.services.inspections import record_readings
from tests.accounts.factories import MembershipFactory
from tests.qc.factories import PASSING_READINGS, checklist_version, qc_deliverable
from tests.workflow.acting import act, finish, member, status, tasks_of
from workflow import hooks
from workflow.models import Task

pytestmark = pytest.mark.django_db

DEFECT = {"code": "open-seam", "severity": "major", "note": "left side", "item": "seams"}
CANCEL = {"reason": "The customer dropped the order."}


def reject(task, inspector, reason="The seam is open.", **payload):
    return act(task, "qc_reject", inspector, {"reason": reason, "defects": [DEFECT], **payload})


def accept(task, inspector, readings=PASSING_READINGS, **payload):
    return act(task, "qc_accept", inspector, {"readings": readings, **payload})


def resubmit(task, performer) -> None:
    act(task, "start", performer)
    act(task, "submit", performer)


def emitted(event_type: str) -> list[dict]:
    return list(
        OutboxMessage.objects.filter(event_type=event_type)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def test_submitting_opens_an_inspection_of_the_attempt_with_the_task_checklist(
    in_review, performer, checklist
):
    inspection = Inspection.objects.get(task=in_review)

    assert status(in_review) == Task.Status.IN_REVIEW
    assert (inspection.status, inspection.attempt) == ("open", 1)
    assert inspection.checklist_version == checklist
    assert inspection.deliverable_id == in_review.deliverable_id
    assert (inspection.performer_user_id, inspection.performer_api_key_id) == (
        performer.user_id,
        None,
    )
    assert inspection.performer_label == str(performer)
    assert list(inspection.events.values_list("action", "version_after")) == [("opened", 1)]
    [opened] = emitted(events.INSPECTION_OPENED)
    assert opened["inspection"]["id"] == inspection.pk
    assert opened["task"]["node_key"] == "sew"


def test_a_task_that_names_no_checklist_gets_a_bare_inspection(garment, performer, inspector):
    finish(garment["cut"], performer)
    resubmit(garment["embroider"], performer)

    accept(garment["embroider"], inspector, readings=[])

    inspection = Inspection.objects.get(task=garment["embroider"])
    assert inspection.checklist_version is None
    # No checklist, no automatic verdict: the inspector's decision is all there is.
    assert (inspection.status, inspection.automatic_verdict) == ("accepted", "")
    assert status(garment["embroider"]) == Task.Status.DONE


def test_a_checklist_that_is_not_published_refuses_the_submit(organization, performer):
    draft = checklist_version(organization, key="draft-list", published=False)
    tasks = tasks_of(qc_deliverable(organization, {"cut": draft}))
    act(tasks["cut"], "start", performer)

    with pytest.raises(ChecklistUnavailable, match="draft-list v1"):
        act(tasks["cut"], "submit", performer)

    assert status(tasks["cut"]) == Task.Status.IN_PROGRESS
    assert not Inspection.objects.exists()


def test_accept_records_the_readings_and_finishes_the_task(in_review, inspector):
    accept(in_review, inspector, note="Looks right.")

    inspection = Inspection.objects.get(task=in_review)
    assert status(in_review) == Task.Status.DONE
    assert (inspection.status, inspection.automatic_verdict) == ("accepted", "pass")
    assert (inspection.inspector_user_id, inspection.note) == (inspector.user_id, "Looks right.")
    assert inspection.decided_at is not None
    readings = dict(inspection.readings.values_list("item__key", "value"))
    assert readings == {"seams": "pass", "chest-width": "52.5 cm", "colour": "navy"}
    assert [p["inspection"]["status"] for p in emitted(events.ACCEPTED)] == ["accepted"]


def test_readings_sent_with_the_decision_merge_with_those_recorded_before(in_review, inspector):
    inspection = Inspection.objects.get(task=in_review)
    earlier = [{"item": "seams", "value": "fail"}, {"item": "colour", "value": "navy"}]
    record_readings(
        inspection_id=inspection.pk, actor=inspector, readings=earlier, expected_version=1
    )
    inspection.refresh_from_db()
    assert (inspection.automatic_verdict, inspection.version) == ("fail", 2)

    accept(in_review, inspector, readings=[{"item": "seams", "value": "pass"}, PASSING_READINGS[1]])

    inspection.refresh_from_db()
    assert dict(inspection.readings.values_list("item__key", "value")) == {
        "seams": "pass",
        "chest-width": "52.5 cm",
        "colour": "navy",
    }
    assert (inspection.status, inspection.automatic_verdict) == ("accepted", "pass")


def test_rejecting_work_the_checklist_passes_is_an_override_with_the_reason(in_review, inspector):
    reject(in_review, inspector, reason="Wrong fabric.", readings=PASSING_READINGS)

    inspection = Inspection.objects.get(task=in_review)
    assert (inspection.automatic_verdict, inspection.override_reason) == ("pass", "Wrong fabric.")


def test_accepting_against_a_failing_verdict_needs_an_override_reason(in_review, inspector):
    wide = [{"item": "seams", "value": "pass"}, {"item": "chest-width", "value": "53.5 cm"}]

    with pytest.raises(OverrideRequired) as refused:
        accept(in_review, inspector, readings=wide)

    assert refused.value.extensions["failures"] == [
        {"item": "chest-width", "reason": "failed"},
        {"item": "colour", "reason": "missing"},
    ]
    assert status(in_review) == Task.Status.IN_REVIEW
    assert not Reading.objects.exists()  # the refused request recorded nothing

    accept(in_review, inspector, readings=wide, override_reason="Customer takes it as is.")

    inspection = Inspection.objects.get(task=in_review)
    assert (inspection.status, inspection.automatic_verdict) == ("accepted", "fail")
    assert inspection.override_reason == "Customer takes it as is."


def test_reject_rework_resubmit_accept_numbers_attempts_and_links_each_inspection(
    in_review, performer, inspector
):
    reject(in_review, inspector)
    in_review.refresh_from_db()
    assert (in_review.status, in_review.attempt) == (Task.Status.REWORK, 2)

    resubmit(in_review, performer)
    accept(in_review, inspector)

    inspections = Inspection.objects.filter(task=in_review).order_by("attempt")
    assert [(i.attempt, i.status) for i in inspections] == [(1, "rejected"), (2, "accepted")]
    rejected = inspections[0]
    assert rejected.reject_reason == "The seam is open."
    assert list(Defect.objects.filter(inspection=rejected).values("code", "item__key")) == [
        {"code": "open-seam", "item__key": "seams"}
    ]
    assert status(in_review) == Task.Status.DONE
    history = list(in_review.events.order_by("version_after").values_list("action", flat=True))
    assert history[-5:] == ["submit", "qc_reject", "start", "submit", "qc_accept"]
    [rejection] = emitted(events.REJECTED)
    assert (rejection["next_attempt"], rejection["rejections"]) == (2, 1)
    assert rejection["defects"] == [DEFECT]


def test_an_inspection_history_records_each_step_with_its_version(in_review, inspector):
    reject(in_review, inspector)

    inspection = Inspection.objects.get(task=in_review)
    steps = InspectionEvent.objects.filter(inspection=inspection).order_by("version_after")
    assert [(e.action, e.from_status, e.to_status, e.version_after) for e in steps] == [
        ("opened", "", "open", 1),
        ("rejected", "open", "rejected", 2),
    ]
    assert inspection.version == 2


def test_rejections_reaching_the_setting_escalate_once_and_tell_the_admins(
    organization, in_review, performer, inspector, settings, recording
):
    settings.QC_ESCALATION_REJECTIONS = 2
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    reject(in_review, inspector)
    resubmit(in_review, performer)
    assert not Escalation.objects.exists()

    reject(in_review, inspector)  # the second: escalated
    resubmit(in_review, performer)
    reject(in_review, inspector)  # the third: already escalated
    drain()

    escalation = Escalation.objects.get()
    assert (escalation.task_id, escalation.rejections) == (in_review.pk, 2)
    assert [p["rejections"] for p in emitted(events.ESCALATED)] == [2]
    told = Notification.objects.filter(event_type=events.ESCALATED)
    assert list(told.values_list("recipient_id", "title")) == [
        (admin.pk, "Sew was rejected 2 times")
    ]


def test_inspectors_hear_of_new_work_and_the_performer_of_a_rejection(
    organization, in_review, performer, inspector, recording
):
    another = member(organization, Role.QC_INSPECTOR)
    reject(in_review, inspector, reason="Loose thread.")
    drain()

    opened = Notification.objects.filter(event_type=events.INSPECTION_OPENED)
    assert sorted(opened.values_list("recipient_id", flat=True)) == sorted(
        [inspector.user_id, another.user_id]
    )
    assert opened.first().title == "Sew (attempt 1) is waiting for inspection"
    told = Notification.objects.get(event_type=events.REJECTED)
    assert (told.recipient_id, told.title) == (
        performer.user_id,
        "Sew was sent back for rework (attempt 2)",
    )
    assert told.body == f"{inspector}: Loose thread."


def test_reopened_work_is_inspected_again_as_its_next_attempt(
    organization, in_review, performer, inspector
):
    accept(in_review, inspector)
    act(in_review, "reopen", member(organization, Role.ADMIN), {"reason": "Size changed."})

    resubmit(in_review, performer)

    inspections = Inspection.objects.filter(task=in_review).order_by("attempt")
    assert [(i.attempt, i.status) for i in inspections] == [(1, "accepted"), (2, "open")]


# --- withdrawal: the task leaves review without a decision ---


def test_cancelling_a_task_in_review_withdraws_its_inspection_and_keeps_its_readings(
    organization, in_review, inspector
):
    inspection = Inspection.objects.get(task=in_review)
    seams = PASSING_READINGS[:1]
    record_readings(
        inspection_id=inspection.pk, actor=inspector, readings=seams, expected_version=1
    )
    admin = member(organization, Role.ADMIN)

    act(in_review, "cancel", admin, CANCEL)

    inspection.refresh_from_db()
    assert status(in_review) == Task.Status.CANCELLED
    assert (inspection.status, inspection.version, inspection.inspector_label) == (
        Inspection.Status.WITHDRAWN,
        3,
        "",
    )
    assert inspection.decided_at is not None
    assert list(inspection.readings.values_list("item__key", "value", "passed")) == [
        ("seams", "pass", True)
    ]
    last = InspectionEvent.objects.filter(inspection=inspection).latest("version_after")
    assert (last.action, last.from_status, last.to_status, last.actor_label) == (
        "withdrawn",
        "open",
        "withdrawn",
        str(admin),
    )
    assert last.payload == {"task_action": "cancel", **CANCEL}
    [withdrawn] = emitted(events.INSPECTION_WITHDRAWN)
    assert withdrawn["inspection"]["id"] == inspection.pk
    assert (withdrawn["inspection"]["attempt"], withdrawn["inspection"]["status"]) == (
        1,
        "withdrawn",
    )
    assert withdrawn["task"]["id"] == in_review.pk
    assert (withdrawn["task_action"], withdrawn["reason"], withdrawn["actor"]) == (
        "cancel",
        CANCEL["reason"],
        str(admin),
    )


def test_the_withdrawal_commits_and_rolls_back_with_the_cancel(
    organization, in_review, monkeypatch
):
    seen_inside = []

    def fail_after_the_others(change: hooks.TaskChange) -> None:
        seen_inside.append(Inspection.objects.get(task=in_review).status)
        raise RuntimeError("the cancel fails after every listener ran")

    monkeypatch.setattr(hooks, "_task_listeners", [*hooks._task_listeners, fail_after_the_others])
    admin = member(organization, Role.ADMIN)

    with pytest.raises(RuntimeError):
        act(in_review, "cancel", admin, CANCEL)

    assert seen_inside == [Inspection.Status.WITHDRAWN]  # withdrawn inside the cancel
    inspection = Inspection.objects.get(task=in_review)  # and undone with it
    assert (inspection.status, inspection.version, inspection.decided_at) == ("open", 1, None)
    assert status(in_review) == Task.Status.IN_REVIEW
    assert emitted(events.INSPECTION_WITHDRAWN) == []


def test_only_leaving_review_undecided_withdraws_an_inspection(
    organization, in_review, performer, inspector
):
    admin = member(organization, Role.ADMIN)
    act(in_review, "assign", admin, {"assign_to": performer.user_id})  # stays in review
    assert Inspection.objects.get(task=in_review).status == Inspection.Status.OPEN

    reject(in_review, inspector)
    act(in_review, "cancel", admin, CANCEL)  # from rework: the rejection stands

    assert status(in_review) == Task.Status.CANCELLED
    assert Inspection.objects.get(task=in_review).status == Inspection.Status.REJECTED
    assert emitted(events.INSPECTION_WITHDRAWN) == []


def test_inspectors_hear_that_work_waiting_for_them_was_withdrawn(
    organization, in_review, inspector, recording
):
    another = member(organization, Role.QC_INSPECTOR)
    admin = member(organization, Role.ADMIN)
    act(in_review, "cancel", admin, CANCEL)
    drain()

    told = Notification.objects.filter(event_type=events.INSPECTION_WITHDRAWN)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [inspector.user_id, another.user_id]
    )
    assert told.first().title == "Sew (attempt 1) no longer needs inspection"
    assert told.first().body == f"Withdrawn: {admin} did cancel ({CANCEL['reason']})."
