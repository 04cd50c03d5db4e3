"""Every metric the Grafana dashboard and the alert rules query is one the processes export.

A live gunicorn and a live Celery worker, as the Procfile starts them, do a little of
everything (requests, a published event, a webhook delivered, a publish that fails, a cache that
is away), so that each labelled series exists; then both /metrics are scraped, as Prometheus does.
"""

import contextlib
import json
import os
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.services import create_api_key
from config.roles import Role
from helpdesk.tasks import mark_sla_breaches
from tests.deploy.app_environment import BASE_DIR
from tests.deploy.promql import metric_names
from tests.e2e.processes import free_port, gunicorn, running, wait_for
from tests.helpdesk.factories import TicketFactory
from tests.outbox.factories import WebhookEndpointFactory

DASHBOARD = BASE_DIR / "deploy" / "grafana" / "dashboards" / "serviceflow.json"
ALERTS = BASE_DIR / "deploy" / "prometheus" / "alerts.yml"
# Nothing listens on these ports: a Redis and a RabbitMQ that are down.
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1//"


def panels(dashboard: dict) -> list[dict]:
    return [
        panel
        for top in dashboard["panels"]
        for panel in [top, *top.get("panels", [])]
        if panel.get("targets")
    ]


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in panels(dashboard) for target in panel["targets"]]


def alert_queries() -> list[str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def queried_metrics() -> set[str]:
    return {name for query in dashboard_queries() + alert_queries() for name in metric_names(query)}


def exported(url: str) -> set[str]:
    """The sample names a scrape of `url` returns (a histogram's _bucket, _sum and _count)."""
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def test_every_dashboard_panel_and_alert_queries_a_serviceflow_metric():
    queries = dashboard_queries() + alert_queries()

    assert len(dashboard_queries()) >= 10
    assert all(metric_names(query) for query in queries)
    assert all(name.startswith("serviceflow_") for name in queried_metrics())


def test_metric_names_are_told_apart_from_functions_labels_and_keywords():
    query = (
        'histogram_quantile(0.99, sum by (route, le) (rate(a_bucket{route!~"/x|/y"}[5m])))'
        " > 1 and on (route) sum(rate(b_total[$__rate_interval])) or vector(0) unless c offset 5m"
    )

    assert metric_names(query) == {"a_bucket", "b_total", "c"}


@pytest.fixture
def worker_metrics_url(worker_env, tmp_path):
    """A Procfile worker exposing /metrics, publishing also to a broker that is down."""
    port = free_port()
    folder = tmp_path / "worker-metrics"
    folder.mkdir()
    env = {
        **worker_env,
        "CELERY_METRICS_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "OUTBOX_BROKER_URL": DEAD_BROKER,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    url = f"http://127.0.0.1:{port}/metrics"
    with running(["worker"], env, tmp_path):
        wait_for(lambda: answers(url), timeout=60, interval=0.2)  # it listens once it consumes
        yield url


@pytest.fixture
def web_base_url(process_env, tmp_path):
    """gunicorn with its cache away (its Celery broker is the real one)."""
    folder = tmp_path / "web-metrics"
    env = {
        **process_env,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "REDIS_URL": DEAD_REDIS,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    with gunicorn(env, workers=1) as base:
        yield base


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.URLError:
        return False
    return True


def request(url: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    with contextlib.suppress(urllib.error.HTTPError):  # a 4xx makes a series too
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)


@pytest.mark.django_db(transaction=True)
def test_every_queried_metric_is_exported_by_a_live_web_and_worker(
    organization, webhook_sink, worker_metrics_url, web_base_url
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    key = create_api_key(organization_id=organization.pk, name="scraped", role=Role.ADMIN)
    # A ticket past its resolution target, for the worker's SLA task to mark (SLA breaches).
    TicketFactory(organization=organization, resolution_due_at=timezone.now() - timedelta(hours=1))
    mark_sla_breaches.delay()
    for path in ("/healthz", "/readyz", "/api/v1/me", "/api/v1/tickets/0"):
        request(f"{web_base_url}{path}", key.plaintext)
    wanted = queried_metrics()

    def missing() -> set[str]:
        return wanted - exported(f"{web_base_url}/metrics") - exported(worker_metrics_url)

    # The worker's counters appear once it has published the event (and failed to, to the broker);
    # if some never do, the assertion below names them.
    with contextlib.suppress(AssertionError):
        wait_for(lambda: not missing(), timeout=30, interval=0.5)
    assert missing() == set()
    assert webhook_sink.received
    # Names are matched as PromQL sees them: a counter only as `_total`, a histogram by suffix.
    assert "serviceflow_http_requests" not in exported(f"{web_base_url}/metrics")
