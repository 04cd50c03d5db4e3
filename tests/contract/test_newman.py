"""The Postman collection (docs/postman) runs green under Newman against the product as deployed."""

import json
import os
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import settings

from accounts.services import create_api_key
from config.roles import Role
from tests.accounts.factories import OrganizationFactory
from tests.e2e.processes import gunicorn, running

POSTMAN = Path(settings.BASE_DIR) / "docs" / "postman"
COLLECTION = POSTMAN / "serviceflow.postman_collection.json"
ENVIRONMENT = POSTMAN / "serviceflow.postman_environment.json"
NEWMAN = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "newman"
# `make test` runs the scenario three times; `make newman ITERATIONS=50` as a small load.
ITERATIONS = int(os.environ.get("NEWMAN_ITERATIONS", "3"))
# A load run sends far more than a client may; limits are tested on their own.
UNTHROTTLED = {
    "API_THROTTLE_PRINCIPAL_RATE": "100000/min",
    "API_THROTTLE_ANONYMOUS_RATE": "100000/min",
    "API_KEY_MAX_FAILURES_PER_MINUTE": "100000",
}


@pytest.fixture
def base_url(worker_env, tmp_path) -> str:
    """gunicorn, a Celery worker and beat (which feeds the event feed), on this test's database."""
    env = {**worker_env, **UNTHROTTLED, "PRIVATE_MEDIA_ROOT": str(tmp_path / "private")}
    with running(["worker", "beat"], env, tmp_path) as celery, gunicorn(env) as url:
        dead = [process.args[-1] for process in celery if process.poll() is not None]
        assert not dead, f"{dead} exited; see the logs in {tmp_path}"
        yield url


@pytest.fixture
def environment_file(base_url, tmp_path) -> Path:
    """The committed environment, filled in with the live server and two organizations' keys."""
    ours = OrganizationFactory(slug="newman", name="Newman")
    theirs = OrganizationFactory(slug="elsewhere", name="Elsewhere")
    values = {
        "base_url": base_url,
        "api_key": admin_key(ours, "newman"),
        "foreign_api_key": admin_key(theirs, "elsewhere"),
    }
    environment = json.loads(ENVIRONMENT.read_text())
    for variable in environment["values"]:
        variable["value"] = values.pop(variable["key"])
    assert values == {}, f"the committed environment lacks {sorted(values)}"
    path = tmp_path / "environment.json"
    path.write_text(json.dumps(environment))
    return path


def admin_key(organization, name: str) -> str:
    return create_api_key(organization_id=organization.pk, name=name, role=Role.ADMIN).plaintext


def run_newman(environment: Path, report: Path) -> subprocess.CompletedProcess:
    if not NEWMAN.exists():
        pytest.fail("Newman is not installed: run `make install` (npm ci) first.")
    command = [
        *(str(NEWMAN), "run", str(COLLECTION), "-e", str(environment)),
        *("-n", str(ITERATIONS), "--timeout-request", "30000", "--color", "off"),
        *("--reporters", "cli,json", "--reporter-json-export", str(report)),
    ]
    return subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120 + 10 * ITERATIONS,
    )


def request_names(items: list[dict]) -> list[str]:
    """The collection's requests in run order, folders walked depth first."""
    names = []
    for item in items:
        names.extend([item["name"]] if "request" in item else request_names(item["item"]))
    return names


def assertions_by_request(run: dict) -> dict[str, list[list[str]]]:
    """Per request, one list of assertion names per iteration.

    The JSON report lists an execution again for each `pm.sendRequest` of its scripts (the
    event feed's polling); the cursor's `ref` names the execution itself.
    """
    executions = {(e["item"]["name"], e["cursor"]["ref"]): e for e in run["executions"]}
    by_request = defaultdict(list)
    for (name, _), execution in executions.items():
        by_request[name].append([a["assertion"] for a in execution.get("assertions", [])])
    return by_request


def test_the_collection_runs_the_whole_scenario_green_iteration_after_iteration(
    environment_file, tmp_path
):
    report = tmp_path / "newman.json"
    names = request_names(json.loads(COLLECTION.read_text())["item"])

    newman = run_newman(environment_file, report)

    run = json.loads(report.read_text())["run"]
    assert newman.returncode == 0, newman.stdout[-20_000:]
    assert run["failures"] == []
    assert run["stats"]["iterations"] == {"total": ITERATIONS, "pending": 0, "failed": 0}
    assert len(set(names)) == len(names), "request names must be unique to count them"
    executed = assertions_by_request(run)
    assert Counter({name: len(runs) for name, runs in executed.items()}) == Counter(
        dict.fromkeys(names, ITERATIONS)
    )
    for name, runs in executed.items():
        assert all(asserted == runs[0] for asserted in runs), f"{name} asserted unevenly"
        assert any(assertion.startswith("answers ") for assertion in runs[0]), name
    per_iteration = sum(len(runs[0]) for runs in executed.values())
    assert run["stats"]["assertions"]["total"] == per_iteration * ITERATIONS
