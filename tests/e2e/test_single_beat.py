"""Two beats running at once send one schedule; when the active one stops, the other takes over."""

import time

import pytest

from tests.e2e.processes import running, wait_for

# Due every second (CELERY_BEAT_SCHEDULE); each beat logs every tick it sends.
SENT_DRAIN = "Sending due task drain-outbox"
WINDOW_SECONDS = 6


def drains_sent(folder) -> int:
    """How many drain ticks the beats logging under `folder` have sent so far."""
    return sum(path.read_text().count(SENT_DRAIN) for path in folder.glob("**/*.log"))


def drains_sent_during(folder, seconds: float) -> int:
    before = drains_sent(folder)
    time.sleep(seconds)
    return drains_sent(folder) - before


def log_of(tmp_path, name: str) -> str:
    return "".join(path.read_text() for path in tmp_path.glob(f"{name}/*.log"))


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_stands_by_and_takes_over_when_the_first_stops(worker_env, tmp_path):
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir(), second_dir.mkdir()

    def env(folder) -> dict[str, str]:
        return {**worker_env, "CELERY_BEAT_SCHEDULE_FILENAME": str(folder / "schedule")}

    with running(["beat"], env(first_dir), first_dir) as [first]:
        wait_for(lambda: drains_sent(tmp_path) >= 2, timeout=60)
        with running(["beat"], env(second_dir), second_dir):
            wait_for(lambda: "Beat is standing by" in log_of(tmp_path, "second"), timeout=60)

            both_running = drains_sent_during(tmp_path, WINDOW_SECONDS)
            sent_while_standing_by = drains_sent(second_dir)

            first.terminate()
            first.wait(timeout=30)
            wait_for(lambda: "Beat is active" in log_of(tmp_path, "second"), timeout=30)
            after_takeover = drains_sent_during(second_dir, WINDOW_SECONDS)

    assert sent_while_standing_by == 0
    # One tick a second from one beat: two unlocked beats would send about twice as many.
    assert 1 <= both_running <= WINDOW_SECONDS + 1
    assert 1 <= after_takeover <= WINDOW_SECONDS + 1
    assert first.returncode == 0
