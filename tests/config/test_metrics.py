import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=30)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def worker_files(metrics_dir: Path) -> set[str]:
    return {path.name for path in metrics_dir.glob("counter_*.db")}


def test_metrics_add_up_across_gunicorn_workers(tmp_path: Path):
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    sent = 0
    try:
        wait_until_serving(f"{base}/healthz", process)
        sent += 1
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
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert len(worker_files(metrics_dir)) == 2
    assert requests_counted(text, "/healthz") == sent
