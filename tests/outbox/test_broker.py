"""Publishing to the RabbitMQ server on this machine through a topic exchange."""

import json
import os
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from outbox.services.drain import drain_batch
from tests.outbox.factories import emit_event

pytestmark = pytest.mark.django_db

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture
def ticket_queue(settings):
    """An exclusive queue bound to ticket.# on a fresh exchange; the broker publisher on."""
    exchange_name = f"serviceflow.test.{uuid.uuid4().hex}"
    settings.OUTBOX_BROKER_URL, settings.OUTBOX_BROKER_EXCHANGE = AMQP_URL, exchange_name
    settings.OUTBOX_PUBLISHERS = ["outbox.publishers.broker.BrokerPublisher"]
    exchange = Exchange(exchange_name, type="topic", durable=True)
    with Connection(AMQP_URL) as connection:
        queue = Queue(f"{exchange_name}.tickets", exchange, routing_key="ticket.#", exclusive=True)
        bound = queue(connection.default_channel)
        bound.declare()
        yield bound
        exchange(connection.default_channel).delete()


def test_events_are_published_to_the_topic_exchange_by_event_type(organization, ticket_queue):
    opened = emit_event(organization, event_type="ticket.opened", aggregate=("ticket", 5))
    emit_event(organization, event_type="api_key.created", aggregate=("api_key", 1))

    drain_batch()

    received = ticket_queue.get(no_ack=True)
    assert received is not None
    assert received.delivery_info["routing_key"] == "ticket.opened"
    assert received.properties["message_id"] == str(opened.event_id)
    assert received.properties["delivery_mode"] == 2
    assert json.loads(received.body)["aggregate"] == {"type": "ticket", "id": "5"}
    assert ticket_queue.get(no_ack=True) is None  # api_key.created is not routed here


def test_unreachable_broker_leaves_the_message_pending_for_a_retry(organization, settings):
    settings.OUTBOX_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
    settings.OUTBOX_PUBLISHERS = ["outbox.publishers.broker.BrokerPublisher"]
    message = emit_event(organization)

    drain_batch()

    message.refresh_from_db()
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("broker:")
