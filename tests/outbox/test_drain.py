from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from outbox.models import OutboxMessage
from outbox.services.drain import drain, drain_batch, retry_delay
from outbox.services.redrive import redrive_messages
from tests.concurrency import run_concurrently
from tests.outbox.factories import emit_event
from tests.outbox.publishers import RecordingPublisher


def test_drain_publishes_to_every_publisher_and_marks_published(db, organization, recording):
    message = emit_event(organization)

    assert drain_batch() == 1

    message.refresh_from_db()
    assert message.state == "published"
    assert message.published_at is not None
    assert message.completed_publishers == ["consumers", "recording"]
    assert recording.published() == [("thing:1", str(message.event_id))]


def test_published_message_is_not_published_again(db, organization, recording):
    emit_event(organization)
    drain_batch()

    assert drain_batch() == 0
    assert len(recording.published()) == 1


def test_failure_backs_off_and_retries_only_the_failing_publisher(db, organization, flaky):
    message = emit_event(organization)
    flaky.failing = {str(message.event_id)}

    drain_batch()

    message.refresh_from_db()
    assert message.state == "pending"
    assert message.attempts == 1
    assert "flaky: ConnectionError: receiver unavailable" in message.last_error
    assert message.available_at > timezone.now()
    assert message.completed_publishers == ["consumers", "recording"]
    flaky.failing = set()
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    drain_batch()
    message.refresh_from_db()
    assert message.state == "published"
    assert len(RecordingPublisher.published()) == 1  # not republished by the retry


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 2, 60

    for attempts, step in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)]:
        delays = {retry_delay(attempts) for _ in range(50)}
        assert all(timedelta(seconds=step / 2) <= d <= timedelta(seconds=step) for d in delays)
        assert len(delays) > 1  # jittered


def test_message_is_dead_after_the_configured_attempts(db, organization, flaky, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = emit_event(organization)
    flaky.failing = {str(message.event_id)}

    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        drain_batch()

    message.refresh_from_db()
    assert (message.state, message.attempts) == ("dead", 3)
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert drain_batch() == 0


def test_later_events_of_an_aggregate_wait_for_a_failing_earlier_one(db, organization, flaky):
    first = emit_event(organization, aggregate=("ticket", 1))
    second = emit_event(organization, aggregate=("ticket", 1))
    other = emit_event(organization, aggregate=("ticket", 2))
    flaky.failing = {str(first.event_id)}

    drain_batch()
    OutboxMessage.objects.filter(pk=first.pk).update(available_at=timezone.now())
    drain_batch()  # `first` fails again; `second` must still wait

    states = dict(OutboxMessage.objects.values_list("event_id", "state"))
    assert states[second.event_id] == "pending"
    assert states[other.event_id] == "published"
    flaky.failing = set()
    OutboxMessage.objects.filter(pk=first.pk).update(available_at=timezone.now())
    drain_batch()
    drain_batch()
    order = [
        event for aggregate, event in RecordingPublisher.published() if aggregate == "ticket:1"
    ]
    assert order.index(str(first.event_id)) < order.index(str(second.event_id))


@pytest.mark.django_db(transaction=True)
def test_two_drainers_in_parallel_publish_every_message_exactly_once_in_aggregate_order(
    organization, recording, settings
):
    settings.OUTBOX_BATCH_SIZE = 7
    emitted = [emit_event(organization, aggregate=("ticket", n % 3)) for n in range(300)]

    def drain_until_empty() -> None:
        while drain(time_budget_seconds=30):
            pass

    run_concurrently(drain_until_empty, 2)

    published = recording.published()
    assert sorted(event for _, event in published) == sorted(str(m.event_id) for m in emitted)
    by_aggregate = defaultdict(list)
    for aggregate, event in published:
        by_aggregate[aggregate].append(event)
    for n in range(3):
        expected = [str(m.event_id) for m in emitted if m.aggregate_id == str(n)]
        assert by_aggregate[f"ticket:{n}"] == expected
    assert not OutboxMessage.objects.exclude(state="published").exists()


def test_dead_event_holds_its_aggregate_until_redriven(db, organization, flaky, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    first = emit_event(organization, aggregate=("ticket", 1))
    second = emit_event(organization, aggregate=("ticket", 1))
    flaky.failing = {str(first.event_id)}
    drain_batch()
    drain_batch()

    assert OutboxMessage.objects.get(pk=first.pk).state == "dead"
    assert OutboxMessage.objects.get(pk=second.pk).state == "pending"
    flaky.failing = set()
    redrive_messages(OutboxMessage.objects.all())
    drain_batch()

    order = [
        event for aggregate, event in RecordingPublisher.published() if aggregate == "ticket:1"
    ]
    assert order == [str(first.event_id), str(second.event_id)]
