"""Outbox metrics: publish counters per publisher, and backlog gauges read at scrape time."""

import logging

from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from outbox.models import Delivery, OutboxMessage

logger = logging.getLogger(__name__)

PUBLISHED = Counter("serviceflow_outbox_published", "Messages a publisher took.", ["publisher"])
PUBLISH_FAILURES = Counter(
    "serviceflow_outbox_publish_failures", "Publish attempts that failed.", ["publisher"]
)
WEBHOOK_ATTEMPTS = Counter(
    "serviceflow_webhook_attempts", "Webhook delivery attempts by outcome.", ["outcome"]
)


class OutboxBacklogCollector:
    """Pending and dead counts and the age of the oldest pending message, from the database."""

    def collect(self):
        try:
            yield from self._collect()
        except DatabaseError:  # /metrics must keep answering while the database is away
            logger.warning("Outbox backlog metrics unavailable", exc_info=True)

    def _collect(self):
        messages = OutboxMessage.objects.aggregate(
            pending=Count("id", filter=Q(state="pending")),
            dead=Count("id", filter=Q(state="dead")),
            oldest=Min("occurred_at", filter=Q(state="pending")),
        )
        deliveries = Delivery.objects.aggregate(
            pending=Count("id", filter=Q(state="pending")),
            dead=Count("id", filter=Q(state="dead")),
        )
        lag = (timezone.now() - messages["oldest"]).total_seconds() if messages["oldest"] else 0.0
        yield GaugeMetricFamily(
            "serviceflow_outbox_pending", "Messages not yet published.", value=messages["pending"]
        )
        yield GaugeMetricFamily(
            "serviceflow_outbox_dead",
            "Messages that exhausted their attempts.",
            value=messages["dead"],
        )
        yield GaugeMetricFamily(
            "serviceflow_outbox_lag_seconds", "Age of the oldest pending message.", value=lag
        )
        yield GaugeMetricFamily(
            "serviceflow_webhook_deliveries_pending",
            "Webhook deliveries waiting.",
            value=deliveries["pending"],
        )
        yield GaugeMetricFamily(
            "serviceflow_webhook_deliveries_dead",
            "Webhook deliveries given up.",
            value=deliveries["dead"],
        )
