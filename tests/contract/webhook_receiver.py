"""An integrator's webhook receiver, written from the contract alone (no server code imported):
check the Standard Webhooks signature, then parse the event into the generated model of its type.

Requests are as tests/receivers.py's WebhookSink records them: lower-cased `headers`, raw `body`.
"""

import base64
import hashlib
import hmac
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import attrs
import yaml

# Refuse a signed request older (or newer) than this: a captured one cannot be replayed later.
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60


def signature_is_valid(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether `webhook-signature` holds a v1 HMAC-SHA256 of "{id}.{timestamp}.{body}"."""
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # Several space-separated signatures are sent while a secret is being rotated.
    candidates = (signature.partition(",") for signature in headers["webhook-signature"].split())
    return any(
        version == "v1" and hmac.compare_digest(value, expected) for version, _, value in candidates
    )


def event_schema_names(document: Path) -> dict[str, str]:
    """Each event type's envelope schema, as the `Event` discriminator of `document` maps them."""
    schemas = yaml.load(document.read_text(), Loader=yaml.CSafeLoader)["components"]["schemas"]
    mapping = schemas.get("Event", {}).get("discriminator", {}).get("mapping", {})
    return {event_type: ref.rpartition("/")[2] for event_type, ref in mapping.items()}


def parse_event(models: ModuleType, schema_names: Mapping[str, str], body: bytes):
    """Parse a delivered event into the generated model (in `models`) its `type` names."""
    event = json.loads(body)
    if event["type"] not in schema_names:
        raise LookupError(f"The contract publishes no schema for {event['type']!r} events")
    return getattr(models, schema_names[event["type"]]).from_dict(event)


def undeclared_fields(value, path: str = "") -> list[str]:
    """Where a parsed model holds fields its schema does not name (kept in additional_properties).

    A model without declared fields is a free-form object, whose fields are all expected there.
    """
    if isinstance(value, list):
        return [
            found
            for i, item in enumerate(value)
            for found in undeclared_fields(item, f"{path}/{i}")
        ]
    if not attrs.has(type(value)):
        return []
    declared = [
        field.name for field in attrs.fields(type(value)) if field.name != "additional_properties"
    ]
    extra = [f"{path}/{name}" for name in value.additional_properties] if declared else []
    nested = [
        found
        for name in declared
        for found in undeclared_fields(getattr(value, name), f"{path}/{name}")
    ]
    return extra + nested


def once_per_event(received: list[dict]) -> list[dict]:
    """The received requests, the first of each event id (delivery is at least once)."""
    requests = {}
    for request in list(received):
        requests.setdefault(request["headers"]["webhook-id"], request)
    return list(requests.values())


def unverified(secret: str, requests: list[dict]) -> list[str]:
    """The event ids of requests whose signature fails or whose webhook-id is not the event's."""
    return [
        request["headers"]["webhook-id"]
        for request in requests
        if not signature_is_valid(secret, request["headers"], request["body"])
        or json.loads(request["body"])["id"] != request["headers"]["webhook-id"]
    ]


def unparsed(models: ModuleType, schema_names: Mapping[str, str], requests: list[dict]) -> dict:
    """Per event type, why an event did not parse into its generated model, field for field."""
    problems = {}
    for request in requests:
        event_type = json.loads(request["body"])["type"]
        try:
            event = parse_event(models, schema_names, request["body"])
        except Exception as exc:  # whatever the generated model raises is the finding
            problems[event_type] = f"{type(exc).__name__}: {exc}"
            continue
        if undeclared := undeclared_fields(event):
            problems[event_type] = f"fields the schema does not declare: {undeclared}"
    return problems


def histories_of(requests: list[dict]) -> dict[tuple[str, str], list[str]]:
    """Each aggregate's event types, in the order they arrived."""
    histories = defaultdict(list)
    for request in requests:
        event = json.loads(request["body"])
        histories[event["aggregate"]["type"], event["aggregate"]["id"]].append(event["type"])
    return histories
