"""Running the project in a subprocess with an environment of its own, as a fresh install does."""

import os
import subprocess
import sys

from django.conf import settings

# The variables that would point a subprocess at this test run's servers.
SERVER_VARIABLES = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}


def clean_env(tmp_path, **extra: str) -> dict[str, str]:
    """This process's environment without its server URLs, keeping its files under `tmp_path`."""
    env = {key: value for key, value in os.environ.items() if key not in SERVER_VARIABLES}
    return {**env, "SERVICEFLOW_VAR_DIR": str(tmp_path), **extra}


def run_embedded(tmp_path, script: str) -> str:
    """Migrate a fresh embedded database, run the script against it, return its last line."""
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.base")
    run = {
        "cwd": settings.BASE_DIR,
        "env": env,
        "capture_output": True,
        "text": True,
        "timeout": 120,
    }

    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
    ran = subprocess.run([sys.executable, "-c", script], **run)

    assert migrated.returncode == 0, migrated.stderr
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.splitlines()[-1]
