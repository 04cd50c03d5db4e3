"""A Celery worker keeps its database connection from task to task, as a web thread does."""

import pytest
from django.db import connection

from outbox.tasks import sequence_event_feed
from tests.e2e.processes import running, wait_for

TASKS = 40


def sessions_opened() -> int:
    """Sessions PostgreSQL has started on this database (its statistics, read fresh)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_forty_tasks_do_not_open_forty_connections(worker_env, tmp_path):
    env = {**worker_env, "CELERY_CONCURRENCY": "1"}
    with running(["worker"], env, tmp_path):
        log = tmp_path / "worker-0.log"
        wait_for(lambda: "ready." in log.read_text(), timeout=60)
        sequence_event_feed.delay()  # the child's first connection
        wait_for(lambda: log.read_text().count("succeeded") >= 1, timeout=30)
        before = sessions_opened()

        for _ in range(TASKS):
            sequence_event_feed.delay()
        wait_for(lambda: log.read_text().count("succeeded") >= TASKS + 1, timeout=60)
        after = sessions_opened()

    # Without reuse, each task opened a session of its own (42 for these 40: measured).
    assert after - before < TASKS / 4
