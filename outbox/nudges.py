"""Start a Celery task right after a commit instead of waiting for beat's next tick."""

import logging

logger = logging.getLogger(__name__)


def nudge(task_name: str) -> None:
    """Queue the task now; beat runs it anyway, so a broker outage only costs latency."""
    from config.celery import app

    try:
        app.send_task(task_name)
    except Exception:  # a committed write must not fail because the broker is away
        logger.warning("Could not nudge %s", task_name, exc_info=True)
