"""`manage.py workflow_check`: stored task states against dependencies and history, and repairs."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from outbox.models import OutboxMessage
from tests.workflow.acting import act, finish, status
from tests.workflow.factories import GARMENT_NODES, deliverable_with_tasks, template_version
from workflow.checks import Problem, find_inconsistencies
from workflow.management.commands.workflow_check import DRIFT_WARNING
from workflow.models import Deliverable, Task, TaskEvent

S = Task.Status


def check(*options) -> tuple[int, str]:
    """Run the command; return its exit code and what it printed."""
    out = io.StringIO()
    try:
        call_command("workflow_check", *options, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def move_with_a_buggy_service(task: Task, to_status: str) -> None:
    """Change the status with its event, as a service that forgot the dependencies would."""
    from_status = status(task)
    Task.objects.filter(pk=task.pk).update(status=to_status, version=F("version") + 1)
    task.refresh_from_db()
    TaskEvent.record(task, action="buggy", actor=None, from_status=from_status)


def change_around_the_services(task: Task, **columns) -> None:
    """Change a task with no event, past the database's guard, as a hand-written UPDATE would."""
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while checks are pending: run them now, and defer again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE workflow_task DISABLE TRIGGER USER")
        Task.objects.filter(pk=task.pk).update(**columns)
        cursor.execute("ALTER TABLE workflow_task ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def assert_the_database_accepts_the_changes() -> None:
    """Run the commit-time check now: every change must have its task event."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def last_event(task: Task) -> TaskEvent:
    return TaskEvent.objects.filter(task=task).latest("version_after")


def snapshot() -> dict:
    return {
        "tasks": sorted(Task.objects.values_list("id", "status", "version")),
        "events": TaskEvent.objects.count(),
        "messages": OutboxMessage.objects.count(),
    }


@pytest.fixture
def broken(garment, admin):
    """Cut done; sew wrongly blocked, press wrongly ready, embroider started around the services."""
    finish(garment["cut"], admin)
    move_with_a_buggy_service(garment["sew"], S.BLOCKED)
    move_with_a_buggy_service(garment["press"], S.READY)
    change_around_the_services(garment["embroider"], status=S.IN_PROGRESS)
    return garment


def test_a_blocked_task_whose_blockers_are_done_is_repaired_to_ready_with_an_event(garment, admin):
    finish(garment["cut"], admin)
    sew = garment["sew"]
    move_with_a_buggy_service(sew, S.BLOCKED)

    code, output = check("--repair")

    assert code == 0
    assert f"task {sew.pk} (sew): should_be_ready" in output
    assert "1 finding(s), 1 repaired" in output
    sew.refresh_from_db()
    event = last_event(sew)
    assert (sew.status, sew.version) == (S.READY, 4)
    assert (event.action, event.from_status, event.to_status) == (
        "repair_unblock",
        S.BLOCKED,
        S.READY,
    )
    assert event.version_after == sew.version
    assert (event.actor_user_id, event.actor_label) == (None, "system")
    assert event.payload == {"reason": "workflow_check"}
    message = OutboxMessage.objects.filter(
        event_type="task.unblocked", aggregate_id=str(sew.pk)
    ).latest("id")
    assert message.payload["reason"] == "workflow_check"
    assert message.payload["task"]["status"] == S.READY
    assert_the_database_accepts_the_changes()


def test_a_ready_task_with_an_open_blocker_is_repaired_to_blocked(garment):
    sew = garment["sew"]
    move_with_a_buggy_service(sew, S.READY)

    code, output = check("--repair")

    assert code == 0
    assert f"task {sew.pk} (sew): should_be_blocked: stored ready, but waits for task(s) " in output
    sew.refresh_from_db()
    event = last_event(sew)
    assert (sew.status, sew.version) == (S.BLOCKED, 3)
    assert (event.action, event.to_status, event.version_after) == ("repair_block", S.BLOCKED, 3)
    assert event.payload == {"reason": "workflow_check"}
    assert_the_database_accepts_the_changes()


def test_a_status_changed_around_the_services_is_history_drift_repaired_by_a_record(garment, admin):
    cut = garment["cut"]
    act(cut, "start", admin)
    change_around_the_services(cut, status=S.DONE)

    code, output = check("--repair")

    assert code == 0
    assert f"task {cut.pk} (cut): history_drift: stored done v2, but its history ends at " in output
    assert DRIFT_WARNING in output
    cut.refresh_from_db()
    event = last_event(cut)
    assert (cut.status, cut.version) == (S.DONE, 3)
    assert (event.action, event.from_status, event.to_status) == (
        "repair_record",
        S.IN_PROGRESS,
        S.DONE,
    )
    assert event.version_after == 3
    assert event.payload["reason"] == "workflow_check"
    assert OutboxMessage.objects.filter(
        event_type="task.status_changed", aggregate_id=str(cut.pk), payload__action="repair_record"
    ).exists()
    # Recording cut done frees its dependents as any completion would.
    assert status(garment["sew"]) == status(garment["embroider"]) == S.READY
    assert TaskEvent.objects.filter(task=garment["sew"], action="unblock").exists()
    assert_the_database_accepts_the_changes()


def test_recording_the_last_task_done_makes_the_deliverable_ready_for_signoff(garment, admin):
    for key in GARMENT_NODES[:-1]:
        finish(garment[key], admin)
    last = garment[GARMENT_NODES[-1]]
    act(last, "start", admin)
    change_around_the_services(last, status=S.DONE)

    code, _ = check("--repair")

    assert code == 0
    deliverable = Deliverable.objects.get(pk=last.deliverable_id)
    assert deliverable.status == Deliverable.Status.READY_FOR_SIGNOFF
    assert OutboxMessage.objects.filter(
        event_type="deliverable.ready_for_signoff", aggregate_id=str(deliverable.pk)
    ).exists()


def test_a_version_set_back_below_its_history_is_recorded_past_the_last_event(garment, admin):
    cut = garment["cut"]
    finish(cut, admin)
    change_around_the_services(cut, version=2)

    code, _ = check("--repair")

    assert code == 0
    cut.refresh_from_db()
    assert (cut.version, last_event(cut).version_after, last_event(cut).to_status) == (4, 4, S.DONE)
    assert_the_database_accepts_the_changes()


def test_a_task_without_events_must_be_not_started_at_version_one(garment):
    change_around_the_services(garment["cut"], status=S.IN_PROGRESS)

    code, output = check()

    assert code == 1
    assert "(cut): history_drift: stored in_progress v1, but it has no events" in output


def test_a_consistent_deliverable_reports_nothing_and_exits_0(garment, admin):
    finish(garment["cut"], admin)
    act(garment["sew"], "start", admin)

    code, output = check()

    assert code == 0
    assert output.splitlines() == [
        "checked 1 deliverable(s): 0 finding(s), 0 repaired, 0 failed, 0 history drift"
    ]


def test_without_repair_every_finding_is_reported_nothing_changes_and_the_exit_code_is_1(broken):
    before = snapshot()

    code, output = check()

    assert code == 1
    assert [line.split(": ")[1] for line in output.splitlines()[:3]] == [
        Problem.HISTORY_DRIFT,
        Problem.SHOULD_BE_READY,
        Problem.SHOULD_BE_BLOCKED,
    ]
    assert "(embroider)" in output.splitlines()[0]
    assert "3 finding(s), 0 repaired, 0 failed, 1 history drift" in output
    assert snapshot() == before


def test_repairing_twice_finds_nothing_the_second_time(broken):
    first_code, first = check("--repair")
    second_code, second = check("--repair")

    assert (first_code, second_code) == (0, 0)
    assert "3 finding(s), 3 repaired" in first
    assert "0 finding(s)" in second
    assert [status(broken[key]) for key in ("sew", "embroider", "press")] == [
        S.READY,
        S.IN_PROGRESS,
        S.BLOCKED,
    ]
    assert_the_database_accepts_the_changes()


def test_deliverable_option_checks_only_that_deliverable(organization, broken):
    consistent = deliverable_with_tasks(organization)

    assert check("--deliverable", str(consistent.pk))[0] == 0
    assert check("--deliverable", str(broken["cut"].deliverable_id))[0] == 1
    assert check("--deliverable", "0")[0] == 2


def test_the_check_reads_a_deliverable_in_two_statements_whatever_its_size(
    organization, django_assert_num_queries
):
    nodes = [f"step-{n}" for n in range(12)]
    chain = template_version(organization, nodes, list(zip(nodes[1:], nodes, strict=False)))
    deliverable = deliverable_with_tasks(organization, chain)

    with django_assert_num_queries(2):
        assert find_inconsistencies(deliverable.pk) == []
