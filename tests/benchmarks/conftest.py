"""What every `make bench` measurement of the HTTP API stands on: the Procfile's processes."""

import json
import os
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from config.roles import Role
from tests.benchmarks import summary
from tests.benchmarks.results import ONE_TABLE, RECORDED
from tests.e2e.processes import free_port, running, wait_for


class Shipped(NamedTuple):
    base: str  # the web's URL
    web: subprocess.Popen  # gunicorn's master process


@contextmanager
def shipped_processes(web_env: dict[str, str], worker_env: dict[str, str], log_dir):
    """Run the Procfile's web, worker and beat with their own settings; yield where they are."""
    with worker_and_beat(worker_env, log_dir), procfile_web(web_env, log_dir) as web:
        yield web


@contextmanager
def worker_and_beat(worker_env: dict[str, str], log_dir):
    """Run the Procfile's worker and beat; return once the worker is ready."""
    with running(["worker", "beat"], {**worker_env, "PATH": _virtualenv_path()}, log_dir):
        wait_for(lambda: "ready." in (log_dir / "worker-0.log").read_text(), timeout=60)
        yield


@contextmanager
def procfile_web(web_env: dict[str, str], log_dir):
    """Run the Procfile's web on a free port; yield where it is once it answers."""
    port = free_port()
    env = {**web_env, "PORT": str(port), "PATH": _virtualenv_path()}
    with running(["web"], env, log_dir) as (web,):
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _serving(base, web, log_dir), timeout=60, interval=0.2)
        yield Shipped(base, web)


def _virtualenv_path() -> str:
    # The Procfile names its commands bare, as a process manager in the virtualenv runs them.
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _serving(base: str, web, log_dir) -> bool:
    if web.poll() is not None:
        raise RuntimeError(f"gunicorn exited with {web.returncode}; see {log_dir / 'web-0.log'}")
    try:
        return urllib.request.urlopen(f"{base}/healthz", timeout=5).status == 200
    except OSError:
        return False


@pytest.fixture
def shipped(process_env, worker_env, tmp_path, caplog):
    caplog.set_level("WARNING", logger="httpx")  # a line per request would bury the figures
    web_env = {
        # The project's var folder, where the static files were collected; the worker and beat
        # keep theirs in tmp_path (worker_env), so that a beat schedule is never shared.
        **process_env,
        # As in test_ticket_load: the per-key throttle (1,200/min) would cap the figures, and
        # a JSON log line per request would be measured with them (the worker logs at INFO,
        # which is how it says it is ready).
        "API_THROTTLE_PRINCIPAL_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
    }
    with shipped_processes(web_env, worker_env, tmp_path) as processes:
        yield processes.base


@pytest.fixture
def admin_http(shipped, organization, issue_key):
    with httpx.Client(
        base_url=shipped,
        headers={"Authorization": f"Bearer {issue_key(organization, Role.ADMIN)}"},
        timeout=60,
    ) as client:
        yield client


@pytest.fixture(scope="session", autouse=True)
def one_table():
    """After the benchmarks, print every figure of the run in one table (and keep it as JSON)."""
    yield
    others = summary.other_rows(RECORDED)
    endpoints = ""
    if "api_overhead" in RECORDED and ONE_TABLE.exists():
        report = json.loads(ONE_TABLE.read_text())
        report["other_benchmarks"] = others
        ONE_TABLE.write_text(json.dumps(report, indent=2))
        endpoints = summary.endpoint_table(report["endpoints"]) + "\n\n"
    if endpoints or others:
        print(f"\n\nmake bench, one table:\n{endpoints}{summary.render(others)}")
