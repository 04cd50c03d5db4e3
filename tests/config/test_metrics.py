import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.processes import gunicorn

pytestmark = pytest.mark.django_db


DEAD_REDIS = "redis://127.0.0.1:6390/0"


def counted(metrics_text: str, counter: str, **labels: str) -> float:
    """Sum a counter's `_total` samples that carry the given labels."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        if family.name == counter
        for sample in family.samples
        if sample.name.endswith("_total") and labels.items() <= sample.labels.items()
    )


def requests_counted(metrics_text: str, route: str) -> float:
    return counted(metrics_text, "serviceflow_http_requests", route=route)


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


def test_metrics_want_the_bearer_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scraper-secret"

    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-secret")

    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert b"serviceflow_http_requests" in right.content


def test_metrics_are_off_where_a_token_is_required_but_none_is_set(client, settings):
    settings.METRICS_REQUIRE_TOKEN = True
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404


def test_without_the_cache_requests_pass_unthrottled_with_a_warning_and_a_counter(
    client, admin_api, settings, caplog
):
    before = client.get("/metrics").content.decode()
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": DEAD_REDIS}}

    statuses = [admin_api.get("/api/v1/me").status_code for _ in range(2)]
    after = client.get("/metrics").content.decode()

    assert statuses == [200, 200]
    assert "The cache is unavailable; api_key fails open" in caplog.text

    def fail_opens(metrics_text: str, use: str) -> float:
        return counted(metrics_text, "serviceflow_cache_fail_open", use=use)

    assert fail_opens(after, "throttle") >= fail_opens(before, "throttle") + 2
    assert fail_opens(after, "api_key") >= fail_opens(before, "api_key") + 1
