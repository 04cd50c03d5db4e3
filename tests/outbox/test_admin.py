"""No admin page shows a full API key, a webhook secret or a stored idempotent response."""

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import ApiKey
from outbox.models import Delivery, WebhookEndpoint
from outbox.services.drain import drain, drain_batch
from outbox.services.webhooks import delete_endpoint
from tests.accounts.admin_sessions import signed_in_admin, superuser
from tests.outbox.factories import WebhookEndpointFactory, emit_event

pytestmark = pytest.mark.django_db


def every_admin_page(client) -> str:
    """Every changelist and every row's change page, as a superuser sees them."""
    pages = []
    for model in admin.site._registry:
        opts = model._meta
        pages.append(client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
        for pk in model._default_manager.values_list("pk", flat=True):
            change = f"admin:{opts.app_label}_{opts.model_name}_change"
            pages.append(client.get(reverse(change, args=[pk])))
    assert {page.status_code for page in pages} == {200}
    return "\n".join(page.content.decode() for page in pages)


def test_no_admin_page_shows_a_key_a_secret_or_a_stored_response(admin_api, webhook_sink):
    created_key = admin_api.post(
        "/api/v1/api-keys",
        {"name": "ci", "role": "agent"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    ).json()
    created_hook = admin_api.post(
        "/api/v1/webhooks",
        {"url": webhook_sink.url, "event_types": ["ticket.*"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    ).json()
    drain_batch()
    endpoint = WebhookEndpoint.objects.get(pk=created_hook["id"])
    secrets = {
        "API key": created_key["key"],
        "API key secret": created_key["key"].split("_", 2)[2],  # sf_<prefix>_<secret>
        "API key hash": ApiKey.objects.get(pk=created_key["id"]).secret_hash,
        "webhook secret": created_hook["secret"],
        "webhook secret, base64 part": created_hook["secret"].removeprefix("whsec_"),
        "sealed webhook secret": endpoint.secret_sealed,
    }

    pages = every_admin_page(signed_in_admin(superuser()))

    assert [name for name, secret in secrets.items() if secret in pages] == []
    assert created_key["prefix"] in pages  # what finds a key may be shown


def test_deliver_again_in_the_admin_skips_deliveries_to_a_deleted_endpoint(organization):
    kept = WebhookEndpointFactory(organization=organization)
    deleted = WebhookEndpointFactory(organization=organization)
    emit_event(organization)
    drain()
    Delivery.objects.update(state="dead")
    delete_endpoint(endpoint_id=deleted.pk)
    changelist = reverse("admin:outbox_delivery_changelist")

    response = signed_in_admin(superuser()).post(
        changelist,
        {
            "action": "redeliver",
            "_selected_action": list(Delivery.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )

    assert response.status_code == 200
    states = dict(Delivery.objects.values_list("endpoint_id", "state"))
    assert states == {kept.pk: "pending", deleted.pk: "dead"}
    notes = [str(message) for message in response.context["messages"]]
    assert "1 delivery(ies) queued again." in notes
    assert "1 delivery(ies) not queued: their endpoint was deleted or disabled." in notes
