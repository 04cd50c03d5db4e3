"""The deliverable page in the admin: the dashboard, the graph it embeds, tenancy, cost."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import OrganizationFactory
from tests.workflow.acting import act, finish, principal, tasks_of
from tests.workflow.factories import deliverable_with_tasks, layered_version, rewrite_task
from workflow.admin import deliverables as deliverable_page
from workflow.models import TaskDependency
from workflow.selectors import dashboard as selectors
from workflow.selectors.projects import list_deliverables_for

pytestmark = pytest.mark.django_db


def page_url(deliverable) -> str:
    return f"/admin/workflow/deliverable/{deliverable.pk}/change/"


def task_url(task) -> str:
    return f"/admin/workflow/task/{task.pk}/change/"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def figure(page: str, name: str) -> str:
    """The text of the figure marked `data-figure="name"`."""
    found = re.search(rf'data-figure="{name}"[^>]*>(.*?)</span>', page, re.S)
    assert found, f"no figure {name}"
    return text_of(found[1])


def listed(page: str, name: str) -> str:
    """The text of the list (or table) marked `data-list="name"`, tags removed."""
    found = re.search(rf'data-list="{name}"[^>]*>(.*?)</(?:ul|table|p)>', page, re.S)
    assert found, f"no list {name}"
    return text_of(found[1])


def embedded_graph(page: str) -> dict:
    found = re.search(
        r'<script id="deliverable-graph-data" type="application/json">(.*?)</script>', page
    )
    assert found, "the page embeds no graph"
    return json.loads(found[1])


def dashboard_now(deliverable) -> selectors.Dashboard:
    counted = list_deliverables_for(deliverable.organization_id).get(pk=deliverable.pk)
    return selectors.dashboard_of(selectors.read_graph(counted, timezone.now()))


@pytest.fixture
def staff_client(organization) -> Client:
    return signed_in_admin(staff_member(organization))


@pytest.fixture
def order(organization, member):
    """The garment order with cut done and sew under way, assigned to `member` and a day late.

    Every task is planned for a day but embroider, for four hours beside sew.
    """
    deliverable = deliverable_with_tasks(organization)
    tasks, admin = tasks_of(deliverable), principal(organization)
    rewrite_task(tasks["embroider"], planned_duration=timedelta(hours=4))
    finish(tasks["cut"], admin)
    act(tasks["sew"], "assign", admin, {"assign_to": member.pk})
    act(tasks["sew"], "start", admin)
    rewrite_task(tasks["sew"], planned_finish=timezone.now() - timedelta(days=1))
    return deliverable


def test_the_page_shows_the_figures_of_the_deliverables_dashboard(staff_client, order, member):
    page = staff_client.get(page_url(order)).content.decode()
    expected = dashboard_now(order)

    assert figure(page, "percent_complete_by_count") == "20.0 %"
    assert figure(page, "percent_complete_by_duration") == "24.0 %"  # 24 of 100 hours
    assert (figure(page, "open_tasks"), figure(page, "overdue")) == ("4", "1")
    counts = dict(re.findall(r'data-status-count="(\w+)">(\d+)<', page))
    assert counts == {
        "total": "5",
        **{status: "0" for status in ("rework", "in_review", "reopened", "cancelled")},
        **{"done": "1", "in_progress": "1", "ready": "1", "blocked": "2"},
    }
    # sew (a day from now) → press → pack: three days of work left on the critical path.
    as_of = re.search(r'data-figure="as_of" datetime="([^"]+)"', page)[1]
    finish_at = re.search(r'data-figure="projected_finish"><time datetime="([^"]+)"', page)[1]
    assert (
        timezone.datetime.fromisoformat(finish_at) - timezone.datetime.fromisoformat(as_of)
        == expected.graph.projected_finish - expected.graph.as_of
        == timedelta(days=3)
    )
    assert listed(page, "load") == (
        f"Assignee Open tasks Planned hours left {member.full_name} 1 24 h Unassigned 3 52 h"
    )


def test_the_page_lists_blocked_and_overdue_tasks_with_links_to_their_pages(staff_client, order):
    page = staff_client.get(page_url(order)).content.decode()
    tasks = tasks_of(order)

    assert listed(page, "blocked") == (
        "Press waits for Sew (in progress) , Embroider (ready) Pack waits for Press (blocked)"
    )
    assert listed(page, "overdue").startswith("Sew (in progress) , due ")
    assert listed(page, "critical_path") == "Critical path: Sew → Press → Pack"
    for key in ("sew", "embroider", "press", "pack"):
        assert f'href="{task_url(tasks[key])}"' in page
    assert f'href="/admin/workflow/deliverable/add/?project={order.project_id}"' in page


def test_the_embedded_graph_is_the_graph_selectors_tasks_and_dependencies(staff_client, order):
    page = staff_client.get(page_url(order)).content.decode()
    graph = embedded_graph(page)
    tasks = tasks_of(order)

    by_key = {node["key"]: node for node in graph["nodes"]}
    assert {key: node["id"] for key, node in by_key.items()} == {k: t.pk for k, t in tasks.items()}
    assert {key: node["status"] for key, node in by_key.items()} == {
        key: task.status for key, task in tasks.items()
    }
    assert sorted((edge["target"], edge["source"]) for edge in graph["edges"]) == sorted(
        TaskDependency.objects.filter(task__deliverable=order).values_list(
            "task_id", "depends_on_id"
        )
    )
    assert [key for key, node in by_key.items() if node["critical"]] == ["sew", "press", "pack"]
    # Embroider finishes twenty hours before press may start: its edge is not critical.
    critical_edges = {
        (edge["source"], edge["target"]) for edge in graph["edges"] if edge["critical"]
    }
    assert critical_edges == {
        (tasks["sew"].pk, tasks["press"].pk),
        (tasks["press"].pk, tasks["pack"].pk),
    }
    assert (by_key["sew"]["url"], by_key["sew"]["slack"]) == (task_url(tasks["sew"]), "0 h")


def test_the_page_keeps_a_titles_markup_as_text(staff_client, organization):
    deliverable = deliverable_with_tasks(organization)
    rewrite_task(tasks_of(deliverable)["cut"], title="</script><script>alert(1)</script>")

    page = staff_client.get(page_url(deliverable)).content.decode()

    assert "<script>alert(1)" not in page
    titles = {node["key"]: node["title"] for node in embedded_graph(page)["nodes"]}
    assert titles["cut"] == "</script><script>alert(1)</script>"


def test_another_organizations_staff_get_404(order):
    outsider = signed_in_admin(staff_member(OrganizationFactory()))

    assert outsider.get(page_url(order)).status_code == 404


def test_all_tasks_leads_to_the_task_list_of_this_deliverable_only(staff_client, order):
    deliverable_with_tasks(order.organization)  # five more tasks, of another deliverable
    page = staff_client.get(page_url(order)).content.decode()
    link = re.search(r'<a href="([^"]+)">All tasks</a>', page)[1].replace("&amp;", "&")

    shown = staff_client.get(link).context["cl"].result_list

    assert sorted(task.pk for task in shown) == sorted(t.pk for t in tasks_of(order).values())


def test_the_page_costs_the_same_queries_for_five_tasks_or_three_hundred(
    staff_client, organization, django_assert_max_num_queries
):
    small, large = (
        deliverable_with_tasks(organization, layered_version(organization, size))
        for size in (5, 300)
    )
    staff_client.get(page_url(small))  # the first page of a session reads more than the rest

    with CaptureQueriesContext(connection) as small_page:
        assert staff_client.get(page_url(small)).status_code == 200
    with django_assert_max_num_queries(len(small_page)) as large_page:
        page = staff_client.get(page_url(large)).content.decode()

    assert len(large_page) == len(small_page) <= 11
    assert len(embedded_graph(page)["nodes"]) == 300


def test_a_deliverable_too_large_to_draw_points_to_its_task_list(
    staff_client, organization, monkeypatch
):
    monkeypatch.setattr(deliverable_page, "DRAWN_TASKS_MAX", 4)
    deliverable = deliverable_with_tasks(organization)

    page = staff_client.get(page_url(deliverable)).content.decode()

    assert "deliverable-graph-data" not in page
    assert "vendor/cytoscape" not in page
    assert "This deliverable has 5 tasks; the graph is drawn up to 4." in text_of(page)
