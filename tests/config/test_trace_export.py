"""Spans leave the process over OTLP only when an endpoint is configured."""

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings

MAKE_ONE_REQUEST = (
    "import django; django.setup(); "
    "from django.test import Client; from opentelemetry import trace; "
    "Client().get('/healthz'); trace.get_tracer_provider().force_flush()"
)


DEFAULT_OTLP_HTTP_PORT = 4318


@pytest.fixture
def otlp_sink(request):
    """A local OTLP/HTTP collector that records the paths it was sent (port 0: any free one)."""
    received: list[str] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", getattr(request, "param", 0)), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


def run_one_request(extra_env: dict[str, str]) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", MAKE_ONE_REQUEST],
        cwd=settings.BASE_DIR,
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_spans_are_exported_to_the_configured_otlp_endpoint(otlp_sink):
    endpoint, received = otlp_sink

    run_one_request({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})

    assert "/v1/traces" in received


@pytest.mark.parametrize("otlp_sink", [DEFAULT_OTLP_HTTP_PORT], indirect=True)
def test_nothing_is_exported_without_an_endpoint(otlp_sink):
    """An exporter installed regardless would post to the default OTLP port, watched here."""
    _, received = otlp_sink

    run_one_request({})

    assert received == []
