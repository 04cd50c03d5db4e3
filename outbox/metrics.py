"""Outbox metrics: publish counters per publisher, and backlog gauges read at scrape time.

A scrape costs a few bounded index scans, never a full-table one: each backlog is counted on its
partial index up to OUTBOX_METRICS_COUNT_CAP rows (a gauge at the cap means "at least this").
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from outbox.models import Delivery, Notification, OutboxMessage

logger = logging.getLogger(__name__)

PUBLISHED = Counter("serviceflow_outbox_published", "Messages a publisher took.", ["publisher"])
PUBLISH_FAILURES = Counter(
    "serviceflow_outbox_publish_failures", "Publish attempts that failed.", ["publisher"]
)
WEBHOOK_ATTEMPTS = Counter(
    "serviceflow_webhook_attempts", "Webhook delivery attempts by outcome.", ["outcome"]
)


def capped_count(queryset: QuerySet) -> int:
    """Count rows up to the cap: `SELECT count(*) FROM (… LIMIT cap)`."""
    return queryset.order_by()[: settings.OUTBOX_METRICS_COUNT_CAP].count()


def oldest_due_lag() -> float:
    """Seconds the longest-waiting due message has been due (0 when none is)."""
    due = (
        OutboxMessage.objects.filter(state="pending")
        .order_by("available_at", "id")
        .values_list("available_at", flat=True)
        .first()
    )
    return max((timezone.now() - due).total_seconds(), 0.0) if due else 0.0


BACKLOGS = [
    (
        "serviceflow_outbox_pending",
        "Messages not yet published.",
        lambda: OutboxMessage.objects.filter(state="pending"),
    ),
    (
        "serviceflow_outbox_dead",
        "Messages that exhausted their attempts.",
        lambda: OutboxMessage.objects.filter(state="dead"),
    ),
    (
        "serviceflow_webhook_deliveries_pending",
        "Webhook deliveries waiting.",
        lambda: Delivery.objects.filter(state="pending"),
    ),
    (
        "serviceflow_webhook_deliveries_dead",
        "Webhook deliveries given up.",
        lambda: Delivery.objects.filter(state="dead"),
    ),
    (
        "serviceflow_notification_emails_pending",
        "Notification e-mails waiting.",
        lambda: Notification.objects.filter(email_state="pending"),
    ),
    (
        "serviceflow_notification_emails_dead",
        "Notification e-mails given up.",
        lambda: Notification.objects.filter(email_state="dead"),
    ),
]


class OutboxBacklogCollector:
    """Backlog sizes of the outbox and its senders, and the drain's lag, from the database."""

    def collect(self):
        try:
            yield from self._collect()
        except DatabaseError:  # /metrics must keep answering while the database is away
            logger.warning("Outbox backlog metrics unavailable", exc_info=True)

    def _collect(self):
        for name, documentation, backlog in BACKLOGS:
            yield GaugeMetricFamily(name, documentation, value=capped_count(backlog()))
        yield GaugeMetricFamily(
            "serviceflow_outbox_lag_seconds",
            "How long the longest-waiting due message has been due.",
            value=oldest_due_lag(),
        )
