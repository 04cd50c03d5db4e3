"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi` (the Procfile's web line)."""

import os
import shutil
import tempfile
from pathlib import Path

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
accesslog = None  # requests are logged as JSON by the application itself
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Each worker writes metric samples here and /metrics sums them (prometheus_client multiprocess).
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    str(Path(tempfile.gettempdir()) / f"serviceflow-metrics-{bind.split(':')[-1]}"),
)


def on_starting(server) -> None:
    """Start every master with an empty metrics folder (stale files would add up forever),
    and ready: a drain marker left by the process this one replaces no longer applies."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")  # as config.wsgi
    from django.conf import settings

    Path(settings.SHUTDOWN_DRAIN_FILE).unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    from config.warmup import warm_up

    warm_up()
