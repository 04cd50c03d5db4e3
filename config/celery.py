"""The Celery application: `celery -A config worker` and `celery -A config beat`."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("serviceflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def serve_worker_metrics(**kwargs) -> None:
    """Expose the worker's metrics on CELERY_METRICS_PORT, when set.

    Prefork children count into PROMETHEUS_MULTIPROC_DIR, which this endpoint sums.
    """
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        from config.metrics import process_registry

        start_http_server(int(port), registry=process_registry())


@task_prerun.connect
@task_postrun.connect
def close_spent_database_connections(**kwargs) -> None:
    """Between tasks, as between requests: close a connection past CONN_MAX_AGE or broken."""
    from django.db import close_old_connections

    close_old_connections()
