"""Prometheus metrics: HTTP latency and counts by route and status, summed across workers.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes every worker write its samples to files
that `/metrics` aggregates (config/gunicorn.py prepares the folder).
"""

import os
import time

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUEST_DURATION = Histogram(
    "serviceflow_http_request_duration_seconds",
    "Time from request to response, by route and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter(
    "serviceflow_http_requests",
    "HTTP requests handled, by route and status.",
    ["method", "route", "status"],
)
UNMATCHED_ROUTE = "<unmatched>"


def route_of(request: HttpRequest) -> str:
    """Return the URL pattern that served the request, never the raw path (bounded labels)."""
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None and match.route else UNMATCHED_ROUTE


class PrometheusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        labels = {
            "method": request.method if request.method in KNOWN_METHODS else "OTHER",
            "route": route_of(request),
            "status": str(response.status_code),
        }
        REQUEST_DURATION.labels(**labels).observe(time.perf_counter() - started)
        REQUESTS.labels(**labels).inc()
        return response


KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Expose the metrics of this process, or of every worker in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
