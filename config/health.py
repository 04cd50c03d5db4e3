"""Liveness (`/healthz`) and readiness (`/readyz`) probes."""

import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from config.api import problem_types as types
from config.api.problems import ProblemResponse, build_problem


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    cache.set("readyz:probe", "ok", timeout=10)
    if cache.get("readyz:probe") != "ok":
        raise RuntimeError("the cache did not return what was written")


def check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=settings.READINESS_TIMEOUT_SECONDS,
    ) as broker:
        broker.ensure_connection(max_retries=0, timeout=settings.READINESS_TIMEOUT_SECONDS)


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}
# Without these the process cannot serve at all; without the others it serves degraded: the
# cache fails open (config/cache.py) and beat still drains what a failed nudge left behind.
REQUIRED = {"database"}

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up; nothing else is checked, so a slow dependency never restarts it."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest):
    """200 while the database answers (saying what else is degraded), else a 503 problem;
    a draining process is not ready whatever its dependencies say: it is about to stop."""
    if Path(settings.SHUTDOWN_DRAIN_FILE).exists():
        detail = "Shutting down: finishing the requests in flight."
        return ProblemResponse(
            build_problem(
                request, types.SERVICE_UNAVAILABLE, detail, checks={"shutdown": "draining"}
            )
        )
    checks = {name: _state_of(name, check) for name, check in READINESS_CHECKS.items()}
    down = [name for name in checks if name in REQUIRED and checks[name] != "ok"]
    if down:
        detail = f"Unavailable: {', '.join(down)}."
        return ProblemResponse(
            build_problem(request, types.SERVICE_UNAVAILABLE, detail, checks=checks)
        )
    degraded = any(state != "ok" for state in checks.values())
    return JsonResponse({"status": "degraded" if degraded else "ok", "checks": checks})


def _state_of(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception:  # any failure means "down", whatever raised it
        # The reason goes to the log only: probes are anonymous, and error texts name hosts.
        logger.warning("Readiness check %s failed", name, exc_info=True)
        return "down"
    return "ok"
