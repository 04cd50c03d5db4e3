"""Several nodes on one host: two web nodes behind a round-robin, three workers, one beat.

Every write is sent twice, to both nodes at once, as a client that retries after a timeout
does; each effect must happen once, and each event reach the webhook once and in order.
"""

import itertools
import json
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.services import create_api_key
from config.roles import Role
from helpdesk.models import Ticket
from outbox.models import Delivery, OutboxMessage
from tests.e2e.processes import free_port, running, serving, wait_for
from tests.outbox.factories import WebhookEndpointFactory
from tests.receivers import WebhookSink
from tests.workflow.factories import independent_tasks
from workflow.models import Task, TaskEvent

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS, TASKS = 12, 6
# Answers a client is told to send again (Retry-After): a twin still running, a lost race.
RETRYABLE = {"idempotency-key-in-flight", "transaction-conflict"}


class RoundRobin:
    """The load balancer: each request goes to the next node."""

    def __init__(self, nodes: list[str], key: str) -> None:
        self.nodes = itertools.cycle(nodes)
        self.lock = threading.Lock()
        self.headers = {"Authorization": f"Bearer {key}"}
        self.answers: list[int] = []  # final statuses; told-to-retry ones were sent again

    def post(self, path: str, body: dict, headers: dict | None = None) -> requests.Response:
        """POST as a careful client: resend what the server says to resend."""
        for _ in range(50):
            with self.lock:
                node = next(self.nodes)
            response = requests.post(
                f"{node}/api/v1/{path}",
                json=body,
                headers={**self.headers, **(headers or {})},
                timeout=60,
            )
            problem = response.json().get("type", "") if response.status_code >= 400 else ""
            if problem.rsplit("/", 1)[-1] not in RETRYABLE:
                self.answers.append(response.status_code)  # what the caller finally got
                return response
            time.sleep(float(response.headers.get("Retry-After", "0.2")))
        raise AssertionError(f"{path} still refused after 50 tries")


def twice(pool: ThreadPoolExecutor, send, *args) -> tuple[requests.Response, requests.Response]:
    """Send the same request twice at once (the round-robin gives each a different node)."""
    first, second = pool.submit(send, *args), pool.submit(send, *args)
    return first.result(), second.result()


def test_duplicated_writes_across_nodes_take_effect_once_and_deliver_once_in_order(
    worker_env, organization, tmp_path
):
    sink = WebhookSink()
    WebhookEndpointFactory(organization=organization, url=sink.url)
    tasks = independent_tasks(organization, TASKS)
    key = create_api_key(organization_id=organization.pk, name="load", role=Role.ADMIN).plaintext
    ports = [free_port(), free_port()]
    env = {**worker_env, "WEB_CONCURRENCY": "1", "CELERY_CONCURRENCY": "1"}
    for name in ("web-a", "web-b", "celery"):
        (tmp_path / name).mkdir()

    try:
        with (
            running(["web"], {**env, "PORT": str(ports[0])}, tmp_path / "web-a"),
            running(["web"], {**env, "PORT": str(ports[1])}, tmp_path / "web-b"),
            running(["worker", "worker", "worker", "beat"], env, tmp_path / "celery"),
        ):
            nodes = [f"http://127.0.0.1:{port}" for port in ports]
            for node in nodes:
                wait_for(lambda node=node: serving(f"{node}/readyz"), timeout=90)
            client = RoundRobin(nodes, key)
            with ThreadPoolExecutor(max_workers=8) as pool:
                created = [
                    twice(
                        pool,
                        lambda n: client.post(
                            "tickets",
                            {"subject": f"Load {n}", "requester": {"email": "load@example.com"}},
                            {"Idempotency-Key": f"load-ticket-{n}"},
                        ),
                        n,
                    )
                    for n in range(TICKETS)
                ]
                opened = [
                    twice(pool, _act, client, f"tickets/{first.json()['key']}", "open", 1)
                    for first, _ in created
                ]
                for action, version in (("start", 1), ("complete", 2)):
                    for task in tasks:
                        twice(pool, _act, client, f"tasks/{task.pk}", action, version)

            assert all(status < 500 for status in client.answers), sorted(set(client.answers))
            for first, second in created:
                assert (first.status_code, second.status_code) == (201, 201)
                assert first.json()["key"] == second.json()["key"]
            for first, second in opened:
                assert first.json() == second.json()
                assert first.json()["status"] == "open"

            wait_for(lambda: _everything_delivered(), timeout=180)
    finally:
        sink.close()

    assert Ticket.objects.filter(organization=organization).count() == TICKETS
    assert Task.objects.filter(pk__in=[t.pk for t in tasks], status="done").count() == TASKS
    assert TaskEvent.objects.filter(task__in=tasks, action="start").count() == TASKS
    assert TaskEvent.objects.filter(task__in=tasks, action="complete").count() == TASKS

    messages = list(OutboxMessage.objects.filter(organization_id=organization.pk).order_by("id"))
    received = [json.loads(request["body"]) for request in sink.received]
    assert sorted(event["id"] for event in received) == sorted(
        str(message.event_id) for message in messages
    )
    expected_order, arrival_order = defaultdict(list), defaultdict(list)
    for message in messages:
        expected_order[(message.aggregate_type, message.aggregate_id)].append(str(message.event_id))
    for event in received:
        aggregate = (event["aggregate"]["type"], event["aggregate"]["id"])
        arrival_order[aggregate].append(event["id"])
    assert arrival_order == expected_order


def _act(client: RoundRobin, path: str, action: str, version: int) -> requests.Response:
    """One action with its client_event_id, fixed per (object, action) so a resend is a replay."""
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{path}/{action}"))
    body = {"action": action, "expected_version": version, "client_event_id": event_id}
    response = client.post(f"{path}/actions", body)
    assert response.status_code == 200, response.text
    return response


def _everything_delivered() -> bool:
    unpublished = OutboxMessage.objects.exclude(state="published").exists()
    return not unpublished and not Delivery.objects.exclude(state="delivered").exists()
