"""`make bench`: starting a deliverable from large templates, and task actions per second against
the helpdesk's ticket action, through the Procfile's web, worker and beat processes.

Starts are compared with their floor, the deliverable row and the two `INSERT … SELECT` copies
committed from this process; task actions with the same kind of ticket action, in alternating
rounds. The goals are printed as met or not met, never asserted: a slow machine is not a bug.
"""

import statistics
import time
from dataclasses import dataclass, field

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from config.roles import Role
from tests.accounts.factories import MembershipFactory
from tests.benchmarks.results import record
from tests.benchmarks.rounds import latency_summary, run_round
from tests.helpdesk.factories import TicketFactory
from tests.workflow.factories import (
    deliverable_with_tasks,
    layered_version,
    project_with,
    template_version,
)
from workflow.models import Deliverable
from workflow.services.bootstrap import copy_in_database

# Tasks in the template -> (rounds, goal in seconds for one start).
BOOTSTRAPS = {1_000: (5, 0.5), 10_000: (3, 4.0)}
CLIENTS = 8
ROUNDS = 4
ROUND_SECONDS = 5


def start_over_http(client: httpx.Client, project, reference: str) -> float:
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/projects/{project.pk}/deliverables",
        json={"name": f"Order {reference}", "external_reference": reference},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text
    return elapsed


def start_in_database(project, reference: str) -> float:
    """The floor: insert the deliverable and copy its tasks and edges, committed."""
    started = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        deliverable = Deliverable.objects.create(
            organization_id=project.organization_id,
            project=project,
            template_version_id=project.template_version_id,
            name=f"Order {reference}",
            external_reference=reference,
            started_at=now,
        )
        copy_in_database(deliverable, created_by_id=None, now=now)
    return time.perf_counter() - started


def seconds_summary(times: list[float]) -> dict:
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}


def met(seconds: float, goal: float) -> str:
    return "met" if seconds < goal else "not met"


@pytest.mark.django_db(transaction=True)
def test_deliverable_start_time_for_large_templates(organization, admin_http):
    figures = {}
    admin_http.get("/api/v1/projects").raise_for_status()  # the key's first check is argon2
    for size, (rounds, goal) in BOOTSTRAPS.items():
        version = layered_version(organization, size)
        project = project_with(organization, version)
        api, floor = [], []
        # Alternating, so that both sides see the same database and machine.
        for round_number in range(rounds):
            api.append(start_over_http(admin_http, project, f"api-{round_number}"))
            floor.append(start_in_database(project, f"floor-{round_number}"))
        figures[f"{size}_tasks"] = {
            "dependencies": version.dependencies.count(),
            "rounds": rounds,
            "api": seconds_summary(api),
            "database_copy_only": seconds_summary(floor),
            "api_vs_database_copy": round(statistics.median(api) / statistics.median(floor), 2),
            "goal": f"< {goal} s",
            "goal_by_median": met(statistics.median(api), goal),
            "goal_by_every_round": met(max(api), goal),
        }
    record("workflow_bootstrap", figures)


@dataclass
class Toggler:
    """One client's aggregate: assigned and unassigned in turn, from the version last seen."""

    client: httpx.Client
    path: str
    assign_payload: dict
    version: int
    assigned: bool = False
    latencies: list[float] = field(default_factory=list)
    failure: str = ""

    def act(self) -> None:
        body = {"action": "unassign"} if self.assigned else {"action": "assign"}
        if not self.assigned:
            body["payload"] = self.assign_payload
        started = time.perf_counter()
        response = self.client.post(self.path, json={**body, "expected_version": self.version})
        self.latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            self.failure = f"{self.path} {body['action']}: {response.status_code} {response.text}"
            return
        self.version = response.json()["version"]
        self.assigned = not self.assigned

    def run_until(self, deadline: float) -> None:
        while time.monotonic() < deadline and not self.failure:
            self.act()


@pytest.fixture
def togglers(shipped, organization, issue_key):
    """Per side, one keep-alive client per thread, each owning one aggregate and one assignee."""
    headers = {"Authorization": f"Bearer {issue_key(organization, Role.ADMIN)}"}
    # One assignee per client, as work is spread in practice: the same assignment on both sides.
    people = [
        MembershipFactory(organization=organization, role=Role.AGENT).user for _ in range(CLIENTS)
    ]
    nodes = [f"step-{index}" for index in range(CLIENTS)]
    tasks = deliverable_with_tasks(organization, template_version(organization, nodes, []))
    tickets = TicketFactory.create_batch(CLIENTS, organization=organization)
    clients = [httpx.Client(base_url=shipped, headers=headers) for _ in range(2 * CLIENTS)]
    sides = {
        "ticket": [
            Toggler(
                client,
                f"/api/v1/tickets/{ticket.key}/actions",
                {"assignee": person.pk},
                ticket.version,
            )
            for client, ticket, person in zip(clients[:CLIENTS], tickets, people, strict=True)
        ],
        "task": [
            Toggler(
                client, f"/api/v1/tasks/{task.pk}/actions", {"assign_to": person.pk}, task.version
            )
            for client, task, person in zip(
                clients[CLIENTS:], tasks.tasks.order_by("pk"), people, strict=True
            )
        ],
    }
    yield sides
    for client in clients:
        client.close()


@pytest.mark.django_db(transaction=True)
def test_task_actions_per_second_against_the_ticket_action(togglers):
    # Warm both sides first (key checks, pooled connections): the steady state is compared.
    for side in togglers.values():
        run_round(side, 1)
    runs = {name: [] for name in togglers}
    for _ in range(ROUNDS):
        for name, side in togglers.items():
            runs[name].append(run_round(side, ROUND_SECONDS))

    failures = [t.failure for side in togglers.values() for t in side if t.failure]
    assert failures == []
    figures = {name: latency_summary(name_runs) for name, name_runs in runs.items()}
    record(
        "task_actions",
        {
            "clients": CLIENTS,
            "rounds": ROUNDS,
            "round_seconds": ROUND_SECONDS,
            **figures,
            "task_vs_ticket": round(
                figures["task"]["requests_per_second"] / figures["ticket"]["requests_per_second"],
                2,
            ),
        },
    )
