import factory
from django.db import transaction

import outbox
from outbox import signing
from outbox.models import WebhookEndpoint
from tests.accounts.factories import OrganizationFactory


def emit_event(organization, *, event_type="thing.happened", aggregate=("thing", 1), **payload):
    """Emit one event in its own committed (or test-wrapped) transaction."""
    with transaction.atomic():
        return outbox.emit(
            organization_id=organization.pk,
            event_type=event_type,
            aggregate_type=aggregate[0],
            aggregate_id=aggregate[1],
            payload=payload or {"n": 1},
        )


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    organization = factory.SubFactory(OrganizationFactory)
    url = "http://127.0.0.1:9/hook"
    secret = factory.LazyFunction(signing.generate_secret)
    event_types = factory.LazyFunction(list)
