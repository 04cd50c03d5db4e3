import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

PROCFILE = Path(settings.BASE_DIR) / "Procfile"


def procfile_command(process: str) -> list[str]:
    """Run a Procfile line the way a process manager does: through the shell, exec'd."""
    for line in PROCFILE.read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return [shutil.which("bash"), "-c", f"exec {command.strip()}"]
    raise LookupError(f"No {process!r} line in the Procfile")


@pytest.fixture
def celery_processes(process_env, tmp_path, monkeypatch):
    """A real Celery worker and beat, as the Procfile starts them, on the test database."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    env = {
        **process_env,
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "SERVICEFLOW_VAR_DIR": str(tmp_path),
    }
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("worker", "beat")}  # noqa: SIM115
    processes = [
        subprocess.Popen(
            procfile_command(name),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=logs[name],
            stderr=subprocess.STDOUT,
        )
        for name in ("worker", "beat")
    ]
    yield tmp_path
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    for log in logs.values():
        log.close()


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
