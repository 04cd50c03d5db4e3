"""OpenTelemetry tracing for Django and psycopg; spans leave over OTLP only when configured.

Every request has a trace id (logs and problems carry it, a `traceparent` continues it), but a
span is recorded only while something exports spans: without an exporter the sampler drops
them, so the Django and psycopg instrumentation cost ids, not span objects with attributes.
"""

import os
import threading

from django.conf import settings
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)

_configured = threading.Event()


class WhileExported(Sampler):
    """Record (parent-based) once spans have somewhere to go; until then, drop them.

    A trace a caller sampled stays sampled, so the traceparent we pass on keeps its flag.
    """

    def __init__(self) -> None:
        self.exported = False
        self._recorded = ParentBased(ALWAYS_ON)

    def should_sample(self, parent_context, trace_id, name, *args, **kwargs) -> SamplingResult:
        if self.exported or _sampled_upstream(parent_context):
            return self._recorded.should_sample(parent_context, trace_id, name, *args, **kwargs)
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        return f"WhileExported{{{self._recorded.get_description()}}}"


def _sampled_upstream(parent_context) -> bool:
    parent = trace.get_current_span(parent_context).get_span_context()
    return parent.is_valid and parent.is_remote and parent.trace_flags.sampled


class ServiceFlowTracerProvider(TracerProvider):
    """A provider whose spans are recorded from the moment a processor is added to it."""

    def __init__(self, **kwargs) -> None:
        self.while_exported = WhileExported()
        super().__init__(sampler=self.while_exported, **kwargs)

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self.while_exported.exported = True


def configure() -> None:
    """Install the tracer provider and instrumentation once per process."""
    if _configured.is_set():
        return
    _configured.set()
    provider = ServiceFlowTracerProvider(
        resource=Resource.create({"service.name": settings.OTEL_SERVICE_NAME})
    )
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # The stable HTTP conventions take the request target as sent; the old ones rebuild the
    # URL with wsgiref, which fails on a path outside Latin-1 when no RAW_URI is given.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    DjangoInstrumentor().instrument(is_sql_commentor_enabled=False)
    PsycopgInstrumentor().instrument(skip_dep_check=True)
