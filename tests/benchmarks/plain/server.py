"""Serve the plain app as a plain deployment would: gunicorn's defaults, 2 sync workers."""

import subprocess
import sys
import urllib.request
from contextlib import contextmanager

from django.conf import settings

from tests.e2e.processes import free_port, wait_for

SETTINGS = "tests.benchmarks.plain.settings"


@contextmanager
def plain_drf(env: dict[str, str], log_dir):
    """Run gunicorn with two sync workers on tests.benchmarks.plain; yield its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync"]
    with open(log_dir / "plain.log", "w") as log:
        process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", "config.wsgi"],
            cwd=settings.BASE_DIR,
            env={**env, "DJANGO_SETTINGS_MODULE": SETTINGS},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _answers(f"{base}/plain/health", process), timeout=60, interval=0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


def _answers(url: str, process) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"gunicorn (plain) exited with {process.returncode}")
    try:
        return urllib.request.urlopen(url, timeout=5).status == 200
    except OSError:
        return False
