"""The admin's workload and allocation calendar pages: what staff see, and only their own."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import OrganizationFactory
from tests.workflow.acting import act, assign, principal
from tests.workflow.factories import independent_tasks, on_day, rewrite_task, worker

pytestmark = pytest.mark.django_db

WORKLOAD = "/admin/workflow/allocation/workload/{}/"
CALENDAR = "/admin/workflow/allocation/calendar/{}/"
TASK = "/admin/workflow/task/{}/change/"


@pytest.fixture
def staff_client(organization):
    return signed_in_admin(staff_member(organization))


@pytest.fixture
def lead(organization):
    return principal(organization)


def calendar_cells(page: str, user) -> list[str]:
    """The cells of a member's row, each the text of its task links joined by spaces."""
    row = re.search(rf'<tr data-member="{user.pk}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {user}"
    cells = re.findall(r"<td>(.*?)</td>", row[1], re.S)
    return [" ".join(re.findall(r">([\w-]+)</a>", cell)) for cell in cells]


def test_the_workload_page_shows_the_members_open_allocations_and_tasks(
    staff_client, organization, lead
):
    person = worker(organization, capacity=2)
    late, ahead, dropped = independent_tasks(organization, 3)
    assign(late, person, on_day(-2), lead)
    assign(ahead, person, on_day(1), lead)
    assign(dropped, person, on_day(3), lead)
    act(dropped, "unassign", lead)
    rewrite_task(ahead, planned_finish=timezone.now() - timedelta(hours=1))

    response = staff_client.get(WORKLOAD.format(person.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Workload of {person.full_name}" in page
    assert "Agent, capacity 2" in page
    assert "2 open allocations (0 now, 1 overdue)" in " ".join(page.split())
    assert "2 open tasks (1 overdue)" in " ".join(page.split())
    assert f'href="{TASK.format(late.pk)}"' in page
    assert f'href="{TASK.format(dropped.pk)}"' not in page
    assert page.count("<strong>overdue</strong>") == 2  # late's window, ahead's due date


def test_the_calendar_shows_who_holds_which_task_on_each_day(staff_client, organization, lead):
    alex, blake = worker(organization), worker(organization)
    idle = worker(organization)
    cut, sew, press = independent_tasks(organization, 3)
    assign(cut, alex, on_day(0), lead)
    assign(sew, alex, on_day(2), lead)
    assign(press, blake, {"start": on_day(12)["start"]}, lead)  # open-ended: to the last day

    response = staff_client.get(CALENDAR.format(cut.deliverable.project_id))

    assert response.status_code == 200
    page = response.content.decode()
    assert len(re.findall(r"<th [^>]*data-day=", page)) == 14
    assert calendar_cells(page, alex) == ["job-0", "", "job-1", *[""] * 11]
    assert calendar_cells(page, blake) == [""] * 12 + ["job-2", "job-2"]
    assert calendar_cells(page, idle) == [""] * 14
    assert f'href="{TASK.format(sew.pk)}"' in page
    assert f'href="{WORKLOAD.format(alex.pk)}"' in page


def test_the_calendar_moves_by_its_range_and_a_release_empties_days_not_yet_begun(
    staff_client, organization, lead
):
    person = worker(organization)
    (task,) = independent_tasks(organization, 1)
    assign(task, person, on_day(15), lead)
    url = CALENDAR.format(task.deliverable.project_id)
    first_page = staff_client.get(url).content.decode()
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first_page)[1].replace("&amp;", "&")

    held = staff_client.get(next_url).content.decode()
    week = staff_client.get(url, {"start": timezone.localdate() + timedelta(days=14), "days": 7})
    act(task, "unassign", lead)
    released = staff_client.get(next_url).content.decode()

    assert calendar_cells(first_page, person) == [""] * 14
    assert calendar_cells(held, person) == ["", "job-0", *[""] * 12]
    assert calendar_cells(week.content.decode(), person) == ["", "job-0", *[""] * 5]
    # Released before its window began: it never held the task.
    assert calendar_cells(released, person) == [""] * 14


def test_a_released_allocation_stays_on_the_days_it_was_held(staff_client, organization, lead):
    person = worker(organization)
    (task,) = independent_tasks(organization, 1)
    assign(task, person, {"start": on_day(-3)["start"]}, lead)
    act(task, "unassign", lead)
    start = timezone.localdate() - timedelta(days=4)

    page = staff_client.get(CALENDAR.format(task.deliverable.project_id), {"start": start})

    html = page.content.decode()
    assert calendar_cells(html, person)[:5] == ["", "job-0", "job-0", "job-0", "job-0"]
    assert calendar_cells(html, person)[5:] == [""] * 9
    assert 'class="released"' in html


def test_the_calendar_costs_the_same_queries_for_one_allocation_or_twenty(
    staff_client, organization, lead
):
    def queries_of_a_calendar_with(count: int) -> int:
        tasks = independent_tasks(organization, count)
        for task in tasks:
            assign(task, worker(organization), on_day(1), lead)
        with CaptureQueriesContext(connection) as queries:
            page = staff_client.get(CALENDAR.format(tasks[0].deliverable.project_id))
        assert page.content.decode().count(">job-") == count
        return len(queries)

    assert queries_of_a_calendar_with(1) == queries_of_a_calendar_with(20)


def test_the_project_page_links_to_its_calendar(staff_client, organization):
    (task,) = independent_tasks(organization, 1)
    project_id = task.deliverable.project_id

    page = staff_client.get(f"/admin/workflow/project/{project_id}/change/").content.decode()

    assert f'href="{CALENDAR.format(project_id)}"' in page


def test_another_organizations_member_and_project_are_404(organization):
    theirs = OrganizationFactory()
    (task,) = independent_tasks(theirs, 1)
    stranger = worker(theirs)
    client = signed_in_admin(staff_member(organization))

    assert client.get(WORKLOAD.format(stranger.pk)).status_code == 404
    assert client.get(CALENDAR.format(task.deliverable.project_id)).status_code == 404


def test_staff_without_permission_to_view_allocations_are_refused(organization):
    (task,) = independent_tasks(organization, 1)
    person = worker(organization)
    staff = staff_member(organization)
    staff.user_permissions.remove(*Permission.objects.filter(content_type__model="allocation"))
    client = signed_in_admin(staff)

    assert client.get(WORKLOAD.format(person.pk)).status_code == 403
    assert client.get(CALENDAR.format(task.deliverable.project_id)).status_code == 403


def test_the_allocation_list_shows_the_staffs_organizations_only(staff_client, organization, lead):
    person = worker(organization)
    (task,) = independent_tasks(organization, 1)
    assign(task, person, on_day(1), lead)
    theirs = OrganizationFactory()
    (their_task,) = independent_tasks(theirs, 1)
    assign(their_task, worker(theirs), on_day(1), principal(theirs))
    their_allocation = their_task.allocations.get()

    page = staff_client.get("/admin/workflow/allocation/").content.decode()
    foreign = staff_client.get(f"/admin/workflow/allocation/{their_allocation.pk}/change/")

    assert f'href="{WORKLOAD.format(person.pk)}"' in page
    assert "1 allocation" in page
    assert foreign.status_code == 404
