"""Liveness (`/healthz`) and readiness (`/readyz`) probes."""

from collections.abc import Callable

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


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up; nothing else is checked, so a slow dependency never restarts it."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest):
    """Every dependency needed to serve requests answers; otherwise a 503 problem names it."""
    checks = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready", whatever raised it
            checks[name] = f"down: {type(exc).__name__}: {exc}"
        else:
            checks[name] = "ok"
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return JsonResponse({"status": "ok", "checks": checks})
    detail = f"Unavailable: {', '.join(down)}."
    return ProblemResponse(build_problem(request, types.SERVICE_UNAVAILABLE, detail, checks=checks))
