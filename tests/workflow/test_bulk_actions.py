"""Bulk task actions: each task succeeds or fails alone, and bad input changes nothing."""

import uuid

import pytest

from config.roles import Role
from outbox.models import OutboxMessage
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.concurrency import run_concurrently
from tests.workflow.acting import act, act_while_holding, principal, status, tasks_of
from tests.workflow.factories import deliverable_with_tasks, independent_tasks, template_version
from workflow.actions import ACTIONS
from workflow.api.tasks import examples
from workflow.api.tasks.bulk import parse_bulk_action
from workflow.models import Allocation, Task, TaskEvent

pytestmark = pytest.mark.django_db

# cut → sew; label stands alone.
NODES, EDGES = ["cut", "label", "sew"], [("sew", "cut")]
# The deliverable's scope, the batch's savepoint (the test's transaction surrounds it), the
# listed tasks' scope, and re-reading the tasks acted on with their blockers.
FIXED_QUERIES = 6
# Starting one task: its savepoint and release, lock, blockers, update, history, outbox message.
QUERIES_PER_TASK = 8


@pytest.fixture
def deliverable(organization):
    return deliverable_with_tasks(organization, template_version(organization, NODES, EDGES))


@pytest.fixture
def tasks(deliverable) -> dict[str, Task]:
    return tasks_of(deliverable)


@pytest.fixture
def admin_client(client_for):
    return client_for(Role.ADMIN)


def bulk(client, deliverable_id: int, action: str, entries, payload=None, **headers):
    body = {"action": action, "tasks": entries, **({"payload": payload} if payload else {})}
    return client.post(
        f"/api/v1/deliverables/{deliverable_id}/tasks/bulk-actions", body, format="json", **headers
    )


def at_version(*tasks: Task, version: int = 1) -> list[dict]:
    return [{"id": task.pk, "expected_version": version} for task in tasks]


def state_of(tasks) -> dict:
    """Each task's status, version and history length, and how many messages it has sent."""
    return {
        task.pk: (
            *Task.objects.values_list("status", "version").get(pk=task.pk),
            TaskEvent.objects.filter(task=task).count(),
            OutboxMessage.objects.filter(aggregate_type="task", aggregate_id=str(task.pk)).count(),
        )
        for task in tasks
    }


def without_occurrence(problem: dict) -> dict:
    """A problem without what names this request rather than the failure."""
    return {key: value for key, value in problem.items() if key not in ("instance", "trace_id")}


# --- outcomes ---


def test_a_mixed_batch_answers_each_outcome_in_request_order_and_changes_only_the_successes(
    admin_client, admin, member, deliverable, tasks
):
    cut, label, sew = tasks["cut"], tasks["label"], tasks["sew"]
    act(label, "assign", admin, {"assign_to": member.pk})  # the batch read label before this
    before = state_of([label, sew])

    response = bulk(admin_client, deliverable.pk, "start", at_version(sew, label, cut))

    assert response.status_code == 200
    body = response.json()
    assert [(r["id"], r["outcome"]) for r in body["results"]] == [
        (sew.pk, "failed"),
        (label.pk, "failed"),
        (cut.pk, "done"),
    ]
    assert (body["succeeded"], body["failed"]) == (1, 2)
    blocked, stale, started = body["results"]
    assert (started["task"]["status"], started["task"]["version"], started["problem"]) == (
        "in_progress",
        2,
        None,
    )
    assert stale["task"] is None
    assert stale["problem"]["type"].endswith("/problems/version-conflict")
    assert (stale["problem"]["status"], stale["problem"]["current_version"]) == (409, 2)
    assert blocked["problem"]["type"].endswith("/problems/task-blocked")
    assert blocked["problem"]["blockers"] == [
        {"id": cut.pk, "node_key": "cut", "title": "Cut", "status": "in_progress"}
    ]
    assert state_of([label, sew]) == before
    assert (Task.objects.get(pk=cut.pk).status, cut.events.get().action) == ("in_progress", "start")


def test_a_failed_entry_carries_the_problem_the_single_action_answers(
    admin_client, admin, member, deliverable, tasks
):
    label, sew = tasks["label"], tasks["sew"]
    act(label, "assign", admin, {"assign_to": member.pk})

    results = bulk(admin_client, deliverable.pk, "start", at_version(label, sew)).json()["results"]
    singles = [
        admin_client.post(
            f"/api/v1/tasks/{task.pk}/actions",
            {"action": "start", "expected_version": 1},
            format="json",
        )
        for task in (label, sew)
    ]

    assert [single.status_code for single in singles] == [409, 409]
    assert [without_occurrence(result["problem"]) for result in results] == [
        without_occurrence(single.json()) for single in singles
    ]


def test_tasks_are_acted_on_in_id_order_whatever_the_order_listed(admin_client, organization):
    person = MembershipFactory(organization=organization, role=Role.AGENT).user  # capacity 1
    first, second = independent_tasks(organization, 2)

    response = bulk(
        admin_client,
        first.deliverable_id,
        "assign",
        at_version(second, first),
        {"assign_to": person.pk},
    )

    assert [r["outcome"] for r in response.json()["results"]] == ["failed", "done"]
    clash = response.json()["results"][0]["problem"]
    assert clash["type"].endswith("/problems/allocation-conflict")
    assert clash["clashes"][0]["task"]["id"] == first.pk
    assert Task.objects.get(pk=first.pk).assigned_to == person
    assert Task.objects.get(pk=second.pk).assigned_to is None


def test_a_task_refused_midway_keeps_what_it_had_while_the_others_go_on(
    admin_client, admin, organization
):
    first, second = independent_tasks(organization, 2)
    holder, newcomer = (MembershipFactory(organization=organization).user for _ in range(2))
    act(second, "assign", admin, {"assign_to": holder.pk})
    before = state_of([second])

    # Reassigning `second` releases its allocation first, then finds newcomer full: refused.
    response = bulk(
        admin_client,
        first.deliverable_id,
        "assign",
        [{"id": first.pk, "expected_version": 1}, {"id": second.pk, "expected_version": 2}],
        {"assign_to": newcomer.pk},
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert [r["outcome"] for r in response.json()["results"]] == ["done", "failed"]
    assert Allocation.objects.get(task=second, released_at__isnull=True).user == holder
    assert Task.objects.get(pk=second.pk).assigned_to == holder
    assert state_of([second]) == before
    assert Allocation.objects.get(task=first, released_at__isnull=True).user == newcomer


# --- Idempotency-Key ---


def test_the_same_key_and_body_replay_the_answer_and_change_nothing_more(
    admin_client, admin, member, deliverable, tasks
):
    act(tasks["label"], "assign", admin, {"assign_to": member.pk})
    entries = at_version(tasks["sew"], tasks["label"], tasks["cut"])
    key = str(uuid.uuid4())

    first = bulk(admin_client, deliverable.pk, "start", entries, HTTP_IDEMPOTENCY_KEY=key)
    after_first = state_of(tasks.values())
    retry = bulk(admin_client, deliverable.pk, "start", entries, HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert retry.json() == first.json()
    assert state_of(tasks.values()) == after_first


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(
    admin_client, deliverable, tasks
):
    key = str(uuid.uuid4())
    bulk(admin_client, deliverable.pk, "start", at_version(tasks["cut"]), HTTP_IDEMPOTENCY_KEY=key)
    before = state_of(tasks.values())

    other = bulk(
        admin_client, deliverable.pk, "start", at_version(tasks["label"]), HTTP_IDEMPOTENCY_KEY=key
    )

    assert other.status_code == 422
    assert other.json()["type"].endswith("/problems/idempotency-key-reused")
    assert state_of(tasks.values()) == before


# --- the envelope is checked before any task is touched ---


def test_a_batch_over_the_limit_is_refused_and_changes_nothing(
    admin_client, deliverable, tasks, settings
):
    settings.WORKFLOW_BULK_ACTION_LIMIT = 2
    before = state_of(tasks.values())

    response = bulk(admin_client, deliverable.pk, "start", at_version(*tasks.values()))

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/problems/bulk-limit-exceeded")
    assert problem["limit"] == 2
    assert problem["errors"][0]["pointer"] == "/tasks"
    assert state_of(tasks.values()) == before


def valid_body(tasks) -> dict:
    return {"action": "start", "tasks": at_version(tasks["cut"], tasks["label"])}


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"action": "paint"}, "/action"),
        ({"tasks": []}, "/tasks"),
        ({"tasks": "all"}, "/tasks"),
        ({"tasks": [{"id": 1}]}, "/tasks/0/expected_version"),
        ({"tasks": [{"id": 1, "expected_version": 0}]}, "/tasks/0/expected_version"),
        ({"tasks": [{"id": 1, "expected_version": 1}] * 2}, "/tasks/1/id"),
        ({"action": "cancel", "payload": {}}, "/payload/reason"),
        ({"client_event_id": str(uuid.uuid4())}, "/client_event_id"),
        ({"expected_version": 1}, "/expected_version"),
    ],
    ids=[
        "unknown-action",
        "no-tasks",
        "tasks-not-a-list",
        "version-missing",
        "version-zero",
        "listed-twice",
        "payload-invalid",
        "client-event-id",
        "one-version-for-all",
    ],
)
def test_an_invalid_envelope_is_refused_and_changes_nothing(
    admin_client, deliverable, tasks, changes, pointer
):
    before = state_of(tasks.values())

    response = admin_client.post(
        f"/api/v1/deliverables/{deliverable.pk}/tasks/bulk-actions",
        {**valid_body(tasks), **changes},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("/problems/validation-error")
    assert pointer in [error["pointer"] for error in response.json()["errors"]]
    assert state_of(tasks.values()) == before


def test_the_documented_request_examples_are_valid_batches():
    for example in examples.bulk_request_examples(ACTIONS):
        command = parse_bulk_action(example.value)
        assert [entry.task_id for entry in command.tasks] == [
            task["id"] for task in example.value["tasks"]
        ]


# --- who may, and whose tasks ---


def test_a_task_of_another_organization_or_deliverable_fails_alone_with_404(
    admin_client, organization, deliverable, tasks
):
    elsewhere = OrganizationFactory()
    foreign = tasks_of(deliverable_with_tasks(elsewhere, template_version(elsewhere)))["cut"]
    sibling = tasks_of(deliverable_with_tasks(organization))["cut"]
    before = state_of([foreign, sibling])

    response = bulk(
        admin_client, deliverable.pk, "start", at_version(foreign, tasks["cut"], sibling)
    )

    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["failed", "done", "failed"]
    for missing in (results[0], results[2]):
        assert missing["problem"]["status"] == 404
        assert missing["problem"]["type"].endswith("/problems/not-found")
        assert "Cut" not in str(missing["problem"])
    assert state_of([foreign, sibling]) == before


def test_another_organizations_deliverable_is_404_and_nothing_changes(admin_client):
    elsewhere = OrganizationFactory()
    foreign = deliverable_with_tasks(elsewhere, template_version(elsewhere))
    before = state_of(foreign.tasks.all())

    response = bulk(admin_client, foreign.pk, "start", at_version(*foreign.tasks.all()))

    assert response.status_code == 404
    assert response.json()["type"].endswith("/problems/not-found")
    assert state_of(foreign.tasks.all()) == before


def test_a_role_that_may_not_take_the_action_is_refused_for_the_whole_batch(
    client_for, deliverable, tasks
):
    before = state_of(tasks.values())
    reason = {"reason": "Not needed"}

    cancel_as_agent = bulk(
        client_for(Role.AGENT), deliverable.pk, "cancel", at_version(tasks["cut"]), reason
    )
    start_as_viewer = bulk(
        client_for(Role.VIEWER), deliverable.pk, "start", at_version(tasks["cut"])
    )

    assert (cancel_as_agent.status_code, start_as_viewer.status_code) == (403, 403)
    assert cancel_as_agent.json()["detail"] == "Your role (agent) may not cancel tasks."
    assert state_of(tasks.values()) == before


def test_an_agent_takes_the_actions_its_role_allows(client_for, deliverable, tasks):
    response = bulk(client_for(Role.AGENT), deliverable.pk, "start", at_version(tasks["cut"]))

    assert response.json()["succeeded"] == 1


# --- cost and concurrency ---


def test_each_task_costs_a_bounded_number_of_queries(
    admin_client, organization, django_assert_max_num_queries
):
    few, many = independent_tasks(organization, 2), independent_tasks(organization, 8)
    admin_client.get("/api/v1/me")  # the key's cache entry, as any later request finds it

    with django_assert_max_num_queries(FIXED_QUERIES + 2 * QUERIES_PER_TASK):
        assert (
            bulk(admin_client, few[0].deliverable_id, "start", at_version(*few)).status_code == 200
        )
    with django_assert_max_num_queries(FIXED_QUERIES + 8 * QUERIES_PER_TASK):
        assert (
            bulk(admin_client, many[0].deliverable_id, "start", at_version(*many)).json()[
                "succeeded"
            ]
            == 8
        )


@pytest.mark.django_db(transaction=True)
def test_two_batches_listing_the_same_tasks_in_opposite_orders_do_not_deadlock(
    organization, client_for
):
    tasks = independent_tasks(organization, 30)
    batches = [
        (client_for(Role.ADMIN), at_version(*tasks)),
        (client_for(Role.ADMIN), at_version(*reversed(tasks))),
    ]

    def run_batch():
        client, entries = batches.pop()
        response = bulk(client, tasks[0].deliverable_id, "start", entries)
        assert response.status_code == 200, response.content
        return response.json()["succeeded"]

    succeeded = run_concurrently(run_batch, 2)

    assert sum(succeeded) == 30
    assert TaskEvent.objects.filter(task__in=tasks, action="start").count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_batch_takes_its_task_locks_before_a_settling_task_locks_the_deliverable(
    organization, client_for
):
    first, second = independent_tasks(organization, 2)
    admin = principal(organization)
    for task in (first, second):
        act(task, "start", admin)

    single = act_while_holding(second, "complete", admin)
    # Locking `first` then the deliverable (first settles) before waiting for `second` would
    # meet the single action, which holds `second` and wants the deliverable: a deadlock.
    response = bulk(
        client_for(Role.ADMIN),
        first.deliverable_id,
        "complete",
        at_version(first, second, version=2),
    )
    single.join()

    assert response.status_code == 200, response.content
    outcomes = [result["outcome"] for result in response.json()["results"]]
    assert outcomes == ["done", "failed"]  # second was completed by the single action first
    assert {status(first), status(second)} == {Task.Status.DONE}


@pytest.mark.django_db(transaction=True)
def test_a_batch_takes_the_locks_of_its_tasks_dependents_before_the_deliverable(
    organization, client_for
):
    deliverable = deliverable_with_tasks(
        organization, template_version(organization, ["t1", "t2", "after-t2"], [("after-t2", "t2")])
    )
    tasks = tasks_of(deliverable)
    admin = principal(organization)
    for key in ("t1", "t2"):
        act(tasks[key], "start", admin)

    single = act_while_holding(tasks["after-t2"], "cancel", admin, {"reason": "Not needed"})
    # Completing t1 locks the deliverable; completing t2 then locks its dependent, which the
    # cancel holds while it waits for the deliverable: a deadlock, unless the batch locked the
    # dependent first.
    response = bulk(
        client_for(Role.ADMIN),
        deliverable.pk,
        "complete",
        at_version(tasks["t1"], tasks["t2"], version=2),
    )
    single.join()

    assert response.status_code == 200, response.content
    assert [r["outcome"] for r in response.json()["results"]] == ["done", "done"]
    assert status(tasks["after-t2"]) == Task.Status.CANCELLED
