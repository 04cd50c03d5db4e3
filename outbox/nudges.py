"""Start a Celery task right after a commit instead of waiting for beat's next tick."""

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)

# After a failed nudge, skip nudging this long: beat runs the tasks anyway, and a broker that
# is away must not cost every write a connection attempt.
QUIET_AFTER_FAILURE_SECONDS = 1.0
_failed_at = float("-inf")
_last_sent: dict[str, float] = {}


def nudge(task_name: str) -> None:
    """Queue the task now, at most once per OUTBOX_NUDGE_INTERVAL_SECONDS per process.

    The nudged tasks run until nothing is left to do, so under load one nudge per interval is
    enough; one per commit would cost every write a broker round trip and flood the workers
    with tasks that find nothing. Beat still runs each task on its schedule.
    """
    global _failed_at
    now = time.monotonic()
    if now - _failed_at < QUIET_AFTER_FAILURE_SECONDS:
        return
    if now - _last_sent.get(task_name, float("-inf")) < settings.OUTBOX_NUDGE_INTERVAL_SECONDS:
        return
    _last_sent[task_name] = now
    from config.celery import app

    try:
        app.send_task(task_name, retry=False)
    except Exception:  # a committed write must not fail because the broker is away
        _failed_at = time.monotonic()
        logger.warning("Could not nudge %s", task_name, exc_info=True)
