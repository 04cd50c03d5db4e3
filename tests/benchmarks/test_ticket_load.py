"""`make bench`: ticket creations per second through gunicorn, measured by wrk in another
process, against a baseline view doing only the three INSERTs a creation needs."""

import shutil
import subprocess
from pathlib import Path

import pytest

from accounts.models import Role
from accounts.services import create_api_key
from helpdesk.models import Contact
from tests.benchmarks.test_outbox_delivery import record
from tests.e2e.processes import gunicorn

SCRIPT = Path(__file__).with_name("create_ticket.lua")
CORES = 2


def run_wrk(url: str, key: str, seconds: int = 15) -> dict:
    # Each worker's first requests import and connect (~0.5 s): they are not the steady state.
    measure(url, key, seconds=3)
    return measure(url, key, seconds)


def measure(url: str, key: str, seconds: int) -> dict:
    result = subprocess.run(
        [
            shutil.which("wrk"),
            "-t2",
            "-c8",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(SCRIPT),
            url,
            "--",
            key,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p99, non_2xx = map(int, line.split()[1:])
    return {
        "requests_per_second": round(requests / (micros / 1e6), 1),
        "p50_ms": round(p50 / 1000, 1),
        "p99_ms": round(p99 / 1000, 1),
        "non_2xx": non_2xx,
    }


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
    with gunicorn(env, workers=CORES) as base:
        tickets = run_wrk(f"{base}/api/v1/tickets", key)
        baseline = run_wrk(f"{base}/bench/three-inserts", key)

    record(
        "ticket_creation",
        {"gunicorn_sync_workers": CORES, "api": tickets, "three_inserts": baseline},
    )
    assert tickets["non_2xx"] == 0 and baseline["non_2xx"] == 0
