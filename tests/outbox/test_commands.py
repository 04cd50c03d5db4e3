from io import StringIO

import pytest
from django.core.management import call_command

from outbox.models import Delivery, OutboxMessage
from outbox.services.drain import drain_batch
from tests.outbox.factories import WebhookEndpointFactory, emit_event

pytestmark = pytest.mark.django_db


def run(command: str, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_status_reports_pending_dead_and_per_publisher(organization, flaky):
    emit_event(organization)  # published everywhere
    failing = emit_event(organization, aggregate=("thing", 2))
    flaky.failing = {str(failing.event_id)}
    drain_batch()
    OutboxMessage.objects.filter(pk=failing.pk).update(state="dead")
    emit_event(organization, aggregate=("thing", 3))  # not drained yet

    report = run("outbox_status")

    assert "messages   pending=1 dead=1" in report
    assert "publisher  flaky      pending=1 dead=1" in report
    assert "publisher  recording  pending=1 dead=0" in report


def test_redrive_puts_dead_messages_and_deliveries_back(organization):
    message = emit_event(organization)
    OutboxMessage.objects.update(state="dead", attempts=12)
    Delivery.objects.create(
        endpoint_id=WebhookEndpointFactory(organization=organization).pk,
        message=message,
        state="dead",
        attempts=8,
    )

    report = run("outbox_redrive")

    assert "messages redriven: 1" in report
    assert "deliveries redriven: 1" in report
    assert OutboxMessage.objects.get().attempts == 0
    assert Delivery.objects.get().state == "pending"


def test_backlog_is_exposed_as_metrics(client, organization, flaky):
    failing = emit_event(organization)
    flaky.failing = {str(failing.event_id)}
    drain_batch()

    text = client.get("/metrics").content.decode()

    assert "serviceflow_outbox_pending 1.0" in text
    assert "serviceflow_outbox_lag_seconds" in text
    assert 'serviceflow_outbox_publish_failures_total{publisher="flaky"}' in text
    assert 'serviceflow_outbox_published_total{publisher="recording"}' in text
