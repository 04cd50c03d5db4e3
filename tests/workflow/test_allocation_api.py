"""Allocations and workloads over HTTP: members read their organization's, nobody else's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.roles import Role
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.workflow.acting import act, assign, finish, principal
from tests.workflow.factories import MONDAY, TUESDAY, independent_tasks, rewrite_task, worker
from workflow.api.allocations import examples
from workflow.exceptions import AllocationConflict
from workflow.models import Allocation

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def viewer(client_for):
    """Any member reads allocations and workloads; a viewer is the least of them."""
    return client_for(Role.VIEWER)


@pytest.fixture
def lead(organization):
    return principal(organization, user=MembershipFactory(organization=organization).user)


def window(start, end) -> dict:
    return {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
    }


def listed(client, **filters) -> set[int]:
    response = client.get("/api/v1/allocations", filters)
    assert response.status_code == 200, response.json()
    return {allocation["id"] for allocation in response.json()["results"]}


def allocation_of(task) -> Allocation:
    return Allocation.objects.filter(task=task).latest("id")


# --- the list ---


def test_an_allocation_shows_its_task_member_window_and_whether_it_is_overdue(
    viewer, organization, lead
):
    person = worker(organization, capacity=2)
    late, ahead = independent_tasks(organization, 2)
    now = timezone.now()
    assign(late, person, window(now - 3 * HOUR, now - HOUR), lead)
    assign(ahead, person, window(now + HOUR, None), lead)

    results = viewer.get("/api/v1/allocations").json()["results"]

    held = allocation_of(late)
    assert results[1] == {
        "id": held.pk,
        "task": {
            "id": late.pk,
            "node_key": "job-0",
            "title": "Job 0",
            "status": "ready",
            "deliverable": late.deliverable_id,
        },
        "member": {"id": person.pk, "email": person.email, "full_name": person.full_name},
        "window": {
            "start": (now - 3 * HOUR).isoformat().replace("+00:00", "Z"),
            "end": (now - HOUR).isoformat().replace("+00:00", "Z"),
        },
        "allocated_by": "admin tester",
        "created_at": held.created_at.isoformat().replace("+00:00", "Z"),
        "released_at": None,
        "overdue": True,
    }
    assert (results[0]["task"]["id"], results[0]["overdue"]) == (ahead.pk, False)
    assert results[0]["window"]["end"] is None


def test_a_released_allocation_is_listed_with_its_release_and_never_overdue(
    viewer, organization, lead
):
    person = worker(organization)
    (task,) = independent_tasks(organization, 1)
    now = timezone.now()
    assign(task, person, window(now - 3 * HOUR, now - HOUR), lead)
    act(task, "unassign", lead)

    [allocation] = viewer.get("/api/v1/allocations").json()["results"]

    assert allocation["released_at"] is not None
    assert allocation["overdue"] is False


def test_filters_narrow_the_list_to_the_callers_organization(viewer, organization, lead):
    alex, blake = worker(organization, capacity=3), worker(organization, capacity=3)
    mon, tue, always, done = independent_tasks(organization, 4)
    (later,) = independent_tasks(organization, 1)  # another deliverable, of another project
    assign(mon, alex, MONDAY, lead)
    assign(tue, alex, TUESDAY, lead)
    assign(always, blake, actor=lead)
    assign(done, blake, MONDAY, lead)
    finish(done, lead)
    assign(later, blake, {"start": TUESDAY["start"]}, lead)
    theirs = OrganizationFactory()
    assign(independent_tasks(theirs, 1)[0], worker(theirs), MONDAY, principal(theirs))
    ids = {task: allocation_of(task).pk for task in (mon, tue, always, done, later)}
    mine = set(ids.values())

    assert listed(viewer) == mine
    assert listed(viewer, member=alex.pk) == {ids[mon], ids[tue]}
    assert listed(viewer, deliverable=later.deliverable_id) == {ids[later]}
    assert listed(viewer, project=mon.deliverable.project_id) == mine - {ids[later]}
    assert listed(viewer, open="false") == {ids[done]}
    assert listed(viewer, open="true") == mine - {ids[done]}
    # Monday only: Tuesday's window starts as Monday's ends, and so does `later`'s.
    monday = {"overlaps_start": MONDAY["start"], "overlaps_end": MONDAY["end"]}
    assert listed(viewer, **monday) == {ids[mon], ids[always], ids[done]}
    # From Tuesday on: the open-ended `later` and the windowless `always` reach forever.
    assert listed(viewer, overlaps_start=TUESDAY["start"]) == {ids[tue], ids[always], ids[later]}
    until_monday_morning = {"overlaps_end": "2026-12-07T09:00:00Z", "open": "true"}
    assert listed(viewer, **until_monday_morning) == {ids[mon], ids[always]}


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("member=alex", "/member"),
        ("deliverable=0", "/deliverable"),
        ("open=maybe", "/open"),
        ("overlaps_start=monday", "/overlaps_start"),
        ("overlaps_start=2026-12-08T00:00:00Z&overlaps_end=2026-12-07T00:00:00Z", "/overlaps_end"),
    ],
)
def test_an_invalid_filter_is_a_422_problem_pointing_at_it(viewer, query, pointer):
    response = viewer.get(f"/api/v1/allocations?{query}")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    assert all(isinstance(error["code"], str) for error in response.json()["errors"])


def test_a_page_of_forty_allocations_costs_one_query(
    viewer, organization, lead, django_assert_max_num_queries
):
    people = [worker(organization, capacity=10) for _ in range(4)]
    for index, task in enumerate(independent_tasks(organization, 40)):
        assign(task, people[index % 4], actor=lead)
    viewer.get("/api/v1/me")  # warm the key cache, as in steady state

    with django_assert_max_num_queries(1):
        results = viewer.get("/api/v1/allocations?limit=50").json()["results"]

    assert len(results) == 40
    assert {allocation["member"]["id"] for allocation in results} == {p.pk for p in people}


# --- a member's workload ---


def test_a_workload_lists_open_allocations_and_open_tasks_with_counts(viewer, organization, lead):
    person = worker(organization, capacity=2)
    late, current, finished, reopened, unrelated = independent_tasks(organization, 5)
    now = timezone.now()
    assign(late, person, window(now - 3 * HOUR, now - HOUR), lead)
    assign(current, person, window(now - HOUR, now + HOUR), lead)
    assign(finished, person, window(now + HOUR, now + 2 * HOUR), lead)
    finish(finished, lead)
    assign(reopened, person, window(now + 2 * HOUR, now + 3 * HOUR), lead)
    finish(reopened, lead)
    act(reopened, "reopen", lead, {"reason": "Seams came apart"})  # assigned, not allocated
    rewrite_task(current, planned_finish=now - HOUR)
    assign(unrelated, worker(organization), actor=lead)

    response = viewer.get(f"/api/v1/members/{person.pk}/workload")

    assert response.status_code == 200
    body = response.json()
    assert body["member"] == {"id": person.pk, "email": person.email, "full_name": person.full_name}
    assert (body["role"], body["capacity"]) == ("agent", 2)
    assert body["counts"] == {
        "open_allocations": 2,
        "allocations_now": 1,
        "overdue_allocations": 1,
        "open_tasks": 3,
        "overdue_tasks": 1,
    }
    assert [(a["task"]["id"], a["overdue"]) for a in body["allocations"]] == [
        (late.pk, True),
        (current.pk, False),
    ]
    tasks = {task["id"]: task for task in body["tasks"]}
    assert list(tasks) == [current.pk, late.pk, reopened.pk]  # due first, then undated
    assert tasks[current.pk]["overdue"] is True
    assert tasks[current.pk]["project"] == current.deliverable.project_id
    assert tasks[late.pk]["window"] == body["allocations"][0]["window"]
    assert (tasks[reopened.pk]["status"], tasks[reopened.pk]["window"]) == ("reopened", None)


def test_lowering_capacity_below_what_is_held_keeps_it_and_binds_new_assigns(
    admin_api, organization, lead
):
    person = worker(organization, capacity=2)
    first, second, third, fourth = independent_tasks(organization, 4)
    assign(first, person, MONDAY, lead)
    assign(second, person, MONDAY, lead)

    lowered = admin_api.patch(f"/api/v1/members/{person.pk}", {"capacity": 1}, format="json")

    assert lowered.status_code == 200
    workload = admin_api.get(f"/api/v1/members/{person.pk}/workload").json()
    assert (workload["capacity"], workload["counts"]["open_allocations"]) == (1, 2)
    assign(third, person, TUESDAY, lead)
    with pytest.raises(AllocationConflict):  # a second slot on Tuesday was there at capacity 2
        assign(fourth, person, TUESDAY, lead)


def test_the_workload_of_someone_not_a_current_member_is_404(viewer, admin_api, organization):
    stranger = worker(OrganizationFactory())
    removed = worker(organization)
    admin_api.delete(f"/api/v1/members/{removed.pk}")

    for person in (stranger, removed):
        response = viewer.get(f"/api/v1/members/{person.pk}/workload")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


def test_a_workload_costs_a_fixed_number_of_queries(
    viewer, organization, lead, django_assert_max_num_queries
):
    person = worker(organization, capacity=30)
    for task in independent_tasks(organization, 30):
        assign(task, person, actor=lead)
    viewer.get("/api/v1/me")

    # The membership, the open allocations with their tasks, the open assigned tasks.
    with django_assert_max_num_queries(3):
        body = viewer.get(f"/api/v1/members/{person.pk}/workload").json()

    assert (len(body["allocations"]), len(body["tasks"])) == (30, 30)


def test_the_documented_examples_have_the_shape_of_real_answers(viewer, organization, lead):
    person = worker(organization)
    (task,) = independent_tasks(organization, 1)
    assign(task, person, MONDAY, lead)

    workload = viewer.get(f"/api/v1/members/{person.pk}/workload").json()
    [allocation] = viewer.get("/api/v1/allocations").json()["results"]

    def shape(value):
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shape(value[0])] if value else []
        return None

    assert shape(allocation) == shape(examples.LATE_ALLOCATION.value)
    assert shape(workload) == shape(examples.WORKLOAD.value)
