import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.celery import app
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


def test_a_metrics_scrape_scans_no_outbox_table_whole(client, organization, flaky, settings):
    settings.OUTBOX_METRICS_COUNT_CAP = 2
    for n in range(3):
        emit_event(organization, aggregate=("thing", n))

    with CaptureQueriesContext(connection) as scrape:
        text = client.get("/metrics").content.decode()

    assert "serviceflow_outbox_pending 2.0" in text  # capped
    outbox_queries = [q["sql"] for q in scrape if '"outbox_' in q["sql"]]
    assert len(outbox_queries) == 7
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table must not hide a scan
        for sql in outbox_queries:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = json.dumps(cursor.fetchone()[0])
            assert "Seq Scan" not in plan, sql
            assert '"Node Type": "Limit"' in plan, sql  # bounded, however large the table


def test_every_task_has_a_soft_and_a_hard_time_limit_shorter_than_a_lease(settings):
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < settings.OUTBOX_LEASE_SECONDS
