"""Prometheus metrics: HTTP latency and counts by route and status, summed across workers.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes every worker write its samples to files
that `/metrics` aggregates (config/gunicorn.py prepares the folder). With METRICS_TOKEN set
the scraper must send it as a bearer token; production requires one (docs/adr/0005).
"""

import hmac
import os
import re
import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
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
CACHE_FAIL_OPEN = Counter(
    "serviceflow_cache_fail_open",
    "Cache operations skipped because the cache was unreachable, by what they served.",
    ["use"],
)
UNMATCHED_ROUTE = "<unmatched>"
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_PATH_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def route_of(request: HttpRequest) -> str:
    """Return the URL pattern that served the request (`/api/v1/api-keys/{pk}`), never the path.

    Raw paths would give every object its own time series.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    route = _PATH_CONVERTER.sub(r"{\1}", _REGEX_GROUP.sub(r"{\1}", match.route))
    return "/" + route.replace("^", "").replace("$", "")


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


_SCRAPE_COLLECTORS: list = []


def register_scrape_collector(collector) -> None:
    """Add a collector computed at scrape time (from the database, say), once per type."""
    if not any(type(existing) is type(collector) for existing in _SCRAPE_COLLECTORS):
        _SCRAPE_COLLECTORS.append(collector)


def process_registry() -> CollectorRegistry:
    """This process's metrics, or the sum over every process sharing PROMETHEUS_MULTIPROC_DIR."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Expose process metrics plus the ones computed at scrape time, to the scraper only."""
    token = settings.METRICS_TOKEN
    if not token and settings.METRICS_REQUIRE_TOKEN:
        raise Http404  # no token configured: off, rather than open to anyone
    if token and not _bears(request, token):
        response = HttpResponse("A bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    scraped = CollectorRegistry()
    for collector in _SCRAPE_COLLECTORS:
        scraped.register(collector)
    body = generate_latest(process_registry()) + generate_latest(scraped)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _bears(request: HttpRequest, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode())
