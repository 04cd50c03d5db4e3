"""Two beats running at once send one schedule; when the active one stops, the other takes over."""

import json
import time
from collections import Counter

import pytest
import redis

from tests.e2e.processes import running, wait_for

DRAIN = "outbox.tasks.drain_outbox"  # due every second (CELERY_BEAT_SCHEDULE)
WINDOW_SECONDS = 6


def sent_ticks(broker: redis.Redis) -> Counter:
    """The tasks beat has queued so far (no worker is running to take them)."""
    messages = broker.lrange("celery", 0, -1)
    return Counter(json.loads(message)["headers"]["task"] for message in messages)


def drains_sent_during(broker: redis.Redis, seconds: float) -> int:
    before = sent_ticks(broker)[DRAIN]
    time.sleep(seconds)
    return sent_ticks(broker)[DRAIN] - before


def log_of(tmp_path, name: str) -> str:
    return "".join(path.read_text() for path in tmp_path.glob(f"{name}/*.log"))


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_stands_by_and_takes_over_when_the_first_stops(worker_env, tmp_path):
    broker = redis.Redis.from_url(worker_env["REDIS_URL"])
    broker.delete("celery")
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir(), second_dir.mkdir()

    def env(folder) -> dict[str, str]:
        return {**worker_env, "CELERY_BEAT_SCHEDULE_FILENAME": str(folder / "schedule")}

    with running(["beat"], env(first_dir), first_dir) as [first]:
        wait_for(lambda: sent_ticks(broker)[DRAIN] >= 2, timeout=60)
        with running(["beat"], env(second_dir), second_dir):
            wait_for(lambda: "Beat is standing by" in log_of(tmp_path, "second"), timeout=60)

            both_running = drains_sent_during(broker, WINDOW_SECONDS)

            first.terminate()
            first.wait(timeout=30)
            wait_for(lambda: "Beat is active" in log_of(tmp_path, "second"), timeout=30)
            after_takeover = drains_sent_during(broker, WINDOW_SECONDS)

    # One tick a second from one beat: two unlocked beats would send about twice as many.
    assert WINDOW_SECONDS - 2 <= both_running <= WINDOW_SECONDS + 1
    assert WINDOW_SECONDS - 2 <= after_takeover <= WINDOW_SECONDS + 1
    assert first.returncode == 0
