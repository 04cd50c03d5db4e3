import pytest

from config.roles import Role
from outbox.models import Delivery, WebhookEndpoint
from outbox.services.deliveries import deliver_due
from outbox.services.drain import drain_batch
from tests.accounts.factories import OrganizationFactory
from tests.outbox.factories import WebhookEndpointFactory, emit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(organization, webhook_sink):
    # Subscribed to the test events only, not to the api_key.created of the admin's own key.
    return WebhookEndpointFactory(
        organization=organization, url=webhook_sink.url, event_types=["thing.*"]
    )


def test_registering_a_webhook_shows_the_secret_once(admin_api, webhook_sink):
    response = admin_api.post(
        "/api/v1/webhooks", {"url": webhook_sink.url, "event_types": ["ticket.*"]}, format="json"
    )

    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert response["ETag"] == '"1"'
    shown = admin_api.get(f"/api/v1/webhooks/{created['id']}")
    assert "secret" not in shown.json()
    assert "secret" not in admin_api.get("/api/v1/webhooks").json()["results"][0]


def test_private_target_is_refused_at_registration_with_a_pointer(admin_api, monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", raising=False)

    response = admin_api.post("/api/v1/webhooks", {"url": "http://10.0.0.5/in"}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/url"
    assert not WebhookEndpoint.objects.exists()


def test_invalid_event_type_pattern_is_422(admin_api, webhook_sink):
    response = admin_api.post(
        "/api/v1/webhooks",
        {"url": webhook_sink.url, "event_types": ["Ticket Opened"]},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/event_types/0"


def test_changing_a_webhook_needs_the_current_etag(admin_api, endpoint):
    url = f"/api/v1/webhooks/{endpoint.pk}"

    missing = admin_api.patch(url, {"is_active": False}, format="json")
    stale = admin_api.patch(url, {"is_active": False}, format="json", HTTP_IF_MATCH='"9"')
    current = admin_api.patch(url, {"is_active": False}, format="json", HTTP_IF_MATCH='"1"')

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert current.status_code == 200
    assert current["ETag"] == '"2"'
    assert current.json()["is_active"] is False


def test_deleted_webhook_is_gone_and_receives_nothing(
    admin_api, endpoint, organization, webhook_sink
):
    assert admin_api.delete(f"/api/v1/webhooks/{endpoint.pk}").status_code == 204
    emit_event(organization)
    drain_batch()
    deliver_due()

    assert admin_api.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
    assert webhook_sink.received == []


def test_ping_reaches_only_that_endpoint(admin_api, endpoint, organization, webhook_sink):
    WebhookEndpointFactory(
        organization=organization, url=webhook_sink.url + "/other", event_types=["thing.*"]
    )

    response = admin_api.post(f"/api/v1/webhooks/{endpoint.pk}/ping")
    drain_batch()
    deliver_due()

    assert response.status_code == 202
    assert [r["path"] for r in webhook_sink.received] == ["/hooks/serviceflow"]
    assert webhook_sink.received[0]["headers"]["webhook-id"] == response.json()["event_id"]


def test_deliveries_are_listed_and_can_be_redelivered(
    admin_api, endpoint, organization, webhook_sink
):
    webhook_sink.status = 500
    emit_event(organization)
    drain_batch()
    deliver_due()
    Delivery.objects.update(state="dead")

    listed = admin_api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()["results"]
    webhook_sink.status = 200
    redelivered = admin_api.post(f"/api/v1/deliveries/{listed[0]['id']}/redeliver")
    deliver_due()

    assert listed[0]["state"] == "dead"
    assert listed[0]["last_status_code"] == 500
    assert redelivered.status_code == 202
    assert Delivery.objects.get().state == "delivered"
    assert len(webhook_sink.received) == 2


def test_another_organizations_webhook_and_delivery_are_404(admin_api, webhook_sink):
    theirs = WebhookEndpointFactory(organization=OrganizationFactory(), url=webhook_sink.url)
    emit_event(theirs.organization)
    drain_batch()
    delivery = Delivery.objects.get()

    assert admin_api.get(f"/api/v1/webhooks/{theirs.pk}").status_code == 404
    assert admin_api.post(f"/api/v1/webhooks/{theirs.pk}/ping").status_code == 404
    assert admin_api.post(f"/api/v1/deliveries/{delivery.pk}/redeliver").status_code == 404


def test_only_admins_manage_webhooks(api, organization, issue_key):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization, Role.AGENT)}")

    assert api.get("/api/v1/webhooks").status_code == 403
    assert api.get("/api/v1/events").status_code == 403
