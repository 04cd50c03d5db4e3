"""The webhook sender: one bad delivery fails alone, no transaction is open on the wire, every
request has a deadline, deleted endpoints get nothing, and an aggregate's order holds."""

import json
import time
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from outbox.models import Delivery
from outbox.services import deliveries
from outbox.services.deliveries import deliver_all_due, deliver_due, redeliver
from outbox.services.drain import drain
from outbox.services.webhooks import delete_endpoint, update_endpoint
from tests.outbox.backends import backend_state, this_backend_pid
from tests.outbox.factories import WebhookEndpointFactory, emit_event


def full_width(text: str) -> str:
    """`localhost` in full-width letters (U+FF41…), as a pasted name may come."""
    return "".join(chr(ord(letter) + 0xFEE0) for letter in text)


def delivery_to(endpoint) -> Delivery:
    return Delivery.objects.get(endpoint=endpoint)


@pytest.mark.django_db
def test_poison_deliveries_and_a_dripping_receiver_fail_alone_within_the_deadline(
    organization, webhook_sink, dripping_receiver, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    sink_port = webhook_sink.url.split(":")[2].split("/")[0]
    poisons = [
        # Full-width letters: the name resolves (IDNA maps it to localhost), the Host header
        # then cannot be encoded: UnicodeEncodeError.
        WebhookEndpointFactory(
            organization=organization, url=f"http://{full_width('localhost')}:{sink_port}/"
        ),
        # A label longer than 63 characters: the IDNA codec refuses it (UnicodeError).
        WebhookEndpointFactory(organization=organization, url=f"http://{'a' * 64}.example/"),
    ]
    dripping = WebhookEndpointFactory(organization=organization, url=dripping_receiver.url)
    healthy = WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    emit_event(organization, aggregate=("ticket", 1))
    emit_event(organization, aggregate=("ticket", 2))
    drain()
    started = time.monotonic()

    deliver_all_due(time_budget_seconds=30)

    elapsed = time.monotonic() - started
    assert elapsed < 2 * settings.WEBHOOK_TIMEOUT_SECONDS + 3  # two drips, in parallel never
    assert len(webhook_sink.received) == 2
    assert set(Delivery.objects.filter(endpoint=healthy).values_list("state", flat=True)) == {
        "delivered"
    }
    for endpoint, error in [
        (poisons[0], "UnicodeEncodeError"),
        (poisons[1], "UnicodeError"),
        (dripping, "No complete response within 2 s"),
    ]:
        for delivery in Delivery.objects.filter(endpoint=endpoint):
            assert (delivery.state, delivery.attempts) == ("pending", 1)
            assert error in delivery.last_error
            assert delivery.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_poison_delivery_goes_dead_after_its_schedule(organization, settings):
    settings.WEBHOOK_RETRY_SCHEDULE_SECONDS = [0]
    poison = WebhookEndpointFactory(organization=organization, url=f"http://{'a' * 64}.example/")
    emit_event(organization)
    drain()

    deliver_due()
    deliver_due()

    delivery = delivery_to(poison)
    assert (delivery.state, delivery.attempts, delivery.claimed_until) == ("dead", 2, None)


@pytest.mark.django_db
def test_a_receiver_streaming_without_end_is_read_only_up_to_the_prefix(
    organization, endless_receiver, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    endpoint = WebhookEndpointFactory(organization=organization, url=endless_receiver.url)
    emit_event(organization)
    drain()
    started = time.monotonic()

    deliver_due()

    assert time.monotonic() - started < 3
    assert delivery_to(endpoint).state == "delivered"


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_a_webhook_is_on_the_wire(organization, webhook_sink):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    emit_event(organization)
    drain()
    sender_pid, seen = this_backend_pid(), []
    webhook_sink.on_receive = lambda request: seen.append(backend_state(sender_pid))

    deliver_due()

    assert seen == ["idle"]  # not "idle in transaction"
    assert Delivery.objects.get().state == "delivered"


@pytest.mark.django_db
def test_a_deleted_endpoint_gets_nothing_more(organization, webhook_sink):
    deleted = WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    emit_event(organization)
    drain()  # a delivery is queued for it
    delete_endpoint(endpoint_id=deleted.pk)
    emit_event(organization, aggregate=("thing", 2))
    drain()

    deliver_all_due()

    assert webhook_sink.received == []
    delivery = delivery_to(deleted)
    assert (delivery.state, delivery.last_error) == ("dead", "The endpoint was deleted.")


@pytest.mark.django_db
def test_a_disabled_endpoint_gets_nothing_until_enabled(organization, webhook_sink):
    endpoint = WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    emit_event(organization)
    drain()
    update_endpoint(endpoint_id=endpoint.pk, expected_version=1, changes={"is_active": False})

    deliver_all_due()
    assert webhook_sink.received == []

    update_endpoint(endpoint_id=endpoint.pk, expected_version=2, changes={"is_active": True})
    deliver_all_due()
    assert len(webhook_sink.received) == 1


@pytest.mark.django_db
def test_redelivering_to_a_deleted_endpoint_is_a_409_problem(admin_api, organization):
    endpoint = WebhookEndpointFactory(organization=organization)
    message = emit_event(organization)
    drain()
    delivery = Delivery.objects.get(endpoint=endpoint, message=message)
    Delivery.objects.filter(pk=delivery.pk).update(state="dead")
    delete_endpoint(endpoint_id=endpoint.pk)

    response = admin_api.post(f"/api/v1/deliveries/{delivery.pk}/redeliver")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/problems/endpoint-gone")
    delivery.refresh_from_db()
    assert delivery.state == "dead"


@pytest.mark.django_db
def test_a_later_event_waits_at_an_endpoint_while_an_earlier_one_is_retried(
    organization, webhook_sink
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    first = emit_event(organization, aggregate=("ticket", 1))
    second = emit_event(organization, aggregate=("ticket", 1))
    other = emit_event(organization, aggregate=("ticket", 2))
    drain()
    refused = {str(first.event_id)}
    webhook_sink.on_receive = lambda r: 503 if r["headers"]["webhook-id"] in refused else None

    deliver_all_due()

    sent = [r["headers"]["webhook-id"] for r in webhook_sink.received]
    assert sent == [str(first.event_id), str(other.event_id)]  # `second` waits behind `first`
    refused.clear()
    Delivery.objects.filter(state="pending").update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    deliver_all_due()

    sent = [r["headers"]["webhook-id"] for r in webhook_sink.received]
    assert sent[2:] == [str(first.event_id), str(second.event_id)]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    assert json.loads(webhook_sink.received[-1]["body"])["aggregate"]["id"] == "1"


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_asked_while_an_attempt_is_on_the_wire_is_not_overwritten(
    organization, webhook_sink
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    emit_event(organization)
    drain()
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=3)

    def redeliver_meanwhile(request) -> int:
        redeliver(Delivery.objects.get(pk=delivery.pk))  # another connection, committed
        return 500

    webhook_sink.on_receive = redeliver_meanwhile

    deliver_due()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.claimed_until) == ("pending", 0, None)
    assert delivery.next_attempt_at <= timezone.now()  # due now, as the redelivery asked


@pytest.mark.django_db
def test_one_claim_delivers_an_aggregates_run_in_order_and_stops_at_a_failure(
    organization, webhook_sink
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    run = [emit_event(organization, aggregate=("ticket", 7), n=n) for n in range(4)]
    drain()
    third = str(run[2].event_id)
    webhook_sink.on_receive = lambda request: (
        500 if request["headers"]["webhook-id"] == third else None
    )

    assert deliver_due() == 3  # the head, then two more behind it up to the failing one

    ids = [request["headers"]["webhook-id"] for request in webhook_sink.received]
    assert ids == [str(m.event_id) for m in run[:3]]
    states = dict(Delivery.objects.values_list("message_id", "state"))
    assert [states[m.pk] for m in run] == ["delivered", "delivered", "pending", "pending"]
    assert not Delivery.objects.filter(claimed_until__isnull=False).exists()


@pytest.mark.django_db
def test_a_batch_reaches_a_receiver_over_one_kept_connection_in_a_few_round_trips(
    organization, webhook_sink, django_assert_max_num_queries
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    for n in range(20):
        emit_event(organization, aggregate=("ticket", n % 5), n=n)
    drain()

    # One at a time took an UPDATE per delivery (20) besides the claims.
    with django_assert_max_num_queries(15):
        assert deliver_due() == 20

    assert len(webhook_sink.received) == 20
    assert len({request["connection"] for request in webhook_sink.received}) == 1
    assert set(Delivery.objects.values_list("state", "attempts", "claimed_until")) == {
        ("delivered", 1, None)
    }


@pytest.mark.django_db
def test_a_kept_connection_the_receiver_closed_is_replaced_without_failing_the_delivery(
    organization, webhook_sink
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    webhook_sink.hang_up = True
    for n in range(3):
        emit_event(organization, aggregate=("ticket", n))
    drain()

    deliver_due()

    assert len(webhook_sink.received) == 3
    assert len({request["connection"] for request in webhook_sink.received}) == 3
    assert set(Delivery.objects.values_list("state", "attempts")) == {("delivered", 1)}


@pytest.mark.django_db
def test_deliveries_sent_before_a_time_limit_stops_the_batch_are_recorded(
    organization, webhook_sink, monkeypatch
):
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    for n in range(3):
        emit_event(organization, aggregate=("ticket", n))
    behind = emit_event(organization, aggregate=("ticket", 0))  # waits behind the first wave
    drain()
    post = deliveries.post_signed
    calls = []

    def post_until_the_time_limit(delivery, kept=None):
        calls.append(delivery.pk)
        if len(calls) == 3:  # what Celery raises in the task at its soft time limit
            raise SoftTimeLimitExceeded()
        return post(delivery, kept)

    monkeypatch.setattr(deliveries, "post_signed", post_until_the_time_limit)

    with pytest.raises(SoftTimeLimitExceeded):
        deliver_due()

    states = dict(Delivery.objects.values_list("pk", "state"))
    assert [states[pk] for pk in calls] == ["delivered", "delivered", "pending"]
    assert Delivery.objects.get(message=behind).state == "pending"
    # Nothing stays leased: the unsent and the run behind the wave are free for the next worker.
    assert not Delivery.objects.filter(claimed_until__isnull=False).exists()
    assert len(webhook_sink.received) == 2
