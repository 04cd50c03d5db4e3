"""The dashboard and graph of a deliverable: figures, conditional GETs, tenancy, query cost."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_duration
from rest_framework import serializers

from config.roles import Role
from tests.accounts.factories import OrganizationFactory
from tests.workflow.acting import act, finish, principal, tasks_of
from tests.workflow.factories import (
    GARMENT_EDGES,
    GARMENT_NODES,
    deliverable_with_tasks,
    layered_version,
    rewrite_task,
    template_version,
)
from workflow.api.dashboard.serializers import DeliverableGraphEdgeOut, DeliverableGraphNodeOut
from workflow.models import Task, TaskDependency
from workflow.selectors.dashboard import LISTED, read_graph

HOUR = timedelta(hours=1)
# The garment graph plus a label task after cut, which the order turns out not to need.
NODES = [*GARMENT_NODES, "label"]
EDGES = [*GARMENT_EDGES, ("label", "cut")]


def dashboard_url(deliverable) -> str:
    return f"/api/v1/deliverables/{deliverable.pk}/dashboard"


def graph_url(deliverable) -> str:
    return f"/api/v1/deliverables/{deliverable.pk}/graph"


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def named(tasks: list[dict]) -> list[str]:
    return [task["node_key"] for task in tasks]


@pytest.fixture
def order(organization, member):
    """Cut done; sew in progress, assigned and late; embroider ready and stale; label cancelled.

    Planned durations: cut and sew a day, embroider and press 4 hours, pack 2 hours, label a day.
    """
    deliverable = deliverable_with_tasks(organization, template_version(organization, NODES, EDGES))
    tasks = tasks_of(deliverable)
    for key, hours in (("embroider", 4), ("press", 4), ("pack", 2)):
        rewrite_task(tasks[key], planned_duration=hours * HOUR)
    admin = principal(organization)
    finish(tasks["cut"], admin)
    act(tasks["sew"], "assign", admin, {"assign_to": member.pk})
    act(tasks["sew"], "start", admin)
    act(tasks["label"], "cancel", admin, {"reason": "Not needed for this order"})
    rewrite_task(tasks["sew"], planned_finish=timezone.now() - HOUR)
    rewrite_task(tasks["embroider"], stale=True)
    return deliverable


def test_dashboard_counts_progress_and_trouble_spots_of_a_hand_checked_order(
    client_for, order, member
):
    body = client_for(Role.VIEWER).get(dashboard_url(order)).json()

    assert body["deliverable"] == order.pk
    assert {status: n for status, n in body["task_counts"].items() if n} == {
        "total": 6,
        "done": 1,
        "in_progress": 1,
        "ready": 1,
        "blocked": 2,
        "cancelled": 1,
    }
    # Cancelled label is out of both: 1 of 5 tasks, 24 of 24+24+4+4+2 planned hours.
    assert body["percent_complete_by_count"] == 20.0
    assert body["percent_complete_by_duration"] == 41.4
    assert [(task["node_key"], named(task["open_blockers"])) for task in body["blocked"]] == [
        ("press", ["sew", "embroider"]),
        ("pack", ["press"]),
    ]
    assert named(body["stale"]) == ["embroider"]
    assert named(body["overdue"]) == ["sew"]
    assert (body["blocked_total"], body["stale_total"], body["overdue_total"]) == (2, 1, 1)
    assert body["load"] == [
        {
            "assignee_id": member.pk,
            "email": member.email,
            "full_name": member.full_name,
            "open_tasks": 1,
            "planned_duration_left": "P1DT00H00M00S",
        },
        {
            "assignee_id": None,
            "email": None,
            "full_name": None,
            "open_tasks": 3,
            "planned_duration_left": "P0DT10H00M00S",
        },
    ]


def test_dashboard_projects_the_finish_along_the_critical_path_from_now(client_for, order):
    body = client_for(Role.VIEWER).get(dashboard_url(order)).json()
    as_of = moment(body["as_of"])

    # sew (a day, from now) → press (4 h) → pack (2 h); embroider's 4 h run beside sew.
    assert named(body["critical_path"]) == ["sew", "press", "pack"]
    assert [
        (moment(task["projected_start"]) - as_of, moment(task["projected_finish"]) - as_of)
        for task in body["critical_path"]
    ] == [(timedelta(0), 24 * HOUR), (24 * HOUR, 28 * HOUR), (28 * HOUR, 30 * HOUR)]
    assert {task["slack"] for task in body["critical_path"]} == {"P0DT00H00M00S"}
    assert moment(body["projected_finish"]) - as_of == 30 * HOUR


def test_graph_holds_every_task_and_dependency_of_the_deliverable(client_for, order, member):
    body = client_for(Role.VIEWER).get(graph_url(order)).json()
    tasks = tasks_of(order)

    assert sorted(node["id"] for node in body["nodes"]) == sorted(t.pk for t in tasks.values())
    assert sorted((edge["task"], edge["depends_on"]) for edge in body["edges"]) == sorted(
        TaskDependency.objects.filter(task__deliverable=order).values_list(
            "task_id", "depends_on_id"
        )
    )
    by_key = {node["node_key"]: node for node in body["nodes"]}
    assert {key: node["status"] for key, node in by_key.items()} == {
        key: task.status for key, task in tasks.items()
    }
    assert by_key["sew"]["assigned_to"] == member.pk
    assert {key: (node["slack"], node["critical"]) for key, node in by_key.items()} == {
        "cut": (None, False),
        "label": (None, False),
        "sew": ("P0DT00H00M00S", True),
        "embroider": ("P0DT20H00M00S", False),
        "press": ("P0DT00H00M00S", True),
        "pack": ("P0DT00H00M00S", True),
    }


def test_long_lists_name_the_most_urgent_tasks_and_count_them_all(client_for, organization):
    deliverable = deliverable_with_tasks(organization, layered_version(organization, LISTED + 30))
    tasks = list(deliverable.tasks.order_by("id"))
    for task in tasks[-LISTED - 5 :]:
        rewrite_task(task, stale=True, planned_finish=timezone.now() - HOUR)

    body = client_for().get(dashboard_url(deliverable)).json()
    nodes = client_for().get(graph_url(deliverable)).json()["nodes"]

    slack = {node["id"]: parse_duration(node["slack"]) for node in nodes}
    blocked = [task.pk for task in tasks if task.status == Task.Status.BLOCKED]
    assert body["blocked_total"] == len(blocked) > LISTED
    assert [task["id"] for task in body["blocked"]] == sorted(
        blocked, key=lambda pk: (slack[pk], pk)
    )[:LISTED]
    assert (body["stale_total"], body["overdue_total"]) == (LISTED + 5, LISTED + 5)
    assert len(body["stale"]) == len(body["overdue"]) == LISTED


def test_the_task_list_holds_every_overdue_task_the_dashboard_counts(client_for, order):
    client = client_for()
    listed = client.get(f"/api/v1/deliverables/{order.pk}/tasks", {"overdue": "true"}).json()
    others = client.get(f"/api/v1/deliverables/{order.pk}/tasks", {"overdue": "false"}).json()

    assert named(listed["results"]) == named(client.get(dashboard_url(order)).json()["overdue"])
    assert len(others["results"]) == len(tasks_of(order)) - 1


@pytest.mark.parametrize("out", [DeliverableGraphNodeOut, DeliverableGraphEdgeOut])
def test_graph_nodes_and_edges_are_written_as_their_declared_fields_would_write_them(order, out):
    graph = read_graph(order, timezone.now())
    items = graph.nodes if out is DeliverableGraphNodeOut else graph.edge_links

    written = [out().to_representation(item) for item in items]

    assert written == [serializers.Serializer.to_representation(out(), item) for item in items]
    assert len(written) == len(graph.tasks if out is DeliverableGraphNodeOut else graph.edges) > 1


def started(body: dict) -> int:
    """How many tasks a dashboard or a graph shows in progress."""
    if "nodes" in body:
        return sum(node["status"] == "in_progress" for node in body["nodes"])
    return body["task_counts"]["in_progress"]


@pytest.mark.parametrize("url", [dashboard_url, graph_url], ids=["dashboard", "graph"])
def test_a_poller_gets_304_until_a_task_changes(client_for, organization, url):
    deliverable = deliverable_with_tasks(organization)
    client = client_for(Role.AGENT)
    first = client.get(url(deliverable))

    unchanged = client.get(url(deliverable), HTTP_IF_NONE_MATCH=first["ETag"])
    act(tasks_of(deliverable)["cut"], "start", principal(organization))
    changed = client.get(url(deliverable), HTTP_IF_NONE_MATCH=first["ETag"])

    assert (first.status_code, unchanged.status_code, changed.status_code) == (200, 304, 200)
    assert unchanged["ETag"] == first["ETag"] != changed["ETag"]
    assert (started(first.json()), started(changed.json())) == (0, 1)


def test_dashboard_and_graph_share_the_deliverables_tag(client_for, organization):
    deliverable = deliverable_with_tasks(organization)
    client = client_for()

    tags = {client.get(url(deliverable))["ETag"] for url in (dashboard_url, graph_url)}

    assert tags == {client.get(f"/api/v1/deliverables/{deliverable.pk}")["ETag"]}


@pytest.mark.parametrize("url", [dashboard_url, graph_url], ids=["dashboard", "graph"])
def test_another_organizations_deliverable_is_404(client_for, url):
    elsewhere = deliverable_with_tasks(OrganizationFactory())

    response = client_for().get(url(elsewhere))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_finished_order_is_complete_and_projected_to_its_last_finish(client_for, organization):
    deliverable = deliverable_with_tasks(organization)
    admin = principal(organization)
    for key in GARMENT_NODES:
        finish(tasks_of(deliverable)[key], admin)

    body = client_for().get(dashboard_url(deliverable)).json()

    last = tasks_of(deliverable)["pack"].actual_finish
    assert (body["percent_complete_by_count"], body["percent_complete_by_duration"]) == (100, 100)
    assert (body["critical_path"], body["blocked"], body["load"]) == ([], [], [])
    assert moment(body["projected_finish"]) == last


def chain_of(organization, size: int):
    """A deliverable of `size` tasks, each after the one before it and the seventh before it."""
    nodes = [f"t{i}" for i in range(size)]
    edges = [(nodes[i], nodes[i - 1]) for i in range(1, size)]
    edges += [(nodes[i], nodes[i - 7]) for i in range(7, size)]
    return deliverable_with_tasks(organization, template_version(organization, nodes, edges))


@pytest.mark.parametrize("url", [dashboard_url, graph_url], ids=["dashboard", "graph"])
def test_reading_costs_the_same_queries_for_five_tasks_or_ten_thousand(
    client_for, organization, django_assert_num_queries, url
):
    small, large = chain_of(organization, 5), chain_of(organization, 10_000)
    client = client_for()
    client.get("/api/v1/projects")  # the API key is looked up once, then cached

    with django_assert_num_queries(3):
        small_body = client.get(url(small)).json()
    with django_assert_num_queries(3):
        large_body = client.get(url(large)).json()

    assert small_body["deliverable"] == small.pk and large_body["deliverable"] == large.pk
    with django_assert_num_queries(1):  # the same state again: computed once, then shared
        again = client.get(url(large))
    with django_assert_num_queries(1):  # a poller that is up to date costs one query
        unchanged = client.get(url(large), HTTP_IF_NONE_MATCH=again["ETag"])
    assert again.json() == large_body
    assert unchanged.status_code == 304


@pytest.mark.parametrize("url", [dashboard_url, graph_url], ids=["dashboard", "graph"])
def test_a_change_is_shown_at_once_though_the_state_before_was_shared(
    client_for, organization, url
):
    deliverable = deliverable_with_tasks(organization)
    client = client_for(Role.VIEWER)
    before = client.get(url(deliverable)).json()
    assert client.get(url(deliverable)).json() == before  # shared

    act(tasks_of(deliverable)["cut"], "start", principal(organization))
    after = client.get(url(deliverable)).json()

    assert (started(before), started(after)) == (0, 1)
    assert moment(after["as_of"]) > moment(before["as_of"])


def test_the_figures_are_computed_when_the_cache_cannot_answer(client_for, organization, settings):
    deliverable = deliverable_with_tasks(organization)
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nobody listens there
        }
    }

    response = client_for().get(dashboard_url(deliverable))

    assert response.status_code == 200
    assert response.json()["task_counts"]["total"] == len(GARMENT_NODES)
