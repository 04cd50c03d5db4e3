"""Events in the OpenAPI document: one named envelope per event type, and `Event`, their union.

Each app publishes the `data` of the events it emits in `<app>/event_schemas.py`, as a tuple
`EVENT_SCHEMAS` of `EventSchema`. `config` imports no app, so those modules are found through
the app registry, as the admin finds `admin.py`. `ticket.opened` is published as
`TicketOpenedEvent`, the envelope every consumer receives, with its `data` as
`TicketOpenedEventData`; `Event` is their `oneOf`, discriminated by `type` (docs/adr/0029).
"""

import re
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule
from drf_spectacular.utils import OpenApiCallback, PolymorphicProxySerializer
from rest_framework import serializers

SCHEMA_MODULE = "event_schemas"
UNION_NAME = "Event"
WEBHOOK_SIGNATURE_HEADERS = {
    "webhook-id": "The event id, the same on every retry: process each id once.",
    "webhook-timestamp": "When this attempt was signed, in Unix seconds; refuse old ones.",
    "webhook-signature": "`v1,<base64 HMAC-SHA256 of {webhook-id}.{webhook-timestamp}.{body}>` "
    "keyed with the base64-decoded part of your `whsec_` secret (Standard Webhooks); "
    "several signatures are separated by spaces.",
}


@dataclass(frozen=True)
class EventSchema:
    """What an app publishes of one event type: its `data` and when it is emitted."""

    event_type: str
    data: type[serializers.Serializer]
    description: str


class EventAggregate(serializers.Serializer):
    type = serializers.CharField(help_text="The kind of object the event is about (`ticket`).")
    id = serializers.CharField(help_text="Its id, as text; its events arrive in order.")


def component_name(event_type: str) -> str:
    """`ticket.sla_breached` → `TicketSlaBreachedEvent`."""
    words = re.split(r"[._]", event_type)
    return "".join(word.capitalize() for word in words) + "Event"


def envelope_of(schema: EventSchema) -> type[serializers.Serializer]:
    """The named envelope serializer of one event type, with its named `data`."""
    name = component_name(schema.event_type)
    data = type(f"{name}Data", (schema.data,), {"__doc__": schema.data.__doc__})
    fields = {
        "id": serializers.UUIDField(help_text="The event id: the same on every delivery of it."),
        "type": serializers.ChoiceField(choices=[(schema.event_type, schema.description)]),
        "occurred_at": serializers.DateTimeField(),
        "aggregate": EventAggregate(),
        "data": data(),
        "position": serializers.IntegerField(
            required=False,
            help_text="Where the event sits in your organization's event feed; only the feed "
            "has it.",
        ),
    }
    attributes = {"__doc__": schema.description, "__module__": __name__, **fields}
    return type(name, (serializers.Serializer,), attributes)


def declared_schemas() -> list[EventSchema]:
    """Every EventSchema of every installed app, in app order."""
    declared = []
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, SCHEMA_MODULE):
            declared.extend(import_module(f"{app.name}.{SCHEMA_MODULE}").EVENT_SCHEMAS)
    return declared


@cache
def published_events() -> dict[str, type[serializers.Serializer]]:
    """Event type → its envelope serializer; built once, so each component is one class."""
    envelopes: dict[str, type[serializers.Serializer]] = {}
    for schema in declared_schemas():
        if schema.event_type in envelopes:
            raise ImproperlyConfigured(f"Two schemas publish the event {schema.event_type!r}.")
        envelopes[schema.event_type] = envelope_of(schema)
    return dict(sorted(envelopes.items()))


def event_union(**kwargs) -> PolymorphicProxySerializer:
    """`Event`: any published event, told apart by `type` (a discriminator mapping)."""
    return PolymorphicProxySerializer(
        component_name=UNION_NAME,
        serializers=published_events,
        resource_type_field_name="type",
        **kwargs,
    )


def webhook_callback() -> OpenApiCallback:
    """The POST a registered endpoint receives for each event: the envelope, signed."""
    # A raw operation: drf-spectacular copies no parameters into a callback. Its body is the
    # `Event` component that the event feed registers.
    operation = {
        "summary": "Receive an event",
        "description": "Verify the signature, then answer 2xx within the timeout; anything "
        "else is retried on the schedule. An aggregate's events arrive in order.",
        "parameters": [
            {
                "in": "header",
                "name": name,
                "required": True,
                "schema": {"type": "string"},
                "description": text,
            }
            for name, text in WEBHOOK_SIGNATURE_HEADERS.items()
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{UNION_NAME}"}}
            },
        },
        "responses": {"200": {"description": "Received; any 2xx will do."}},
    }
    return OpenApiCallback("event", "{$request.body#/url}", {"post": operation})
