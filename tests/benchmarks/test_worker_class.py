"""Issue 13: the gunicorn worker class and counts for this CPU-bound API, chosen by measurement.

The Procfile's web runs in six configurations at once, each with the settings of
test_api_overhead's deployment, beside one Celery worker and beat (one pair, as a deployment has,
so that a single beat schedules the drains): gthread 2 x 4 (shipped), sync 2, sync 4,
gthread 2 x 2, 3 x 2 and 4 x 2. Only gunicorn's own overrides differ: WEB_CONCURRENCY,
GUNICORN_THREADS, and the worker class through GUNICORN_CMD_ARGS, which gunicorn applies over
config/gunicorn.py. wrk rounds alternate between the configurations on a detail GET, a list of
50 and a ticket create. Figures are printed and kept in var/bench/worker_class.json, never
asserted; errors fail the run.
"""

import json
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from django.conf import settings

from config.roles import Role
from outbox.models import OutboxMessage
from tests.accounts.factories import MembershipFactory
from tests.benchmarks.conftest import procfile_web, worker_and_beat
from tests.benchmarks.rounds import wrk_round, wrk_summary
from tests.benchmarks.test_api_overhead import TICKETS, deployment, endpoints, wrk_arguments
from tests.benchmarks.tickets_at_scale import add_tickets
from tests.e2e.processes import wait_for

ROUNDS, ROUND_SECONDS, WARM_SECONDS = 2, 5, 2
MEASURED = ("detail", "list_10k", "create")  # test_api_overhead's names for them
REPORT = settings.VAR_DIR / "bench" / "worker_class.json"


@dataclass
class WebConfig:
    """One way of running the Procfile's web: gunicorn's overrides and the class they select."""

    title: str
    overrides: dict[str, str]
    worker_class: str  # as gunicorn logs it ("Using worker: ...")
    workers: int
    runs: dict = field(default_factory=lambda: {name: [] for name in MEASURED})

    @property
    def keeps_alive(self) -> bool:
        return self.worker_class != "sync"


def web_configs() -> dict[str, WebConfig]:
    sync = {"GUNICORN_THREADS": "1", "GUNICORN_CMD_ARGS": "--worker-class sync"}
    return {
        "a": WebConfig("gthread 2 workers x 4 threads (shipped)", {}, "gthread", 2),
        "b": WebConfig("sync 2 workers", {**sync, "WEB_CONCURRENCY": "2"}, "sync", 2),
        "c": WebConfig("sync 4 workers", {**sync, "WEB_CONCURRENCY": "4"}, "sync", 4),
        "d": WebConfig("gthread 2 workers x 2 threads", {"GUNICORN_THREADS": "2"}, "gthread", 2),
        # More processes than cores, fewer threads each: waits overlap with less GIL contention.
        "e": WebConfig(
            "gthread 3 workers x 2 threads",
            {"WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2"},
            "gthread",
            3,
        ),
        "f": WebConfig(
            "gthread 4 workers x 2 threads",
            {"WEB_CONCURRENCY": "4", "GUNICORN_THREADS": "2"},
            "gthread",
            4,
        ),
    }


def ensure_serving_as_configured(config: WebConfig, log_dir) -> None:
    """Fail unless gunicorn runs the worker class and count the configuration asks for."""
    log = (log_dir / "web-0.log").read_text()
    assert f"Using worker: {config.worker_class}" in log, log
    wait_for(lambda: (log_dir / "web-0.log").read_text().count("Booting worker") >= config.workers)


def measure_round(endpoint, config: WebConfig, base: str, organization, seconds: float) -> dict:
    side = endpoint.sides["api"]
    # Sync workers close every connection; saying so lets wrk reconnect at once.
    headers = side.headers if config.keeps_alive else {**side.headers, "Connection": "close"}
    run = f"worker-class-{endpoint.name}-{time.time_ns()}"
    # Events of earlier writes drain first: the worker catching up would load one round only.
    wait_for(lambda: not OutboxMessage.objects.filter(state="pending").exists(), timeout=120)
    arguments = wrk_arguments(side, organization, run)
    return wrk_round(base + side.path, *arguments, headers=headers, seconds=seconds)


def table(rows: list[dict]) -> str:
    header = (
        f"{'config':<42} {'endpoint':<46} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'vs (a)':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['config']:<42} {row['endpoint']:<46} {row['requests_per_second']:>7} "
            f"{row['p50_ms']:>7} {row['p99_ms']:>7} {row['errors']:>6} {row['ratio_to_a']:>6}"
        )
    return "\n".join(lines)


def rows_of(configs: dict[str, WebConfig], chosen: dict) -> list[dict]:
    rows = []
    for name in MEASURED:
        shipped = wrk_summary(configs["a"].runs[name])["requests_per_second"]
        for label, config in configs.items():
            found = wrk_summary(config.runs[name])
            rows.append(
                {
                    "config": f"({label}) {config.title}",
                    "endpoint": chosen[name].title,
                    **found,
                    "errors": found["errors"] + found["socket_errors"],
                    "ratio_to_a": round(found["requests_per_second"] / shipped, 2),
                }
            )
    return rows


@pytest.mark.django_db(transaction=True)
def test_worker_classes_side_by_side(organization, issue_key, process_env, worker_env, tmp_path):
    started = time.monotonic()
    agent = MembershipFactory(organization=organization, role=Role.AGENT).user
    add_tickets(organization, first=1, last=TICKETS, assignee_id=agent.pk)
    # No plain side here: the organization stands in for the plain app's.
    by_name = {e.name: e for e in endpoints(organization, organization, issue_key(organization))}
    chosen = {name: by_name[name] for name in MEASURED}
    configs = web_configs()
    bases = {}
    with worker_and_beat(deployment(worker_env), tmp_path), ExitStack() as stack:
        for label, config in configs.items():
            log_dir = tmp_path / label
            (log_dir / "metrics").mkdir(parents=True)
            env = {
                **deployment(process_env),
                **config.overrides,
                "PROMETHEUS_MULTIPROC_DIR": str(log_dir / "metrics"),
            }
            bases[label] = stack.enter_context(procfile_web(env, log_dir)).base
            ensure_serving_as_configured(config, log_dir)
        for name, endpoint in chosen.items():
            for label, config in configs.items():
                measure_round(endpoint, config, bases[label], organization, WARM_SECONDS)
            for _ in range(ROUNDS):
                for label, config in configs.items():
                    found = measure_round(
                        endpoint, config, bases[label], organization, ROUND_SECONDS
                    )
                    config.runs[name].append(found)

    rows = rows_of(configs, chosen)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "configuration": {
                    "web": "Procfile web, config/gunicorn.py with WEB_CONCURRENCY, "
                    "GUNICORN_THREADS and GUNICORN_CMD_ARGS overrides; one Procfile worker "
                    "and beat; config.settings.production, LOG_LEVEL=INFO",
                    "load": f"wrk -t8 -c8; {ROUNDS} alternating rounds of {ROUND_SECONDS} s "
                    "per configuration; sync configurations are sent Connection: close",
                    "tickets": TICKETS,
                    "seconds": round(time.monotonic() - started),
                },
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nworker_class ({REPORT}):\n{table(rows)}")
    assert all(row["requests"] > 0 for row in rows)
    assert [row["errors"] for row in rows] == [0] * len(rows)
