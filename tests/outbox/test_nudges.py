"""A commit's nudge never makes a write wait on a broker that is away."""

import socket
import subprocess
import sys
import threading

NUDGE_TWICE = """
import django
django.setup()
from outbox.nudges import nudge
nudge("outbox.tasks.drain_outbox")
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
