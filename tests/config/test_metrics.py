import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.processes import gunicorn

pytestmark = pytest.mark.django_db


def requests_counted(metrics_text: str, route: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        if family.name == "serviceflow_http_requests"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels["route"] == route
    )


def test_requests_are_counted_by_route_pattern_and_status(client, admin_api):
    before = requests_counted(client.get("/metrics").content.decode(), "/healthz")

    client.get("/healthz")
    client.get("/healthz")
    admin_api.get("/api/v1/api-keys/12345")
    text = client.get("/metrics").content.decode()

    assert requests_counted(text, "/healthz") == before + 2
    assert 'route="/api/v1/api-keys/{pk}",status="404"' in text
    assert "serviceflow_http_request_duration_seconds_bucket" in text


def worker_files(metrics_dir: Path) -> set[str]:
    return {path.name for path in metrics_dir.glob("counter_*.db")}


def test_metrics_add_up_across_gunicorn_workers(tmp_path: Path):
    metrics_dir = tmp_path / "metrics"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with gunicorn(env, workers=2) as base:
        sent = 1  # the readiness probe
        # Keep both workers busy until each has served (written its own samples file).
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(50):
                list(
                    pool.map(lambda _: urllib.request.urlopen(f"{base}/healthz").read(), range(20))
                )
                sent += 20
                if len(worker_files(metrics_dir)) >= 2:
                    break
        text = urllib.request.urlopen(f"{base}/metrics").read().decode()

    assert len(worker_files(metrics_dir)) == 2
    assert requests_counted(text, "/healthz") == sent
