"""Helpdesk metrics: SLA targets tickets missed, counted where beat's task marks them (a worker)."""

from prometheus_client import Counter

SLA_BREACHES = Counter(
    "serviceflow_sla_breaches", "SLA targets tickets missed, by target.", ["target"]
)
