"""The ticket contract is pinned: a change to it shows up here as a reviewed diff of the snapshot.

The snapshot (`ticket_contract.json`) was taken before the helpdesk's action machinery moved to
`config` (ADR 20); regenerate it only when the ticket API is meant to change.
"""

import json
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

SNAPSHOT = Path(__file__).with_name("ticket_contract.json")


def ticket_contract(document: dict) -> dict:
    """The ticket operations and every component they reach through `$ref`."""
    paths = {p: item for p, item in document["paths"].items() if p.startswith("/api/v1/tickets")}
    components, pending = {}, [paths]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            name = reference.rsplit("/", 1)[-1]
            if reference.startswith("#/components/schemas/") and name not in components:
                components[name] = document["components"]["schemas"][name]
                pending.append(components[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return {"paths": paths, "components": dict(sorted(components.items()))}


def test_the_ticket_operations_and_their_schemas_are_as_pinned():
    document = SchemaGenerator().get_schema(request=None, public=True)

    assert ticket_contract(document) == json.loads(SNAPSHOT.read_text())
