"""Start the Procfile's processes for a test, on the test database."""

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

PROCFILE = Path(settings.BASE_DIR) / "Procfile"


def procfile_command(process: str) -> list[str]:
    """Run a Procfile line the way a process manager does: through the shell, exec'd."""
    for line in PROCFILE.read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return [shutil.which("bash"), "-c", f"exec {command.strip()}"]
    raise LookupError(f"No {process!r} line in the Procfile")


@contextlib.contextmanager
def running(names: list[str], env: dict[str, str], log_dir: Path):
    """Run the named Procfile processes (a name may repeat) until the block ends."""
    processes = []
    with contextlib.ExitStack() as stack:
        for index, name in enumerate(names):
            log = stack.enter_context(open(log_dir / f"{name}-{index}.log", "w"))
            processes.append(
                subprocess.Popen(
                    procfile_command(name),
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            yield processes
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def serving(url: str) -> bool:
    """Whether `url` answers 200 now; not listening yet, or too busy starting, is a no."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:  # refused, reset, timed out, or an HTTP error status
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2):
    """Serve the project with the repo's gunicorn config (sync workers); yield its base URL."""
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_serving(url: str, process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=30)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")
