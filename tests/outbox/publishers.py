"""Publishers for tests: they record to Redis, so threads and processes can be observed."""

import os
import threading

import redis
from django.conf import settings
from django.db import connection

from outbox.publishers import Publisher

RECORDING = "tests.outbox.publishers.RecordingPublisher"
FLAKY = "tests.outbox.publishers.FlakyPublisher"
CONSUMERS = "outbox.publishers.consumers.InProcessConsumers"
DIE = "tests.outbox.publishers.DieAfterPublishing"
TRANSACTION_PROBE = "tests.outbox.publishers.TransactionProbe"


def recorder() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


class RecordingPublisher(Publisher):
    """Append each published event id to a Redis list, with the aggregate, in call order."""

    name = "recording"
    key = "test:published"

    def publish(self, message) -> None:
        recorder().rpush(
            self.key, f"{message.aggregate_type}:{message.aggregate_id}:{message.event_id}"
        )

    @classmethod
    def published(cls) -> list[tuple[str, str]]:
        """(aggregate, event id) pairs in the order they were published."""
        entries = [raw.decode().rsplit(":", 1) for raw in recorder().lrange(cls.key, 0, -1)]
        return [(aggregate, event_id) for aggregate, event_id in entries]


class FlakyPublisher(Publisher):
    """Fail for the event ids listed in `failing`."""

    name = "flaky"
    failing: set[str] = set()
    lock = threading.Lock()

    def publish(self, message) -> None:
        with self.lock:
            if str(message.event_id) in self.failing:
                raise ConnectionError("receiver unavailable")


class DieAfterPublishing(Publisher):
    """Kill the process abruptly, as a crash or OOM kill would, after the others published."""

    name = "die"

    def publish(self, message) -> None:
        os._exit(137)


class TransactionProbe(Publisher):
    """Record whether a transaction was open while publishing (a broker publish is network I/O)."""

    name = "probe"
    seen: list[bool] = []

    def publish(self, message) -> None:
        self.seen.append(connection.in_atomic_block)
