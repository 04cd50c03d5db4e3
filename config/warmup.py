"""Pay at worker boot what each web worker's first request would pay (about 0.6 s).

The first request otherwise imports the Redis client, the URLconf with every view, and the
Celery producer machinery, and opens the connections: after a deploy or a worker recycle,
each worker's first callers waited for all of it.
"""

import logging

from django.core.validators import validate_email
from django.urls import resolve, reverse

from config.health import check_cache, check_database

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load what requests use and connect to the cache and database; failures are logged."""
    resolve("/api/v1/tickets")  # imports the URLconf and every view module behind it
    reverse("ticket-list")  # compiles every pattern for reversing (Location headers, links)
    validate_email("warm-up@example.com")  # compiles the address patterns
    # The readiness probes open the connections; the broker's would connect outside Celery's
    # pool, so for it only the modules are loaded.
    for name, step in (
        ("cache", check_cache),
        ("database", check_database),
        ("broker", _load_broker),
    ):
        try:
            step()
        except Exception:  # the first request retries; a worker must boot regardless
            logger.warning("Could not warm up the %s connection", name, exc_info=True)


def _load_broker() -> None:
    from config.celery import app

    app.backend  # noqa: B018
    app.connection_for_write().transport  # noqa: B018
