import pytest
from django.db import IntegrityError, transaction

from accounts.models import Membership
from config.roles import Role
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.concurrency import run_concurrently
from tests.problems import assert_problem
from tests.workflow.acting import act, assign, finish, principal, tasks_of
from tests.workflow.factories import (
    MONDAY,
    TUESDAY,
    deliverable_with_tasks,
    independent_tasks,
    template_version,
    worker,
)
from workflow.exceptions import AllocationConflict
from workflow.models import Allocation, Task, TaskEvent

MONDAY_NOON_TO_TUESDAY_NOON = {
    "start": "2026-12-07T12:00:00+00:00",
    "end": "2026-12-08T12:00:00+00:00",
}


def test_capacity_one_refuses_an_overlapping_window_and_accepts_an_adjacent_one(
    organization, admin
):
    person = worker(organization)
    first, clashing, adjacent = independent_tasks(organization, 3)
    assign(first, person, MONDAY, admin)

    with pytest.raises(AllocationConflict) as refused:
        assign(clashing, person, MONDAY_NOON_TO_TUESDAY_NOON, admin)
    assign(adjacent, person, TUESDAY, admin)

    clash = refused.value.extensions["clashes"][0]
    assert clash["task"]["node_key"] == "job-0"
    assert clash["window"] == MONDAY
    clashing.refresh_from_db()
    assert (clashing.assigned_to_id, clashing.version) == (None, 1)
    assert Allocation.objects.filter(user=person, released_at__isnull=True).count() == 2


def test_capacity_two_accepts_two_overlapping_tasks_and_refuses_the_third(organization, admin):
    person = worker(organization, capacity=2)
    tasks = independent_tasks(organization, 3)
    assign(tasks[0], person, MONDAY, admin)
    assign(tasks[1], person, MONDAY_NOON_TO_TUESDAY_NOON, admin)

    with pytest.raises(AllocationConflict) as refused:
        assign(tasks[2], person, MONDAY, admin)

    assert refused.value.extensions["capacity"] == 2
    assert {c["task"]["node_key"] for c in refused.value.extensions["clashes"]} == {
        "job-0",
        "job-1",
    }


def test_no_window_holds_the_member_all_the_time(organization, admin):
    person = worker(organization)
    first, second = independent_tasks(organization, 2)
    assign(first, person, actor=admin)

    with pytest.raises(AllocationConflict):
        assign(second, person, TUESDAY, admin)


def test_completing_unassigning_and_cancelling_release_the_allocation(organization, admin):
    person = worker(organization, capacity=3)
    done, dropped, cancelled = independent_tasks(organization, 3)
    for task in (done, dropped, cancelled):
        assign(task, person, MONDAY, admin)

    finish(done, admin)
    act(dropped, "unassign", admin)
    act(cancelled, "cancel", admin, {"reason": "Not needed"})

    assert Allocation.objects.filter(released_at__isnull=True).count() == 0
    assert Allocation.objects.filter(released_at__isnull=False).count() == 3


def test_reassigning_moves_the_allocation_in_one_event(organization, admin):
    first_person, second_person = worker(organization), worker(organization)
    (task,) = independent_tasks(organization, 1)
    assign(task, first_person, MONDAY, admin)

    assign(task, second_person, TUESDAY, admin)

    open_allocation = Allocation.objects.get(task=task, released_at__isnull=True)
    assert open_allocation.user == second_person
    assert Allocation.objects.get(task=task, user=first_person).released_at is not None
    assert TaskEvent.objects.filter(task=task, action="assign").count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_assigns_of_one_person_over_one_window_let_exactly_one_win(
    organization,
):
    person = worker(organization)
    admin = principal(organization)
    tasks = independent_tasks(organization, 20)

    def assign_one():
        try:
            assign(tasks.pop(), person, MONDAY, admin, version=1)
        except AllocationConflict:
            return "refused"
        return "assigned"

    outcomes = run_concurrently(assign_one, 20)

    assert sorted(outcomes) == ["assigned"] + ["refused"] * 19
    assert Allocation.objects.filter(user=person, released_at__isnull=True).count() == 1
    assert Task.objects.filter(assigned_to=person).count() == 1


def test_the_database_refuses_an_allocation_past_capacity_that_skips_the_service(
    organization, admin
):
    person = worker(organization)
    first, second = independent_tasks(organization, 2)
    assign(first, person, MONDAY, admin)
    held = Allocation.objects.get(task=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            organization=organization,
            task=second,
            user=person,
            slot=held.slot,
            window_start=held.window_start,
            window_end=held.window_end,
            allocated_by_label="sql",
        )


def test_assign_over_http_answers_a_clash_with_the_allocation_conflict_problem(
    client_for, organization
):
    person = worker(organization)
    first, second = independent_tasks(organization, 2)
    admin = client_for(Role.ADMIN)

    def assign_over_http(task):
        return admin.post(
            f"/api/v1/tasks/{task.pk}/actions",
            {
                "action": "assign",
                "payload": {"assign_to": person.pk, "window": MONDAY},
                "expected_version": 1,
            },
            format="json",
        )

    assert assign_over_http(first).status_code == 200
    refused = assign_over_http(second)

    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/problems/allocation-conflict")
    assert refused.json()["clashes"][0]["task"]["id"] == first.pk
    assert Membership.objects.get(user=person).capacity == 1


@pytest.fixture
def elsewhere():
    """Another organization, with a task whose key, title and window must never leak."""
    other = OrganizationFactory()
    version = template_version(other, ["secret-survey"], [])
    return tasks_of(deliverable_with_tasks(other, version))["secret-survey"]


def member_of_both(organization, other_task, capacity: int = 1):
    """A worker of `organization` who also belongs to the other task's organization."""
    person = worker(organization, capacity=capacity)
    MembershipFactory(
        user=person, organization=other_task.organization, role=Role.AGENT, capacity=capacity
    )
    return person


def test_a_task_held_in_another_organization_takes_no_slot_here(organization, admin, elsewhere):
    person = member_of_both(organization, elsewhere)
    assign(elsewhere, person, MONDAY, principal(elsewhere.organization))
    (task,) = independent_tasks(organization, 1)

    assign(task, person, MONDAY, admin)

    held = Allocation.objects.filter(user=person, released_at__isnull=True)
    assert sorted(held.values_list("organization_id", "task_id")) == sorted(
        [(elsewhere.organization_id, elsewhere.pk), (organization.pk, task.pk)]
    )


def test_a_clash_at_capacity_names_only_this_organizations_tasks(
    client_for, organization, admin, elsewhere
):
    person = member_of_both(organization, elsewhere)
    assign(elsewhere, person, MONDAY_NOON_TO_TUESDAY_NOON, principal(elsewhere.organization))
    held, refused_task = independent_tasks(organization, 2)
    assign(held, person, MONDAY, admin)

    refused = client_for(Role.ADMIN).post(
        f"/api/v1/tasks/{refused_task.pk}/actions",
        {
            "action": "assign",
            "payload": {"assign_to": person.pk, "window": MONDAY_NOON_TO_TUESDAY_NOON},
            "expected_version": 1,
        },
        format="json",
    )

    body = assert_problem(refused, 409, "allocation-conflict")
    assert body["capacity"] == 1
    assert body["clashes"] == [
        {"task": {"id": held.pk, "node_key": "job-0", "title": held.title}, "window": MONDAY}
    ]
    text = refused.content.decode()
    assert "secret-survey" not in text and "Secret Survey" not in text
    assert MONDAY_NOON_TO_TUESDAY_NOON["start"] not in text


def test_the_database_counts_capacity_slots_per_organization(organization, admin, elsewhere):
    person = member_of_both(organization, elsewhere)
    first, second = independent_tasks(organization, 2)
    assign(first, person, MONDAY, admin)
    held = Allocation.objects.get(task=first)

    def insert_on_the_held_slot(task):
        return Allocation.objects.create(
            organization=task.organization,
            task=task,
            user=person,
            slot=held.slot,
            window_start=held.window_start,
            window_end=held.window_end,
            allocated_by_label="sql",
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_on_the_held_slot(second)
    assert insert_on_the_held_slot(elsewhere).organization_id == elsewhere.organization_id
