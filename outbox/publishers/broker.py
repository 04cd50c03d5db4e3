"""Publish envelopes to a RabbitMQ topic exchange (routing key = event type) with confirms."""

import contextlib
import json
import threading

from django.conf import settings
from kombu import Connection, Exchange, Producer

from outbox.models import OutboxMessage
from outbox.publishers import Publisher

# A publish (and its confirm) never blocks the drain longer than this; the outbox retries.
BROKER_TIMEOUT_SECONDS = 5


class BrokerPublisher(Publisher):
    name = "broker"

    def __init__(self) -> None:
        self.exchange = Exchange(settings.OUTBOX_BROKER_EXCHANGE, type="topic", durable=True)
        self._local = threading.local()

    def _producer(self) -> Producer:
        producer = getattr(self._local, "producer", None)
        if producer is None:
            connection = Connection(
                settings.OUTBOX_BROKER_URL,
                # Fail fast: the outbox itself retries with backoff.
                transport_options={"confirm_publish": True, "max_retries": 0},
                connect_timeout=BROKER_TIMEOUT_SECONDS,
            )
            producer = Producer(connection.default_channel, exchange=self.exchange)
            self.exchange(producer.channel).declare()
            self._local.producer = producer
        return producer

    def publish(self, message: OutboxMessage) -> None:
        if message.target:
            return
        try:
            self._producer().publish(
                json.dumps(message.envelope()),
                routing_key=message.event_type,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=str(message.event_id),
                headers=message.headers,
                retry=False,
                timeout=BROKER_TIMEOUT_SECONDS,
                confirm_timeout=BROKER_TIMEOUT_SECONDS,
            )
        except Exception:
            self.close()  # reconnect on the next attempt
            raise

    def close(self) -> None:
        producer = getattr(self._local, "producer", None)
        if producer is not None:
            self._local.producer = None
            # Closing a broken connection may fail again; there is nothing left to keep.
            with contextlib.suppress(Exception):
                producer.channel.connection.client.release()
