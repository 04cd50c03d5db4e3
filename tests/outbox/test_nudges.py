"""A commit's nudge never makes a write wait on a broker that is away."""

import socket
import subprocess
import sys
import threading

NUDGE_TWICE = """
import time
import django
django.setup()
from outbox.nudges import nudge
nudge("outbox.tasks.drain_outbox")
time.sleep(0.2)  # past the nudge interval: only the failure keeps the second one quiet
nudge("outbox.tasks.drain_outbox")
"""


def test_a_broker_that_is_away_costs_one_connection_attempt_and_no_error(process_env):
    listener = socket.create_server(("127.0.0.1", 0))
    attempts = []

    def refuse_every_connection() -> None:
        while True:
            try:
                conversation, _ = listener.accept()
            except OSError:
                return
            attempts.append(1)
            conversation.close()  # a broker that hangs up at once

    threading.Thread(target=refuse_every_connection, daemon=True).start()
    port = listener.getsockname()[1]
    env = {**process_env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    try:
        finished = subprocess.run(
            [sys.executable, "-c", NUDGE_TWICE], env=env, capture_output=True, timeout=60
        )
    finally:
        listener.close()

    assert finished.returncode == 0, finished.stderr.decode()
    assert finished.stderr.decode().count("Could not nudge") == 1  # the second one kept quiet
    assert len(attempts) == 1  # no retries inside the request


def test_a_burst_of_commits_sends_one_nudge_per_task_and_interval(process_env):
    burst = """
import django
django.setup()
from config.celery import app
sent = []
app.send_task = lambda name, **options: sent.append(name)
from outbox.nudges import nudge
for _ in range(100):
    nudge("outbox.tasks.deliver_webhooks")
    nudge("outbox.tasks.drain_outbox")
print(sorted(sent))
"""
    env = {**process_env, "OUTBOX_NUDGE_INTERVAL_SECONDS": "60"}
    finished = subprocess.run(
        [sys.executable, "-c", burst], env=env, capture_output=True, timeout=60, check=True
    )

    sent = finished.stdout.decode().strip().splitlines()[-1]
    assert sent == "['outbox.tasks.deliver_webhooks', 'outbox.tasks.drain_outbox']"
