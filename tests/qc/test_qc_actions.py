"""qc_accept and qc_reject as task actions: four eyes, roles, overrides, replay, their documented
examples, the shared endpoints, and concurrent decisions of one attempt."""

import uuid

import pytest
from django.conf import settings
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from config.api.conditional import StaleVersion
from config.roles import Role
from outbox.models import OutboxMessage
from qc import events
from qc.exceptions import FourEyes, InspectorRoleRequired
from qc.inspection_actions import QC_ACCEPT, QC_REJECT
from qc.models import Escalation, Inspection
from qc.services.decisions import escalate_if_due
from tests.concurrency import run_concurrently
from tests.contract.examples import validate_example
from tests.problems import assert_problem
from tests.qc.factories import PASSING_READINGS, checklist_version, qc_deliverable
from tests.workflow.acting import (
    act,
    finish,
    member,
    post_action,
    status,
    submitted_by,
    tasks_of,
)
from workflow.actions import ACTIONS
from workflow.api.tasks.serializers import ACTION_FORMS
from workflow.models import Task, TaskEvent

pytestmark = pytest.mark.django_db

ACTIONS_PATH = "/api/v1/tasks/{id}/actions"
REJECTION = {"reason": "The seam is open.", "defects": []}


@pytest.fixture
def ready_sew(garment, performer):
    finish(garment["cut"], performer)
    return garment["sew"]


# --- four eyes and roles ---


def test_the_person_who_submitted_an_attempt_may_not_decide_it(organization, ready_sew):
    admin = member(organization, Role.ADMIN)
    act(ready_sew, "start", admin)
    act(ready_sew, "submit", admin)

    with pytest.raises(FourEyes, match="admin tester performed attempt 1"):
        act(ready_sew, "qc_accept", admin, {"readings": PASSING_READINGS})

    act(ready_sew, "qc_accept", member(organization, Role.ADMIN), {"readings": PASSING_READINGS})
    assert status(ready_sew) == Task.Status.DONE


def test_the_performer_is_not_offered_the_decision_of_their_own_attempt(organization, ready_sew):
    performer, other = member(organization, Role.ADMIN), member(organization, Role.ADMIN)
    act(ready_sew, "start", performer)
    act(ready_sew, "submit", performer)
    ready_sew.refresh_from_db()

    assert not {"qc_accept", "qc_reject"} & set(ACTIONS.allowed(ready_sew, performer))
    assert {"qc_accept", "qc_reject"} <= set(ACTIONS.allowed(ready_sew, other))


def test_the_api_key_that_submitted_an_attempt_may_not_decide_it(client_for, ready_sew):
    key = client_for(Role.ADMIN)
    submitted_by(key, ready_sew)

    refused = post_action(key, ready_sew, "qc_reject", REJECTION)
    accepted = post_action(client_for(Role.ADMIN), ready_sew, "qc_reject", REJECTION)

    body = assert_problem(refused, 403, "four-eyes")
    assert "performed attempt 1" in body["detail"]
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "rework"


def test_a_person_may_decide_what_an_api_key_submitted_and_the_reverse(
    organization, client_for, ready_sew, inspector
):
    submitted_by(client_for(Role.ADMIN), ready_sew)

    act(ready_sew, "qc_reject", inspector, REJECTION)

    inspection = Inspection.objects.get(task=ready_sew, attempt=1)
    assert inspection.performer_api_key_id is not None
    assert inspection.inspector_user_id == inspector.user_id


def test_only_qc_inspectors_and_admins_decide_and_the_problem_names_the_rule(client_for, in_review):
    agent = post_action(client_for(Role.AGENT), in_review, "qc_accept", {"readings": []})
    viewer = post_action(client_for(Role.VIEWER), in_review, "qc_accept", {"readings": []})

    body = assert_problem(agent, 403, "inspector-role-required")
    assert "qc_inspector or admin" in body["detail"]
    assert_problem(viewer, 403, "permission-denied")
    assert status(in_review) == Task.Status.IN_REVIEW


def test_the_role_is_refused_before_anything_is_looked_at(garment, performer):
    with pytest.raises(InspectorRoleRequired):
        act(garment["cut"], "qc_accept", performer, {"readings": []})


# --- the actions over HTTP ---


def test_inspectors_are_offered_the_qc_actions_of_a_task_in_review(client_for, in_review):
    inspector = client_for(Role.QC_INSPECTOR).get(ACTIONS_PATH.format(id=in_review.pk)).json()
    agent = client_for(Role.AGENT).get(ACTIONS_PATH.format(id=in_review.pk)).json()

    assert inspector["allowed_actions"] == ["qc_accept", "qc_reject"]
    assert "qc_accept" not in agent["allowed_actions"]


def test_a_failing_verdict_without_override_is_409_naming_the_failing_items(client_for, in_review):
    inspector = client_for(Role.QC_INSPECTOR)
    readings = [{"item": "seams", "value": "fail"}]

    refused = post_action(inspector, in_review, "qc_accept", {"readings": readings})

    body = assert_problem(refused, 409, "override-required")
    assert body["failures"] == [
        {"item": "seams", "reason": "failed"},
        {"item": "chest-width", "reason": "missing"},
        {"item": "colour", "reason": "missing"},
    ]
    assert status(in_review) == Task.Status.IN_REVIEW


def test_an_unreadable_value_is_422_pointing_at_it_and_changes_nothing(client_for, in_review):
    readings = [PASSING_READINGS[0], {"item": "chest-width", "value": "52.5 mm"}]

    refused = post_action(
        client_for(Role.QC_INSPECTOR), in_review, "qc_accept", {"readings": readings}
    )
    number = post_action(
        client_for(Role.QC_INSPECTOR),
        in_review,
        "qc_accept",
        {"readings": [{"item": "chest-width", "value": 52.5}]},
    )

    body = assert_problem(refused, 422, "validation-error")
    assert body["errors"] == [
        {
            "pointer": "/payload/readings/1/value",
            "detail": "chest-width is read in cm, not mm.",
            "code": "invalid_reading",
        }
    ]
    assert assert_problem(number, 422, "validation-error")["errors"][0]["code"] == "not_text"
    assert Inspection.objects.get(task=in_review).readings.count() == 0
    assert TaskEvent.objects.filter(task=in_review, action="qc_accept").count() == 0


def test_a_defect_on_an_item_the_checklist_lacks_is_422(client_for, in_review):
    defects = [{"code": "stain", "severity": "minor", "item": "sleeves"}]

    refused = post_action(
        client_for(Role.QC_INSPECTOR), in_review, "qc_reject", {"reason": "x", "defects": defects}
    )

    body = assert_problem(refused, 422, "validation-error")
    assert body["errors"][0]["pointer"] == "/payload/defects/0/item"
    assert status(in_review) == Task.Status.IN_REVIEW


def test_a_qc_action_replays_by_client_event_id_and_refuses_its_reuse(client_for, in_review):
    inspector = client_for(Role.QC_INSPECTOR)
    event_id = str(uuid.uuid4())
    body = {"readings": PASSING_READINGS}
    version = status_version(in_review)

    first = post_action(
        inspector, in_review, "qc_accept", body, expected_version=version, client_event_id=event_id
    )
    again = post_action(
        inspector, in_review, "qc_accept", body, expected_version=version, client_event_id=event_id
    )
    other = post_action(
        inspector,
        in_review,
        "qc_accept",
        {"readings": PASSING_READINGS[:1]},
        expected_version=version,
        client_event_id=event_id,
    )

    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["version"] == first.json()["version"]
    assert_problem(other, 422, "client-event-id-reused")
    assert TaskEvent.objects.filter(task=in_review, action="qc_accept").count() == 1
    assert OutboxMessage.objects.filter(event_type=events.ACCEPTED).count() == 1


def test_a_rejection_replays_by_client_event_id_and_its_id_is_refused_for_an_accept(
    client_for, in_review
):
    inspector = client_for(Role.QC_INSPECTOR)
    event_id = str(uuid.uuid4())
    rejection = {**REJECTION, "defects": [{"code": "open-seam", "severity": "major"}]}
    version = status_version(in_review)

    def post(action, payload):
        return post_action(
            inspector,
            in_review,
            action,
            payload,
            expected_version=version,
            client_event_id=event_id,
        )

    first = post("qc_reject", rejection)
    again = post("qc_reject", rejection)
    accept = post("qc_accept", {"readings": PASSING_READINGS})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["status"] == Task.Status.REWORK
    body = assert_problem(accept, 422, "client-event-id-reused")
    assert body["errors"][0]["pointer"] == "/client_event_id"
    in_review.refresh_from_db()
    assert (in_review.status, in_review.attempt, in_review.version) == (
        Task.Status.REWORK,
        2,
        version + 1,
    )
    assert TaskEvent.objects.filter(task=in_review, action="qc_reject").count() == 1
    assert OutboxMessage.objects.filter(event_type=events.REJECTED).count() == 1
    inspection = Inspection.objects.get(task=in_review)
    assert (inspection.status, inspection.version) == (Inspection.Status.REJECTED, 2)
    assert list(inspection.defects.values_list("code", flat=True)) == ["open-seam"]


def test_the_bulk_endpoint_takes_qc_actions_each_task_on_its_own(
    organization, client_for, performer
):
    tasks = tasks_of(qc_deliverable(organization, {"sew": None, "embroider": None}))
    finish(tasks["cut"], performer)
    for node_key in ("sew", "embroider"):
        act(tasks[node_key], "start", performer)
        act(tasks[node_key], "submit", performer)
    act(tasks["embroider"], "qc_reject", member(organization, Role.QC_INSPECTOR), REJECTION)
    listed = [tasks["sew"], tasks["embroider"]]

    response = client_for(Role.QC_INSPECTOR).post(
        f"/api/v1/deliverables/{tasks['sew'].deliverable_id}/tasks/bulk-actions",
        {
            "action": "qc_accept",
            "payload": {"readings": []},
            "tasks": [{"id": task.pk, "expected_version": status_version(task)} for task in listed],
        },
        format="json",
    )

    results = response.json()["results"]
    assert [(r["id"], r["outcome"]) for r in results] == [
        (tasks["sew"].pk, "done"),
        (tasks["embroider"].pk, "failed"),  # in rework: nothing to accept
    ]
    assert results[1]["problem"]["status"] == 409
    assert status(tasks["sew"]) == Task.Status.DONE


def status_version(task: Task) -> int:
    return Task.objects.values_list("version", flat=True).get(pk=task.pk)


# --- the documented examples ---


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_qc_action_example_validates_against_its_openapi_schema(schema):
    operation = schema["paths"]["/api/v1/tasks/{id}/actions"]["post"]
    media = operation["requestBody"]["content"]["application/json"]
    documented = {name: example["value"] for name, example in media["examples"].items()}

    for spec in (QC_ACCEPT, QC_REJECT):
        name = spec.name.title().replace("_", "")  # qc_accept: QcAccept
        body = documented[name]
        assert body == spec.body_example()
        validate_example(body, schema, media)
        own = {"schema": {"$ref": f"#/components/schemas/{name}TaskActionRequest"}}
        validate_example(body, schema, own)
        assert ACTION_FORMS.by_action[spec.name](data=body).is_valid()


def test_the_examples_act_on_a_task_inspected_with_the_items_they_name(
    organization, client_for, performer
):
    items = [
        {"key": "seams", "kind": "pass_fail"},
        {"key": "chest-width", "kind": "numeric", "unit": "cm", "minimum": 50, "maximum": 54},
    ]
    tasks = tasks_of(qc_deliverable(organization, {"cut": checklist_version(organization, items)}))
    cut, inspector = tasks["cut"], client_for(Role.QC_INSPECTOR)

    for spec, then in ((QC_REJECT, "rework"), (QC_ACCEPT, "done")):
        act(cut, "start", performer)
        act(cut, "submit", performer)
        body = {**spec.body_example(), "expected_version": status_version(cut)}
        response = inspector.post(ACTIONS_PATH.format(id=cut.pk), body, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == then


# --- concurrency ---


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_reject_of_one_attempt_let_exactly_one_win(organization, in_review):
    inspectors = [member(organization, Role.QC_INSPECTOR) for _ in range(2)]
    version = status_version(in_review)
    decisions = [
        ("qc_accept", {"readings": PASSING_READINGS}),
        ("qc_reject", REJECTION),
    ]

    def decide():
        action, payload = decisions.pop()
        try:
            act(in_review, action, inspectors.pop(), payload, version=version)
        except StaleVersion:
            return "conflict"
        return action

    outcomes = run_concurrently(decide, 2)

    conflict, winner = sorted(outcomes)
    assert conflict == "conflict"
    inspection = Inspection.objects.get(task=in_review)
    assert inspection.status == {"qc_accept": "accepted", "qc_reject": "rejected"}[winner]
    assert inspection.version == 2
    assert TaskEvent.objects.filter(task=in_review, action__startswith="qc_").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_rejections_racing_at_the_threshold_escalate_once(organization, in_review, settings):
    settings.QC_ESCALATION_REJECTIONS = 1  # the first rejection reaches it
    inspectors = [member(organization, Role.QC_INSPECTOR) for _ in range(2)]
    version = status_version(in_review)

    def reject_one():
        try:
            act(in_review, "qc_reject", inspectors.pop(), REJECTION, version=version)
        except StaleVersion:
            return "conflict"
        return "rejected"

    assert sorted(run_concurrently(reject_one, 2)) == ["conflict", "rejected"]
    assert Escalation.objects.filter(task=in_review).count() == 1
    assert OutboxMessage.objects.filter(event_type=events.ESCALATED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_escalations_of_one_task_racing_in_two_transactions_make_one(in_review, inspector):
    def escalate():
        with transaction.atomic():
            return escalate_if_due(in_review, settings.QC_ESCALATION_REJECTIONS, inspector)

    escalations = run_concurrently(escalate, 2)

    assert sorted(escalation is None for escalation in escalations) == [False, True]
    assert Escalation.objects.filter(task=in_review).count() == 1
    assert OutboxMessage.objects.filter(event_type=events.ESCALATED).count() == 1
