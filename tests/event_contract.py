"""A pytest plugin: every event the code emits during a test fits the schema the document publishes.

It watches every OutboxMessage insert (`outbox.emit` is their only writer; the contract tests
hold that) and, after each phase of a test (setup, call, teardown), checks what the code emitted
in it against the published envelope of its type, closed: a key the schema does not name fails
too. A phase that emitted a misfit fails, naming the event, the code that emitted it and why.
Events a test writes by hand (`emit_event(...)`, made-up types and payloads) are not the code's
and are left alone. Load it with `-p tests.event_contract` (tests/conftest.py lists it).
"""

import inspect
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import jsonschema
import pytest
from django.db.models.signals import post_save

from tests.contract.examples import as_json_schema

UNION = "Event"
# Modules between the code that emits and this receiver: the outbox's emit, and Django's save.
PASSED_THROUGH = ("outbox", "outbox.services.messages", __name__)


# jsonschema checks `date-time` only with a package the project does not install.
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def is_rfc3339_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    return "T" in value and datetime.fromisoformat(value).tzinfo is not None


def closed(node):
    """The schema with every object closed, so an undocumented key is an error."""
    if isinstance(node, list):
        return [closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    shut = {key: closed(value) for key, value in node.items()}
    if "properties" in shut:
        shut.setdefault("additionalProperties", False)
    return shut


class EventContract:
    """The published envelope of each event type, as closed JSON Schema validators."""

    def __init__(self, document: dict) -> None:
        schemas = document["components"]["schemas"]
        components = {"schemas": closed(as_json_schema(schemas))}
        self.mapping = schemas[UNION]["discriminator"]["mapping"]
        self.validators = {
            event_type: jsonschema.Draft7Validator(
                {"$ref": reference, "components": components},
                format_checker=FORMATS,
            )
            for event_type, reference in self.mapping.items()
        }

    def misfits(self, envelope: dict) -> list[str]:
        """Why the envelope does not fit its published schema; empty when it does."""
        validator = self.validators.get(envelope.get("type"))
        if validator is None:
            return [f"no schema is published for the event type {envelope.get('type')!r}"]
        return [
            f"{error.json_path}: {error.message}"
            for error in sorted(validator.iter_errors(envelope), key=lambda e: e.json_path)
        ]


@cache
def published_document() -> dict:
    """The OpenAPI document as /api/schema/ serves it, generated once per session."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@cache
def published_contract() -> EventContract:
    return EventContract(published_document())


@dataclass(frozen=True)
class Emitted:
    envelope: dict
    emitter: str


def code_that_emitted() -> str | None:
    """`module:function` of the code that wrote the message; None when it is a test's own."""
    frame = inspect.currentframe()
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module not in PASSED_THROUGH and not module.startswith("django."):
            if module.startswith("tests.") or module == "tests":
                return None
            return f"{module}:{frame.f_code.co_name}"
        frame = frame.f_back
    return None


class EventWatch:
    """Collects what the code emits while a test phase runs."""

    def __init__(self) -> None:
        self.emitted: list[Emitted] | None = None
        self.checked: Counter[str] = Counter()

    def saved(self, sender, instance, created, raw=False, **kwargs) -> None:
        if not created or raw or self.emitted is None:
            return
        emitter = code_that_emitted()
        if emitter is not None:
            # As consumers get it: webhooks and the broker send json.dumps of the envelope.
            envelope = json.loads(json.dumps(instance.envelope()))
            self.emitted.append(Emitted(envelope, emitter))

    def run(self):
        """Wrap one phase: collect during it, then fail it if the code emitted a misfit."""
        self.emitted = []
        try:
            result = yield
        finally:
            emitted, self.emitted = self.emitted, None
        reports = []
        for event in emitted:
            self.checked[event.envelope["type"]] += 1
            if misfits := published_contract().misfits(event.envelope):
                reports.append(describe(event, misfits))
        if reports:
            pytest.fail("\n\n".join(reports), pytrace=False)
        return result


def describe(event: Emitted, misfits: list[str]) -> str:
    envelope = json.dumps(event.envelope, indent=2, sort_keys=True)
    return (
        f"{event.envelope['type']} emitted by {event.emitter} does not fit its published "
        "schema:\n  " + "\n  ".join(misfits) + f"\n{envelope}"
    )


WATCH = EventWatch()


def pytest_sessionstart(session) -> None:
    post_save.connect(WATCH.saved, sender="outbox.OutboxMessage", weak=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from WATCH.run())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from WATCH.run())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from WATCH.run())


def pytest_terminal_summary(terminalreporter) -> None:
    if not WATCH.checked:
        return
    published = set(published_contract().mapping)
    unseen = sorted(published - set(WATCH.checked))
    terminalreporter.write_sep("-", "event contract")
    terminalreporter.write_line(
        f"{sum(WATCH.checked.values())} emitted events of {len(WATCH.checked)} types checked "
        f"against their published schemas; published types not emitted in this run: "
        f"{', '.join(unseen) or 'none'}"
    )
