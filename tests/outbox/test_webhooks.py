import base64
import json

import pytest
from django.utils import timezone

from outbox import signing
from outbox.models import Delivery, OutboxMessage
from outbox.services.deliveries import deliver_due
from outbox.services.drain import drain_batch
from outbox.targets import UnsafeTarget, resolve_target
from tests.outbox.factories import WebhookEndpointFactory, emit_event

pytestmark = pytest.mark.django_db


def test_secret_is_whsec_with_at_least_24_random_bytes():
    secret = signing.generate_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert secret != signing.generate_secret()


SENT_AT = 1700000000


def signed_delivery() -> tuple[str, dict[str, str], bytes]:
    """A secret, and the headers and body of a delivery signed with it at SENT_AT."""
    secret, body = signing.generate_secret(), b'{"id":"evt"}'
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(SENT_AT),
        "webhook-signature": signing.sign(secret, "evt_1", SENT_AT, body),
    }
    return secret, headers, body


def test_signature_verifies_with_the_secret_and_fails_when_anything_is_tampered():
    secret, headers, body = signed_delivery()

    assert signing.verify(secret, headers, body, now=SENT_AT)
    assert not signing.verify(secret, headers, b'{"id":"evu"}', now=SENT_AT)
    later = {**headers, "webhook-timestamp": str(SENT_AT + 1)}
    assert not signing.verify(secret, later, body, now=SENT_AT)
    assert not signing.verify(secret, {**headers, "webhook-id": "evt_2"}, body, now=SENT_AT)
    assert not signing.verify(signing.generate_secret(), headers, body, now=SENT_AT)


def test_a_delivery_older_than_the_tolerance_is_refused_as_a_replay():
    secret, headers, body = signed_delivery()

    assert signing.verify(secret, headers, body, now=SENT_AT + signing.TOLERANCE_SECONDS)
    assert not signing.verify(secret, headers, body, now=SENT_AT + signing.TOLERANCE_SECONDS + 1)
    assert not signing.verify(secret, headers, body)  # today: years later


@pytest.mark.parametrize(
    "damage",
    [
        {"webhook-timestamp": "1_700_000_000"},  # int() would read it; the signer never wrote it
        {"webhook-timestamp": ""},
        {"webhook-id": ""},
        {"webhook-signature": ""},
    ],
)
def test_a_delivery_with_a_malformed_or_missing_header_is_refused_not_an_error(damage):
    secret, headers, body = signed_delivery()

    assert not signing.verify(secret, {**headers, **damage}, body, now=SENT_AT)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http://user:pass@93.184.216.34/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(url, monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", raising=False)

    with pytest.raises(UnsafeTarget):
        resolve_target(url)


def test_public_targets_are_accepted_and_pinned_to_the_vetted_address(monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", raising=False)

    target = resolve_target("https://93.184.216.34:8443/in?x=1")

    assert (target.address, target.port, target.path) == ("93.184.216.34", 8443, "/in?x=1")


def test_private_targets_are_allowed_only_when_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")

    assert resolve_target("http://127.0.0.1:9/hook").address == "127.0.0.1"


def deliver_everything() -> None:
    drain_batch()
    deliver_due()


def test_event_reaches_the_endpoint_signed_per_standard_webhooks(organization, webhook_sink):
    endpoint = WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    message = emit_event(organization, event_type="ticket.opened", aggregate=("ticket", 42))

    deliver_everything()

    [request] = webhook_sink.received
    assert request["path"] == "/hooks/serviceflow"
    assert request["headers"]["webhook-id"] == str(message.event_id)
    assert signing.verify(endpoint.secret, request["headers"], request["body"])
    assert json.loads(request["body"]) == OutboxMessage.objects.get().envelope()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_endpoint_receives_only_the_event_types_it_subscribed_to(organization, webhook_sink):
    WebhookEndpointFactory(
        organization=organization, url=webhook_sink.url, event_types=["ticket.*"]
    )
    emit_event(organization, event_type="ticket.opened", aggregate=("ticket", 1))
    emit_event(organization, event_type="api_key.created", aggregate=("api_key", 1))

    deliver_everything()

    assert [json.loads(r["body"])["type"] for r in webhook_sink.received] == ["ticket.opened"]


def test_another_organizations_endpoint_receives_nothing(organization, webhook_sink):
    WebhookEndpointFactory(url=webhook_sink.url)  # another organization's
    emit_event(organization)

    deliver_everything()

    assert webhook_sink.received == []


def test_refused_delivery_is_retried_on_schedule_then_dead(organization, webhook_sink, settings):
    settings.WEBHOOK_RETRY_SCHEDULE_SECONDS = [5, 0]
    WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    webhook_sink.status = 503
    emit_event(organization)
    drain_batch()

    deliver_due()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert 4 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 6
    assert deliver_due() == 0  # not due yet
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliver_due()
    deliver_due()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("dead", 3)
    assert len(webhook_sink.received) == 3


def test_unsafe_target_fails_the_delivery_without_sending(organization, monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", raising=False)
    WebhookEndpointFactory(organization=organization, url="http://127.0.0.1:9/hook")
    emit_event(organization)

    deliver_everything()

    delivery = Delivery.objects.get()
    assert delivery.state == "pending"
    assert "private, loopback or link-local" in delivery.last_error
