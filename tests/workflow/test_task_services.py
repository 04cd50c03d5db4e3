import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from config.actions import ClientEventIdReused, InvalidTransition
from config.api.conditional import StaleVersion
from config.roles import Role
from outbox.models import OutboxMessage
from tests.accounts.factories import MembershipFactory
from tests.concurrency import run_concurrently
from tests.workflow.acting import act, finish, principal, status, tasks_of
from tests.workflow.factories import deliverable_with_tasks, project_with, template_version
from workflow.actions import ACTIONS
from workflow.exceptions import InvalidAssignee, TaskBlocked
from workflow.models import Task, TaskDependency, TaskEvent
from workflow.services.bootstrap import start_deliverable
from workflow.services.templates import publish_version

S = Task.Status


def test_tasks_without_blockers_start_ready_and_the_others_blocked(garment):
    assert {key: task.status for key, task in garment.items()} == {
        "cut": S.READY,
        "sew": S.BLOCKED,
        "embroider": S.BLOCKED,
        "press": S.BLOCKED,
        "pack": S.BLOCKED,
    }


def test_completing_a_blocker_makes_each_freed_dependent_ready_with_one_event(garment, admin):
    finish(garment["cut"], admin)

    assert status(garment["sew"]) == status(garment["embroider"]) == S.READY
    assert status(garment["press"]) == S.BLOCKED
    unblocks = TaskEvent.objects.filter(action="unblock")
    assert sorted(unblocks.values_list("task__node_key", flat=True)) == ["embroider", "sew"]
    assert OutboxMessage.objects.filter(event_type="task.unblocked").count() == 2


def test_a_task_becomes_ready_only_when_its_last_blocker_completes(garment, admin):
    finish(garment["cut"], admin)
    finish(garment["sew"], admin)
    assert status(garment["press"]) == S.BLOCKED

    finish(garment["embroider"], admin)

    assert status(garment["press"]) == S.READY


def test_starting_a_blocked_task_names_its_open_blockers(garment, admin):
    with pytest.raises(TaskBlocked) as refused:
        act(garment["press"], "start", admin)

    blockers = refused.value.extensions["blockers"]
    assert [(b["node_key"], b["status"]) for b in blockers] == [
        ("sew", S.BLOCKED),
        ("embroider", S.BLOCKED),
    ]
    assert {"id", "title"} <= set(blockers[0])
    assert status(garment["press"]) == S.BLOCKED


ALLOWED = {
    S.BLOCKED: {"cancel"},
    S.READY: {"start", "cancel"},
    S.IN_PROGRESS: {"complete", "cancel"},
    S.IN_REVIEW: {"cancel"},
    S.DONE: {"reopen"},
    S.REOPENED: {"start", "cancel"},
    S.CANCELLED: set(),
}
TRANSITIONS = ["start", "submit", "complete", "reopen", "cancel"]
REASON = {"reason": "test"}


def task_in(organization, state: str, actor) -> Task:
    """A task brought to `state` through the services (`q` requires QC; `b` waits for `a`)."""
    version = template_version(organization, ["a", "b", "q"], [("b", "a")], requires_qc=("q",))
    tasks = tasks_of(deliverable_with_tasks(organization, version))
    task = tasks["b" if state == S.BLOCKED else "q" if state == S.IN_REVIEW else "a"]
    path = {
        S.IN_PROGRESS: ["start"],
        S.IN_REVIEW: ["start", "submit"],
        S.DONE: ["start", "complete"],
        S.REOPENED: ["start", "complete", "reopen"],
        S.CANCELLED: ["cancel"],
    }.get(state, [])
    for action in path:
        act(task, action, actor, REASON if action in ("reopen", "cancel") else None)
    assert status(task) == state
    return task


@pytest.mark.parametrize("state", list(ALLOWED))
@pytest.mark.parametrize("action", TRANSITIONS)
def test_every_transition_is_allowed_or_refused_by_the_state_machine(
    organization, admin, state, action
):
    task = task_in(organization, state, admin)
    payload = REASON if action in ("reopen", "cancel") else None

    if action in ALLOWED[state]:
        act(task, action, admin, payload)
        assert status(task) != state
    else:
        refusal = TaskBlocked if (state, action) == (S.BLOCKED, "start") else InvalidTransition
        with pytest.raises(refusal):
            act(task, action, admin, payload)
        assert status(task) == state


def test_a_task_that_requires_qc_is_submitted_to_review_and_cannot_be_completed(
    organization, admin
):
    version = template_version(organization, ["sew"], [], requires_qc=("sew",))
    sew = tasks_of(deliverable_with_tasks(organization, version))["sew"]
    act(sew, "start", admin)

    with pytest.raises(InvalidTransition):
        act(sew, "complete", admin)
    act(sew, "submit", admin)

    assert status(sew) == S.IN_REVIEW


def test_reopening_sends_not_started_dependents_back_and_marks_started_ones_stale(garment, admin):
    finish(garment["cut"], admin)
    act(garment["sew"], "start", admin)  # started; embroider stays ready

    act(garment["cut"], "reopen", admin, {"reason": "Wrong fabric"})

    assert status(garment["cut"]) == S.REOPENED
    assert status(garment["embroider"]) == S.BLOCKED
    sew = Task.objects.get(pk=garment["sew"].pk)
    assert (sew.status, sew.stale) == (S.IN_PROGRESS, True)
    stale_event = OutboxMessage.objects.get(event_type="task.upstream_reopened")
    assert stale_event.payload["task"]["id"] == sew.pk
    assert stale_event.payload["reason"] == "Wrong fabric"


def test_reopened_work_waits_while_its_upstream_is_being_redone(garment, admin):
    finish(garment["cut"], admin)
    finish(garment["sew"], admin)
    act(garment["cut"], "reopen", admin, {"reason": "Re-cut"})
    act(garment["sew"], "reopen", admin, {"reason": "Follows the re-cut"})

    with pytest.raises(TaskBlocked):
        act(garment["sew"], "start", admin)
    sew = Task.objects.get(pk=garment["sew"].pk)
    assert "start" not in ACTIONS.allowed(sew, admin)
    finish(garment["cut"], admin)
    act(garment["sew"], "start", admin)

    sew = Task.objects.get(pk=garment["sew"].pk)
    assert (sew.status, sew.stale) == (S.IN_PROGRESS, False)


def test_a_blocked_task_changes_version_when_one_of_its_blockers_settles(garment, admin):
    finish(garment["cut"], admin)
    before = Task.objects.get(pk=garment["press"].pk).version

    finish(garment["sew"], admin)  # press still waits for embroider

    press = Task.objects.get(pk=garment["press"].pk)
    assert (press.status, press.version) == (S.BLOCKED, before + 1)
    assert TaskEvent.objects.filter(task=press, action="blocker_settled").count() == 1


def test_a_done_dependent_of_a_reopened_task_stays_done_but_is_flagged(garment, admin):
    finish(garment["cut"], admin)
    finish(garment["sew"], admin)

    act(garment["cut"], "reopen", admin, {"reason": "Re-cut"})

    sew = Task.objects.get(pk=garment["sew"].pk)
    assert (sew.status, sew.stale) == (S.DONE, True)


def test_a_cancelled_blocker_no_longer_holds_its_dependents(organization, admin):
    version = template_version(organization, ["a", "b"], [("b", "a")])
    tasks = tasks_of(deliverable_with_tasks(organization, version))

    act(tasks["a"], "cancel", admin, {"reason": "Not needed"})

    assert status(tasks["b"]) == S.READY


def test_assign_keeps_the_status_and_checks_the_assignee(garment, admin, organization):
    agent = MembershipFactory(organization=organization, role=Role.AGENT).user
    viewer = MembershipFactory(organization=organization, role=Role.VIEWER).user
    cut = garment["cut"]

    act(cut, "assign", admin, {"assign_to": agent.pk})
    with pytest.raises(InvalidAssignee):
        act(cut, "assign", admin, {"assign_to": viewer.pk})

    cut.refresh_from_db()
    assert (cut.status, cut.assigned_to_id, cut.version) == (S.READY, agent.pk, 2)
    assert OutboxMessage.objects.filter(event_type="task.assigned").count() == 1


def test_viewers_may_not_act_and_agents_may_not_reopen(garment, organization, admin):
    viewer, agent = principal(organization, Role.VIEWER), principal(organization, Role.AGENT)
    with pytest.raises(PermissionDenied):
        act(garment["cut"], "start", viewer)
    finish(garment["cut"], agent)
    with pytest.raises(PermissionDenied):
        act(garment["cut"], "reopen", agent, {"reason": "again"})


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_only_admins_publish_templates_and_start_deliverables_whatever_the_way_in(
    organization, role
):
    draft = template_version(organization, ["cut"], [], published=False)
    project = project_with(organization)
    caller = principal(organization, role)

    with pytest.raises(PermissionDenied, match=f"Your role \\({role}\\) may not publish"):
        publish_version(version_id=draft.pk, actor=caller, expected_version=1)
    with pytest.raises(PermissionDenied):
        start_deliverable(project_id=project.pk, actor=caller, name="Order")
    assert project.deliverables.count() == 0


def test_a_stale_version_changes_nothing(garment, admin):
    with pytest.raises(StaleVersion):
        act(garment["cut"], "start", admin, version=7)
    assert status(garment["cut"]) == S.READY


def test_a_client_event_id_replays_and_refuses_a_different_action(garment, admin):
    event_id = uuid.uuid4()
    first = act(garment["cut"], "start", admin, client_event_id=event_id, version=1)
    replay = act(garment["cut"], "start", admin, client_event_id=event_id, version=1)

    assert (first.replayed, replay.replayed) == (False, True)
    assert replay.aggregate.version == 2
    with pytest.raises(ClientEventIdReused):
        act(garment["cut"], "complete", admin, client_event_id=event_id)
    assert TaskEvent.objects.filter(task=garment["cut"]).count() == 1


def test_the_database_refuses_a_status_change_without_its_task_event(garment):
    cut = garment["cut"]
    refused = pytest.raises(IntegrityError, match="without its task event")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflow_task SET status = 'done', version = version + 1 WHERE id = %s",
            [cut.pk],
        )
        # The check waits for the commit, which the test transaction never reaches: ask now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert status(cut) == S.READY


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("version = version - 1", "cannot go back"),
        ("stale = true", "without a new version"),
        ("deliverable_id = deliverable_id + 1", "another deliverable"),
    ],
)
def test_the_database_refuses_a_task_change_that_does_not_move_it_forward(
    garment, admin, change, refusal
):
    act(garment["cut"], "start", admin)
    refused = pytest.raises(IntegrityError, match=refusal)
    with refused, transaction.atomic(), connection.cursor() as cursor:
        statement = f"UPDATE workflow_task SET {change} WHERE id = %s"  # noqa: S608 (fixed texts)
        cursor.execute(statement, [garment["cut"].pk])


def test_task_history_is_append_only_in_the_database(garment, admin):
    act(garment["cut"], "start", admin)
    refused = pytest.raises(IntegrityError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM workflow_taskevent WHERE task_id = %s", [garment["cut"].pk])


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_actions_from_one_version_yield_one_success(organization):
    cut = tasks_of(deliverable_with_tasks(organization))["cut"]
    admin = principal(organization)

    def start():
        try:
            act(cut, "start", admin, version=1)
        except StaleVersion:
            return "stale"
        return "started"

    outcomes = run_concurrently(start, 10)

    assert sorted(outcomes) == ["stale"] * 9 + ["started"]
    assert TaskEvent.objects.filter(task=cut).count() == 1


def complete_one_of(first: Task, second: Task, actor):
    """A job for two threads: each completes one of the two tasks."""
    queue = [first, second]
    return lambda: act(queue.pop(), "complete", actor)


@pytest.mark.django_db(transaction=True)
def test_two_blockers_completing_at_once_make_their_dependent_ready_exactly_once(organization):
    version = template_version(organization, ["a", "b", "join"], [("join", "a"), ("join", "b")])
    admin = principal(organization)
    for _ in range(5):
        tasks = tasks_of(deliverable_with_tasks(organization, version))
        for blocker in (tasks["a"], tasks["b"]):
            act(blocker, "start", admin)
        run_concurrently(complete_one_of(tasks["a"], tasks["b"], admin), 2)

        join = tasks["join"]
        assert status(join) == S.READY
        assert TaskEvent.objects.filter(task=join, action="unblock").count() == 1


def deliverable_started(organization, version):
    project = project_with(organization, version)
    return start_deliverable(project_id=project.pk, actor=principal(organization), name="Order")


def published_through_the_service(organization, nodes, edges):
    """A version published by publish_version, which ranks its tasks in dependency order."""
    version = template_version(organization, nodes, edges, published=False)
    return publish_version(version_id=version.pk, actor=principal(organization), expected_version=1)


def test_a_deliverables_tasks_get_ids_in_dependency_order_whatever_the_templates_order(
    organization,
):
    """Locks go from a task to its dependents by id; with ids in this order they never cycle."""
    # Listed dependents first: "c" waits for "d", which waits for "a".
    version = published_through_the_service(
        organization, ["c", "d", "a"], [("c", "a"), ("d", "a"), ("c", "d")]
    )
    deliverable = deliverable_started(organization, version)

    edges = TaskDependency.objects.filter(task__deliverable=deliverable)
    assert edges.count() == 3
    assert all(edge.depends_on_id < edge.task_id for edge in edges)
