"""End to end: a committed event reaches a webhook receiver through a real worker and beat."""

import json

import pytest

from accounts.services import create_api_key
from config.roles import Role
from outbox import signing
from outbox.models import Delivery, OutboxMessage
from tests.e2e.processes import wait_for
from tests.outbox.factories import WebhookEndpointFactory
from tests.receivers import WebhookSink


@pytest.fixture
def sink():
    receiver = WebhookSink()
    yield receiver
    receiver.close()


@pytest.mark.django_db(transaction=True)
def test_committed_event_arrives_signed_at_the_webhook(organization, sink, celery_processes):
    endpoint = WebhookEndpointFactory(organization=organization, url=sink.url)

    create_api_key(organization_id=organization.pk, name="e2e", role=Role.AGENT)

    [request] = wait_for(lambda: sink.received, timeout=60)
    assert signing.verify(endpoint.secret, request["headers"], request["body"])
    event = json.loads(request["body"])
    assert event["type"] == "api_key.created"
    assert event["data"]["api_key"]["name"] == "e2e"
    wait_for(lambda: Delivery.objects.filter(state="delivered").exists())


@pytest.mark.django_db(transaction=True)
def test_beat_drains_a_message_nobody_nudged(organization, sink, celery_processes):
    WebhookEndpointFactory(organization=organization, url=sink.url)
    # Written without emit(), so no commit hook starts a drain: only beat's tick can find it.
    OutboxMessage.objects.create(
        organization=organization,
        event_type="thing.happened",
        aggregate_type="thing",
        aggregate_id="1",
        payload={},
    )

    wait_for(lambda: sink.received, timeout=60)
    assert OutboxMessage.objects.get().state == "published"
