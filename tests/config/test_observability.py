import io
import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    TraceFlags,
    set_span_in_context,
)

from config.logging import JsonFormatter, RequestContextFilter
from config.telemetry import ServiceFlowTracerProvider

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def _exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_exporter):
    _exporter.clear()
    return _exporter


@pytest.fixture
def log_lines():
    """JSON lines as the production handler writes them, for one test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def hex_trace_id(span) -> str:
    return format(span.context.trace_id, "032x")


def test_request_trace_and_json_log_line_share_the_trace_id(
    api, organization, issue_key, spans, log_lines
):
    key = issue_key(organization)

    response = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")

    server = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert len(server) == 1
    trace_id = hex_trace_id(server[0])
    access = [line for line in log_lines() if line["logger"] == "serviceflow.access"]
    assert access[0]["trace_id"] == trace_id
    assert access[0]["span_id"] == format(server[0].context.span_id, "016x")
    assert access[0]["request_id"] == response["X-Request-ID"]
    assert access[0]["org"] == organization.slug
    assert access[0]["status"] == 200


def test_database_queries_are_spans_of_the_request(api, organization, issue_key, spans):
    key = issue_key(organization)
    spans.clear()

    api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")

    finished = spans.get_finished_spans()
    server = next(s for s in finished if s.kind == SpanKind.SERVER)
    queries = [s for s in finished if s.attributes.get("db.system") == "postgresql"]
    assert queries
    assert {hex_trace_id(s) for s in queries} == {hex_trace_id(server)}


def test_problem_body_carries_the_trace_id_of_the_request(api, spans):
    response = api.get("/api/v1/me")

    server = next(s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER)
    assert response.json()["trace_id"] == hex_trace_id(server)


def test_every_log_line_is_json_with_the_request_context(api, log_lines):
    api.get("/api/v1/no-such-thing", HTTP_X_REQUEST_ID="req-42")

    lines = log_lines()
    assert lines
    for line in lines:
        assert {
            "ts",
            "level",
            "logger",
            "message",
            "request_id",
            "trace_id",
            "span_id",
            "org",
        } <= set(line)
        assert line["request_id"] == "req-42"


def test_request_id_is_echoed_or_generated(client):
    sent = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    generated = client.get("/healthz")
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='bad"\nvalue')

    assert sent["X-Request-ID"] == "abc-123"
    assert len(generated["X-Request-ID"]) == 32
    assert forged["X-Request-ID"] != 'bad"\nvalue'
    assert len(forged["X-Request-ID"]) == 32


def test_spans_are_recorded_only_once_something_exports_them_yet_always_carry_ids():
    provider = ServiceFlowTracerProvider()
    tracer = provider.get_tracer("test")

    with tracer.start_as_current_span("unexported") as unexported:
        recorded_before = unexported.is_recording()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with tracer.start_as_current_span("exported") as exported:
        recorded_after = exported.is_recording()

    assert (recorded_before, recorded_after) == (False, True)
    assert unexported.get_span_context().is_valid  # logs and problems still get a trace id
    assert [span.name for span in exporter.get_finished_spans()] == ["exported"]


def test_a_trace_the_caller_sampled_stays_sampled_without_an_exporter():
    tracer = ServiceFlowTracerProvider().get_tracer("test")
    sampled = SpanContext(
        0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
    )
    unsampled = SpanContext(0x1234, 0x9ABC, is_remote=True, trace_flags=TraceFlags(0))

    with tracer.start_as_current_span(
        "x", context=set_span_in_context(NonRecordingSpan(sampled))
    ) as a:
        passed_on_sampled = a.get_span_context().trace_flags.sampled
    with tracer.start_as_current_span(
        "y", context=set_span_in_context(NonRecordingSpan(unsampled))
    ) as b:
        passed_on_unsampled = b.get_span_context().trace_flags.sampled

    assert (passed_on_sampled, passed_on_unsampled) == (True, False)
