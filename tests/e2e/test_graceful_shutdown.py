"""SIGTERM in the middle of work: web finishes what is in flight, a worker leaves nothing held."""

import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from outbox.models import Delivery, OutboxMessage
from outbox.services.webhooks import ping_endpoint
from tests.e2e.processes import free_port, running, serving, wait_for
from tests.outbox.factories import WebhookEndpointFactory
from tests.receivers import WebhookSink

pytestmark = pytest.mark.django_db(transaction=True)


def status_of(url: str) -> int | None:
    """The status a fresh connection gets, or None when the server no longer accepts it."""
    try:
        return requests.get(url, timeout=5).status_code
    except requests.ConnectionError:
        return None


def test_web_stops_being_ready_then_finishes_requests_in_flight_and_refuses_new_ones(
    worker_env, tmp_path
):
    started = tmp_path / "slow-request-started"
    port = free_port()
    env = {
        **worker_env,
        "PORT": str(port),
        "DJANGO_ROOT_URLCONF": "tests.e2e.slow_urls",
        "SLOW_STARTED_FILE": str(started),
    }
    base = f"http://127.0.0.1:{port}"
    with running(["web"], env, tmp_path) as [web]:
        wait_for(lambda: serving(f"{base}/healthz"), timeout=90)
        assert status_of(f"{base}/readyz") == 200

        subprocess.run(
            [sys.executable, "manage.py", "drain", "--seconds", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
        draining = requests.get(f"{base}/readyz", timeout=5)
        assert draining.status_code == 503
        assert draining.json()["checks"] == {"shutdown": "draining"}
        assert status_of(f"{base}/api/schema/") == 200  # still serving while it drains

        with ThreadPoolExecutor(max_workers=1) as pool:
            in_flight = pool.submit(requests.get, f"{base}/test/slow/3000", timeout=60)
            wait_for(started.exists, timeout=30)
            web.send_signal(signal.SIGTERM)
            wait_for(lambda: status_of(f"{base}/healthz") is None, timeout=10)
            finished = in_flight.result()

        assert finished.status_code == 200
        assert finished.json() == {"slept_ms": 3000}
        assert web.wait(timeout=40) == 0


def test_a_worker_stopped_mid_delivery_leaves_nothing_held_and_nothing_lost(
    worker_env, organization, tmp_path
):
    sink = WebhookSink()
    sink.on_receive = lambda request: time.sleep(0.25)
    endpoint = WebhookEndpointFactory(organization=organization, url=sink.url)
    pings = [ping_endpoint(endpoint=endpoint) for _ in range(30)]
    try:
        with running(["worker", "beat"], worker_env, tmp_path) as [worker, _beat]:
            wait_for(lambda: len(sink.received) >= 3, timeout=60)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
            stopped_with = len(sink.received)

            now = timezone.now()
            assert not OutboxMessage.objects.filter(claimed_until__gt=now).exists()
            assert not Delivery.objects.filter(claimed_until__gt=now).exists()
            assert stopped_with < len(pings), "the worker finished before it was stopped"

            (tmp_path / "again").mkdir()
            with running(["worker"], worker_env, tmp_path / "again"):
                wait_for(
                    lambda: Delivery.objects.filter(state="delivered").count() == len(pings),
                    timeout=120,
                )
    finally:
        sink.close()

    # Each event once: none was cut off mid-send and sent again after the restart.
    delivered_ids = [request["headers"]["webhook-id"] for request in sink.received]
    assert sorted(delivered_ids) == sorted(str(ping.event_id) for ping in pings)
