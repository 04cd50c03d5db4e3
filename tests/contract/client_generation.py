"""Generate the Python client exactly as `make client` does."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

GENERATOR = "openapi-python-client"


def make_client_command(output: Path) -> list[str]:
    """The generator command of `make client`, asked of make itself so the two cannot drift.

    Two things differ: the package goes to `output`, and since make runs the generator through
    `uv run`, in the environment the test already runs in, it is started with this interpreter.
    """
    make = [shutil.which("make"), "--dry-run", "--silent", "--no-print-directory"]
    dry_run = subprocess.run(
        [*make, "client"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    lines = [line for line in dry_run.stdout.splitlines() if f"{GENERATOR} generate" in line]
    assert len(lines) == 1, f"`make client` should run {GENERATOR} once; it runs:\n{dry_run.stdout}"
    words = shlex.split(lines[0])
    arguments = words[words.index(GENERATOR) + 1 :]
    arguments[arguments.index("--output-path") + 1] = str(output)
    return [sys.executable, "-m", "openapi_python_client", *arguments]


def generate_client(output: Path) -> Path:
    """Generate the client package into `output`; return the document it was generated from."""
    command = make_client_command(output)
    result = subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(settings.BASE_DIR) / command[command.index("--path") + 1]
