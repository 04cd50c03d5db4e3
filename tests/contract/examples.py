"""Checking an example of the OpenAPI document against the schema it illustrates."""

import jsonschema


def as_json_schema(node):
    """OpenAPI 3.0 schemas say `nullable: true`; JSON Schema says `null` is a type."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def validate_example(value, schema: dict, media: dict) -> None:
    """Raise if `value` does not fit `media`'s schema within the OpenAPI document `schema`."""
    document = as_json_schema({**media["schema"], "components": schema["components"]})
    jsonschema.Draft7Validator(document).validate(value)
