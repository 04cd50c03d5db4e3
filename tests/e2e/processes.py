"""Start the Procfile's processes for a test, on the test database."""

import contextlib
import shutil
import subprocess
import time
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
