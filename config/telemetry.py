"""OpenTelemetry tracing for Django and psycopg; spans leave over OTLP only when configured."""

import os
import threading

from django.conf import settings
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = threading.Event()


def configure() -> None:
    """Install the tracer provider and instrumentation once per process."""
    if _configured.is_set():
        return
    _configured.set()
    provider = TracerProvider(
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
