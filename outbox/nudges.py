"""Start a Celery task right after a commit instead of waiting for beat's next tick."""

import logging
import time

logger = logging.getLogger(__name__)

# After a failed nudge, skip nudging this long: beat drains anyway, and a broker that is
# away must not cost every write a connection attempt.
QUIET_AFTER_FAILURE_SECONDS = 1.0
_failed_at = float("-inf")


def nudge(task_name: str) -> None:
    """Queue the task now; beat runs it anyway, so a broker outage only costs latency."""
    global _failed_at
    if time.monotonic() - _failed_at < QUIET_AFTER_FAILURE_SECONDS:
        return
    from config.celery import app

    try:
        app.send_task(task_name, retry=False)
    except Exception:  # a committed write must not fail because the broker is away
        _failed_at = time.monotonic()
        logger.warning("Could not nudge %s", task_name, exc_info=True)
