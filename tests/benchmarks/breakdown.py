"""Where a request's time goes, by concern, from a cProfile (or py-spy samples) of one kind.

Each function belongs to the first concern whose rule matches its file (and name, where given);
a function no rule claims (the standard library, builtins, DRF's field machinery, Django's
utilities) passes its own time up to the concerns that called it, split as cProfile measured the
calls from each caller (and, above the first caller, in proportion to cumulative time, as gprof
does). So the concerns add up to the whole request, each counted once: `database` is psycopg's
time (the round trips included), `ORM` is Django building queries and model instances around it,
and authentication's Redis read is under `Redis`.
"""

import pstats
import sysconfig
from collections import defaultdict
from pathlib import Path

from django.conf import settings

VALIDATION = "parsing & validation"
SERIALIZATION = "serialization"
HARNESS = "(harness)"
# (concern, location prefix, function names or None for all); concern None: pass time up.
RULES = [
    (HARNESS, "tests/benchmarks/exchanges.py", None),
    (HARNESS, "tests/benchmarks/in_process.py", None),
    ("authentication", "accounts/authentication.py", None),
    ("authentication", "accounts/api_keys.py", None),
    ("authentication", "rest_framework/authentication.py", None),
    ("authentication", "rest_framework/request.py", {"_authenticate", "user", "auth"}),
    ("permissions", "config/api/permissions.py", None),
    ("permissions", "rest_framework/permissions.py", None),
    ("permissions", "rest_framework/views.py", {"check_permissions", "check_object_permissions"}),
    ("throttle", "config/api/throttling.py", None),
    ("throttle", "rest_framework/throttling.py", None),
    ("throttle", "rest_framework/views.py", {"check_throttles", "get_throttles"}),
    ("OpenTelemetry spans", "opentelemetry/", None),
    ("OpenTelemetry spans", "wrapt/", None),
    ("OpenTelemetry spans", "config/telemetry.py", None),
    ("metrics (Prometheus)", "prometheus_client/", None),
    ("metrics (Prometheus)", "config/metrics.py", None),
    ("JSON logs", "stdlib:logging/", None),
    ("JSON logs", "config/logging.py", None),
    ("request context", "config/request_context.py", None),
    (VALIDATION, "rest_framework/parsers.py", None),
    (VALIDATION, "config/api/parsing.py", None),
    (VALIDATION, "config/api/actions.py", {"parse_action"}),
    (VALIDATION, "rest_framework/request.py", {"data", "_load_data_and_files", "_parse"}),
    (VALIDATION, "rest_framework/serializers.py", {"is_valid", "run_validation"}),
    (SERIALIZATION, "rest_framework/serializers.py", {"data"}),
    (SERIALIZATION, "config/api/serializers.py", None),
    (SERIALIZATION, "helpdesk/api/serializers.py", None),
    (SERIALIZATION, "workflow/api/tasks/serializers.py", None),
    (None, "rest_framework/serializers.py", None),
    (None, "rest_framework/fields.py", None),
    (None, "rest_framework/relations.py", None),
    (None, "rest_framework/utils/", None),
    (None, "rest_framework/settings.py", None),
    ("rendering", "rest_framework/renderers.py", None),
    ("rendering", "rest_framework/response.py", {"rendered_content"}),
    ("rendering", "django/template/response.py", None),
    ("filtering (django-filter, ordering)", "django_filters/", None),
    ("filtering (django-filter, ordering)", "rest_framework/filters.py", None),
    ("filtering (django-filter, ordering)", "helpdesk/api/filters.py", None),
    ("filtering (django-filter, ordering)", "config/api/filters.py", None),
    ("filtering (django-filter, ordering)", "rest_framework/generics.py", {"filter_queryset"}),
    ("pagination", "rest_framework/pagination.py", None),
    ("pagination", "config/api/pagination.py", None),
    ("conditional (ETag)", "config/api/conditional.py", None),
    ("idempotency", "config/api/idempotency.py", None),
    ("idempotency", "outbox/services/idempotency.py", None),
    ("idempotency", "config/secrets_at_rest.py", None),
    ("idempotency", "cryptography/", None),
    ("outbox nudge (Celery publish)", "outbox/nudges.py", None),
    ("outbox nudge (Celery publish)", "celery/", None),
    ("outbox nudge (Celery publish)", "kombu/", None),
    ("use case (service, transition, event)", "helpdesk/services/", None),
    ("use case (service, transition, event)", "helpdesk/models.py", None),
    ("use case (service, transition, event)", "helpdesk/events.py", None),
    ("use case (service, transition, event)", "helpdesk/actions.py", None),
    ("use case (service, transition, event)", "helpdesk/sla.py", None),
    ("use case (service, transition, event)", "workflow/services/", None),
    ("use case (service, transition, event)", "workflow/models/", None),
    ("use case (service, transition, event)", "workflow/events.py", None),
    ("use case (service, transition, event)", "workflow/actions.py", None),
    ("use case (service, transition, event)", "workflow/hooks.py", None),
    ("use case (service, transition, event)", "config/actions.py", None),
    ("use case (service, transition, event)", "config/aggregates.py", None),
    ("use case (service, transition, event)", "config/transactions.py", None),
    ("use case (service, transition, event)", "outbox/services/messages.py", None),
    ("Redis (client and round trips)", "redis/", None),
    ("Redis (client and round trips)", "django/core/cache/", None),
    ("Redis (client and round trips)", "config/cache.py", None),
    ("database (psycopg and round trips)", "psycopg/", None),
    ("database (psycopg and round trips)", "psycopg_c/", None),
    ("ORM (queries, SQL, model instances)", "django/db/", None),
    ("URL resolving", "django/urls/", None),
    (None, "django/forms/", None),  # the forms django-filter builds
    (None, "django/utils/", None),
    (None, "django/dispatch/", None),
    (None, "django/conf/", None),
    (None, "django/core/validators.py", None),
    (None, "django_fsm/", None),
    ("Django handler and middleware", "django/", None),
    ("Django handler and middleware", "whitenoise/", None),
    ("Django handler and middleware", "django_otp/", None),
    ("Django handler and middleware", "config/api/middleware.py", None),
    ("gunicorn (HTTP parsing and writing)", "gunicorn/", None),
    ("Django handler and middleware", "config/api/limits.py", None),
    ("DRF dispatch and view", "rest_framework/", None),
    ("DRF dispatch and view", "helpdesk/api/views.py", None),
    ("DRF dispatch and view", "workflow/api/tasks/views.py", None),
    ("DRF dispatch and view", "tests/benchmarks/plain/", None),
    *[("application (other)", package, None) for package in ("accounts/", "config/", "helpdesk/")],
    *[("application (other)", package, None) for package in ("outbox/", "workflow/", "qc/")],
]
_SITE = "site-packages/"
_STDLIB = sysconfig.get_paths()["stdlib"] + "/"


def location(filename: str) -> str:
    """`django/db/models/query.py`, `helpdesk/services/tickets.py`, `stdlib:json/encoder.py`."""
    if _SITE in filename:
        return filename.split(_SITE, 1)[1]
    base = f"{settings.BASE_DIR}/"
    if filename.startswith(base):
        return filename.removeprefix(base)
    if filename.startswith(_STDLIB):
        return "stdlib:" + filename.removeprefix(_STDLIB)
    return "~"


def concern_of(function: tuple[str, int, str]) -> str | None:
    """The concern of a cProfile entry (file, line, function name)."""
    return _concern(location(function[0]), function[2])


def _concern(where: str, name: str) -> str | None:
    for concern, prefix, names in RULES:
        if where.startswith(prefix) and (names is None or name in names):
            return concern
    return None


def by_concern_of_stacks(collapsed: list[str]) -> dict[str, int]:
    """Samples per concern from py-spy's raw output (`frame;frame;… count`, full file names):
    each sample goes to the innermost frame a rule claims, as `by_concern` passes time up."""
    totals: dict[str, int] = defaultdict(int)
    for line in collapsed:
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        concern = "(unattributed)"
        for frame in reversed(stack.split(";")):
            name, _, place = frame.rpartition(" (")
            found = _concern(location(place.rsplit(":", 1)[0]), name.rsplit(".", 1)[-1])
            if found is not None:
                concern = found
                break
        totals[concern] += int(count)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def by_concern(stats: pstats.Stats) -> dict[str, float]:
    """Seconds spent for each concern over the profiled run, the harness left out."""
    table = stats.stats
    concerns = {function: concern_of(function) for function in table}
    shares: dict = {}
    totals: dict[str, float] = defaultdict(float)
    for function, (_, _, own, _, callers) in table.items():
        if concerns[function] is not None:
            totals[concerns[function]] += own
            continue
        # Split this function's own time over its callers as cProfile measured it.
        for caller, edge in callers.items():
            if caller == function:
                continue
            for concern, part in _share(caller, table, concerns, shares, set()).items():
                totals[concern] += edge[2] * part
    totals.pop(HARNESS, None)
    totals.pop("(unattributed)", None)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def _share(function, table, concerns, shares, visiting) -> dict[str, float]:
    """The concerns a call of `function` is made for, as fractions adding up to one."""
    if concerns.get(function) is not None:
        return {concerns[function]: 1.0}
    if function in shares:
        return shares[function]
    if function in visiting or function not in table:
        return {}
    visiting.add(function)
    callers = {c: edge[3] for c, edge in table[function][4].items() if c != function}
    weight = sum(callers.values())
    mixed: dict[str, float] = defaultdict(float)
    for caller, cumulative in callers.items():
        for concern, part in _share(caller, table, concerns, shares, visiting).items():
            mixed[concern] += part * (cumulative / weight if weight else 1 / len(callers))
    visiting.discard(function)
    found = sum(mixed.values())
    result = {c: v / found for c, v in mixed.items()} if found else {"(unattributed)": 1.0}
    shares[function] = result
    return result


def top_cumulative(stats: pstats.Stats, count: int) -> list[dict]:
    """The `count` entries of largest cumulative time, as pstats orders them, harness left out."""
    stats.sort_stats("cumulative")
    rows = []
    measured = [function for function in stats.fcn_list if concern_of(function) != HARNESS]
    for function in measured[:count]:
        calls, _, own, cumulative, _ = stats.stats[function]
        rows.append(
            {
                "function": f"{location(function[0])}:{function[1]}({function[2]})",
                "calls": calls,
                "own_s": round(own, 4),
                "cumulative_s": round(cumulative, 4),
            }
        )
    return rows


def profile_path(folder: Path, side: str, kind: str) -> Path:
    return folder / f"{side}-{kind}.prof"
