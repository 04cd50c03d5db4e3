"""`make bench`: outbox throughput and commit-to-delivery latency with real Celery workers.

Throughput is taken at two points: every message published (drained from the outbox: the
in-process consumers and one webhook delivery queued per event) and every webhook received by a
local sink. The workers' CPU time over the run gives the events per CPU-second. Results are
printed and written to var/bench/results.json.
"""

import statistics
import time

import pytest
from django.db import transaction

import outbox
from outbox.models import OutboxMessage
from tests.benchmarks.cpu import cpu_seconds
from tests.benchmarks.results import record
from tests.e2e.processes import running, wait_for
from tests.outbox.factories import WebhookEndpointFactory
from tests.receivers import WebhookSink


@pytest.fixture
def sink():
    receiver = WebhookSink()
    yield receiver
    receiver.close()


def wait_until_ready(tmp_path, workers: int) -> None:
    wait_for(
        lambda: sum("ready." in p.read_text() for p in tmp_path.glob("worker-*.log")) == workers,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_drain_throughput_to_a_local_sink(organization, sink, worker_env, tmp_path, workers):
    WebhookEndpointFactory(organization=organization, url=sink.url)
    count = 4000
    env = {**worker_env, "CELERY_CONCURRENCY": "1"}
    with running(["worker"] * workers + ["beat"], env, tmp_path) as processes:
        wait_until_ready(tmp_path, workers)
        relay = [process.pid for process in processes[:workers]]
        started = time.monotonic()
        with transaction.atomic():
            for n in range(count):
                outbox.emit(
                    organization_id=organization.pk,
                    event_type="bench.event",
                    aggregate_type="bench",
                    aggregate_id=n % 50,
                    payload={"n": n},
                )
        committed = time.monotonic()
        cpu_before = cpu_seconds(relay)
        pending = OutboxMessage.objects.exclude(state=OutboxMessage.State.PUBLISHED)
        wait_for(lambda: not pending.exists(), timeout=300, interval=0.05)
        drained = time.monotonic()
        wait_for(lambda: len(sink.received) >= count, timeout=300, interval=0.05)
        delivered = time.monotonic()
        relay_cpu = cpu_seconds(relay) - cpu_before

    record(
        f"throughput_{workers}_worker",
        {
            "messages": count,
            "drained_per_second": round(count / (drained - committed), 1),
            "messages_per_second": round(count / (delivered - committed), 1),
            "seconds_after_commit": round(delivered - committed, 2),
            "relay_cpu_seconds": round(relay_cpu, 2),
            "events_per_cpu_second": round(count / relay_cpu, 1),
            "seconds_to_write": round(committed - started, 2),
        },
    )


@pytest.mark.django_db(transaction=True)
def test_commit_to_delivery_latency_at_a_steady_rate(organization, sink, worker_env, tmp_path):
    WebhookEndpointFactory(organization=organization, url=sink.url)
    rate, seconds = 100, 15
    committed_at = {}
    with running(["worker", "beat"], worker_env, tmp_path):
        wait_until_ready(tmp_path, 1)
        for n in range(rate * seconds):
            tick = time.monotonic()
            with transaction.atomic():
                message = outbox.emit(
                    organization_id=organization.pk,
                    event_type="bench.event",
                    aggregate_type="bench",
                    aggregate_id=n,
                    payload={"n": n},
                )
            committed_at[str(message.event_id)] = time.time()
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
        wait_for(lambda: len(sink.received) >= len(committed_at), timeout=120, interval=0.1)

    latencies = sorted(
        (r["at"] - committed_at[r["headers"]["webhook-id"]]) * 1000 for r in sink.received
    )
    record(
        f"latency_ms_at_{rate}_per_second",
        {
            "events": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p99": round(latencies[int(len(latencies) * 0.99) - 1], 1),
            "max": round(latencies[-1], 1),
        },
    )
