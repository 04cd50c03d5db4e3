"""`make bench`: ticket creations per second through gunicorn, measured by wrk in another
process, against a baseline view doing only the three INSERTs a creation needs, and against the
same writes behind the HTTP contract (auth, throttle, validation, representation) without the
invariants: the gap between the last two is what the invariants cost."""

import time

import pytest

from accounts.services import create_api_key
from config.roles import Role
from helpdesk.models import Contact
from tests.benchmarks.results import record
from tests.benchmarks.rounds import wrk_round, wrk_summary
from tests.e2e.processes import gunicorn

CORES = 2
ROUNDS = 4
ROUND_SECONDS = 5


def wrk(url: str, key: str, seconds: float) -> dict:
    """POST tickets with load.lua's `create`, each round under Idempotency-Keys of its own."""
    # Sync workers close every connection; saying so lets wrk reconnect at once. Two threads
    # for eight connections, as this benchmark has always run.
    headers = {"Authorization": f"Bearer {key}", "Connection": "close"}
    run = f"ticket-load-{time.time_ns()}"
    return wrk_round(url, "create", run, headers=headers, seconds=seconds, threads=2)


@pytest.mark.django_db(transaction=True)
def test_ticket_creation_throughput_against_the_three_insert_baseline(organization, process_env):
    key = create_api_key(organization_id=organization.pk, name="load", role=Role.AGENT).plaintext
    Contact.objects.create(organization=organization, email="baseline@example.com")
    env = {
        **process_env,
        "DJANGO_ROOT_URLCONF": "tests.benchmarks.urls",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_PRINCIPAL_RATE": "100000000/min",
    }
    paths = {
        "api": "/api/v1/tickets",
        "three_inserts": "/bench/three-inserts",
        "three_inserts_with_http_contract": "/bench/contract",
    }
    runs = {name: [] for name in paths}
    with gunicorn(env, workers=CORES) as base:
        # Warm caches and pooled connections first: the steady state is what is compared.
        for path in paths.values():
            wrk(base + path, key, 2)
        # Alternating short rounds, so that every side sees the same machine.
        for _ in range(ROUNDS):
            for name, path in paths.items():
                runs[name].append(wrk(base + path, key, ROUND_SECONDS))

    figures = {name: wrk_summary(name_runs) for name, name_runs in runs.items()}
    floor = figures["three_inserts"]["requests_per_second"]
    record(
        "ticket_creation",
        {
            "gunicorn_sync_workers": CORES,
            **figures,
            "api_vs_three_inserts": round(figures["api"]["requests_per_second"] / floor, 2),
            "http_contract_vs_three_inserts": round(
                figures["three_inserts_with_http_contract"]["requests_per_second"] / floor, 2
            ),
        },
    )
    assert all(figure["errors"] + figure["socket_errors"] == 0 for figure in figures.values())
