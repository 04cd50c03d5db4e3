"""Retention: history past its period goes in small batches; what is within it stays."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outbox.models import ConsumerReceipt, Delivery, Notification, OutboxMessage
from outbox.services.drain import drain
from outbox.services.retention import purge_history
from tests.accounts.factories import MembershipFactory
from tests.outbox.factories import WebhookEndpointFactory, emit_event

pytestmark = pytest.mark.django_db


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def test_purging_removes_history_past_its_period_and_keeps_what_is_within(
    organization, recording, settings
):
    settings.OUTBOX_RETENTION_DAYS = settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    settings.CONSUMER_RECEIPT_RETENTION_DAYS, settings.NOTIFICATION_RETENTION_DAYS = 30, 90
    endpoint = WebhookEndpointFactory(organization=organization)
    old, recent, with_pending_delivery, dead = (
        emit_event(organization, aggregate=("thing", n)) for n in range(4)
    )
    drain()
    OutboxMessage.objects.filter(pk__in=[old.pk, with_pending_delivery.pk]).update(
        published_at=days_ago(31)
    )
    OutboxMessage.objects.filter(pk=recent.pk).update(published_at=days_ago(29))
    OutboxMessage.objects.filter(pk=dead.pk).update(state="dead", published_at=None)
    for message in (old, recent, with_pending_delivery):
        Delivery.objects.create(endpoint=endpoint, message=message, state="delivered")
    Delivery.objects.update(created_at=days_ago(31))
    Delivery.objects.filter(message=with_pending_delivery).update(state="pending")
    receipts = [
        ConsumerReceipt.objects.create(consumer="c", event_id=uuid.uuid4()) for _ in range(2)
    ]
    ConsumerReceipt.objects.filter(pk=receipts[0].pk).update(processed_at=days_ago(31))
    member = MembershipFactory(organization=organization)
    read_long_ago, read_lately, unread = (
        Notification.objects.create(
            organization=organization,
            recipient=member.user,
            event_id=uuid.uuid4(),
            title=f"n{n}",
            email_state="sent",
        )
        for n in range(3)
    )
    Notification.objects.filter(pk=read_long_ago.pk).update(read_at=days_ago(91))
    Notification.objects.filter(pk=read_lately.pk).update(read_at=days_ago(89))

    purge_history()

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent.pk,
        with_pending_delivery.pk,  # its delivery is still pending
        dead.pk,
    }
    assert list(Delivery.objects.values_list("message_id", "endpoint_id")) == [
        (with_pending_delivery.pk, endpoint.pk)
    ]
    assert set(ConsumerReceipt.objects.filter(consumer="c").values_list("pk", flat=True)) == {
        receipts[1].pk
    }
    assert set(Notification.objects.values_list("pk", flat=True)) == {read_lately.pk, unread.pk}


def test_purging_deletes_in_small_batches(organization, recording, settings):
    settings.RETENTION_BATCH_SIZE = 3
    for n in range(7):
        emit_event(organization, aggregate=("thing", n))
    drain()
    OutboxMessage.objects.update(published_at=days_ago(365))

    with CaptureQueriesContext(connection) as queries:
        purge_history()

    deletes = [
        q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "outbox_outboxmessage"')
    ]
    assert len(deletes) == 3  # 3 + 3 + 1
    assert not OutboxMessage.objects.exists()
