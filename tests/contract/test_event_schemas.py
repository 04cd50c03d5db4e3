"""Events are part of the contract: each type the code emits is published, and what it emits fits.

The suite-wide half lives in tests/event_contract.py, a plugin that checks every event the code
emits in any test; these tests hold the ground it stands on.
"""

import ast
import json
import re
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from django.apps import apps
from django.db.models.signals import post_save

from config.api.event_schemas import UNION_NAME, WEBHOOK_SIGNATURE_HEADERS, component_name
from outbox import signing
from outbox.models import OutboxMessage
from outbox.services.deliveries import deliver_due
from outbox.services.drain import drain_batch
from outbox.services.feed import sequence_feed
from tests.contract.examples import as_json_schema
from tests.event_contract import (
    Emitted,
    EventWatch,
    closed,
    published_contract,
    published_document,
)
from tests.helpdesk.factories import NEW_TICKET
from tests.outbox.factories import WebhookEndpointFactory, emit_event

ROOT = Path(__file__).resolve().parents[2]
EVENT_TYPE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}


def project_modules():
    """(app, path) of every module of the project's own apps, migrations aside."""
    for app in apps.get_app_configs():
        if Path(app.path).is_relative_to(ROOT):
            for path in Path(app.path).rglob("*.py"):
                if "migrations" not in path.parts:
                    yield app, path


def declared_event_types() -> dict[str, str]:
    """Every event type constant of the apps' events modules (`events.py`, `events_*.py`)."""
    declared = {}
    for app, path in project_modules():
        if path.parent != Path(app.path) or not re.fullmatch(r"events(_\w+)?\.py", path.name):
            continue
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and EVENT_TYPE.match(node.value.value)
                and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)
            ):
                declared[node.value.value] = str(path.relative_to(ROOT))
    return declared


def test_the_published_event_types_are_exactly_those_the_code_declares():
    declared = declared_event_types()

    assert len(declared) > 20  # the apps' events modules were found
    assert sorted(published_contract().mapping) == sorted(declared)


def test_no_code_emits_an_event_type_written_out_instead_of_a_declared_constant():
    literal = []
    for _, path in project_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, ast.keyword) and node.arg == "event_type":
                values = [node.value]
            elif isinstance(node, ast.Dict):
                values = [
                    value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if isinstance(key, ast.Constant) and key.value == "event_type"
                ]
            literal += [
                f"{path.relative_to(ROOT)}:{value.lineno}"
                for value in values
                if isinstance(value, ast.Constant)
            ]

    assert literal == []


def test_emit_is_the_only_writer_of_outbox_messages_so_the_plugin_sees_every_event():
    writers = []
    for _, path in project_modules():
        source = path.read_text()
        if "insert into outbox_outboxmessage" in source.lower():
            writers.append(f"{path.relative_to(ROOT)} (SQL)")
        for node in ast.walk(ast.parse(source)):
            target = node.func if isinstance(node, ast.Call) else None
            if isinstance(target, ast.Name) and target.id == "OutboxMessage":
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if (
                isinstance(target, ast.Attribute)
                and target.attr in WRITES
                and ast.unparse(target.value) == "OutboxMessage.objects"
            ):
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert [w.split(":")[0] for w in writers] == ["outbox/services/messages.py"]


def test_each_event_is_a_named_envelope_with_named_data_in_the_event_union():
    schemas = published_document()["components"]["schemas"]

    for event_type, reference in schemas[UNION_NAME]["discriminator"]["mapping"].items():
        name = component_name(event_type)
        envelope = schemas[name]
        type_enum = schemas[envelope["properties"]["type"]["$ref"].rsplit("/", 1)[-1]]
        assert reference == f"#/components/schemas/{name}"
        assert type_enum["enum"] == [event_type]
        assert envelope["properties"]["data"]["$ref"] == f"#/components/schemas/{name}Data"
        assert set(envelope["required"]) == {"id", "type", "occurred_at", "aggregate", "data"}
    assert schemas[UNION_NAME]["discriminator"]["propertyName"] == "type"


def open_ticket(api) -> dict:
    response = api.post("/api/v1/tickets", NEW_TICKET, format="json")
    assert response.status_code == 201
    opened = OutboxMessage.objects.filter(aggregate_id=str(response.json()["id"]))
    return opened.get(event_type="ticket.opened").envelope()


@pytest.mark.django_db
def test_an_emitted_event_fits_and_any_change_the_schema_does_not_say_is_refused(admin_api):
    envelope = json.loads(json.dumps(open_ticket(admin_api)))
    data = envelope["data"]
    contract = published_contract()

    assert contract.misfits(envelope) == []
    assert contract.misfits({**envelope, "data": {"actor": data["actor"]}})
    assert contract.misfits({**envelope, "data": {**data, "colour": "blue"}})
    assert contract.misfits(
        {**envelope, "data": {**data, "ticket": {**data["ticket"], "status": "lost"}}}
    )
    assert contract.misfits({**envelope, "occurred_at": "yesterday"})
    assert contract.misfits({**envelope, "type": "ticket.teleported"}) == [
        "no schema is published for the event type 'ticket.teleported'"
    ]


@pytest.mark.django_db
def test_the_watch_takes_what_the_code_emits_and_leaves_what_a_test_writes(admin_api, organization):
    watch = EventWatch()
    post_save.connect(watch.saved, sender=OutboxMessage)
    try:
        phase = watch.run()
        next(phase)
        emit_event(organization, event_type="ticket.opened")  # a test's own, made up
        open_ticket(admin_api)
        [emitted] = watch.emitted
        with pytest.raises(StopIteration):
            phase.send(None)
    finally:
        post_save.disconnect(watch.saved, sender=OutboxMessage)

    assert emitted.emitter == "helpdesk.services.tickets:open_ticket"
    assert watch.checked == Counter({"ticket.opened": 1})


@pytest.mark.django_db
def test_a_phase_in_which_the_code_emitted_a_misfit_fails_naming_it(admin_api):
    envelope = json.loads(json.dumps(open_ticket(admin_api)))
    watch = EventWatch()
    phase = watch.run()
    next(phase)
    watch.emitted.append(Emitted({**envelope, "data": {}}, "helpdesk.services.tickets:x"))

    with pytest.raises(pytest.fail.Exception) as failure:
        phase.send(None)

    assert "ticket.opened emitted by helpdesk.services.tickets:x" in str(failure.value)
    assert "'ticket' is a required property" in str(failure.value)


def strict_validator(schema: dict) -> jsonschema.Draft7Validator:
    components = published_document()["components"]
    document = closed(as_json_schema({**schema, "components": components}))
    return jsonschema.Draft7Validator(document)


@pytest.mark.django_db
def test_the_feed_serves_each_event_as_the_published_event_union(admin_api):
    open_ticket(admin_api)
    sequence_feed()
    document = published_document()
    operation = document["paths"]["/api/v1/events"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page_schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]

    page = admin_api.get("/api/v1/events").json()

    assert page_schema["properties"]["results"]["items"] == {
        "$ref": f"#/components/schemas/{UNION_NAME}"
    }
    assert {event["type"] for event in page["results"]} >= {"api_key.created", "ticket.opened"}
    strict_validator(schema).validate(page)


@pytest.mark.django_db
def test_a_webhook_is_the_documented_callback_signed_with_the_documented_headers(
    admin_api, organization, webhook_sink
):
    endpoint = WebhookEndpointFactory(organization=organization, url=webhook_sink.url)
    open_ticket(admin_api)
    drain_batch()
    deliver_due()
    create = published_document()["paths"]["/api/v1/webhooks"]["post"]
    [callback] = create["callbacks"]["event"].values()
    body_schema = callback["post"]["requestBody"]["content"]["application/json"]["schema"]
    documented = {p["name"] for p in callback["post"]["parameters"] if p["in"] == "header"}

    received = webhook_sink.received

    assert body_schema == {"$ref": f"#/components/schemas/{UNION_NAME}"}
    assert "ticket.opened" in [json.loads(request["body"])["type"] for request in received]
    for request in received:
        assert documented == set(WEBHOOK_SIGNATURE_HEADERS) <= set(request["headers"])
        assert signing.verify(endpoint.secret, request["headers"], request["body"])
        strict_validator(body_schema).validate(json.loads(request["body"]))
