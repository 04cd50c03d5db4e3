from collections import Counter

from django.core.management.base import BaseCommand
from django.db.models import Count, Min, Q
from django.utils import timezone

from outbox.models import Delivery, Notification, OutboxMessage
from outbox.publishers import configured_publishers


class Command(BaseCommand):
    help = (
        "Show the outbox backlog: pending, oldest pending age, dead, per publisher; "
        "webhook deliveries and notification e-mails."
    )

    def handle(self, *args, **options):
        totals = OutboxMessage.objects.aggregate(
            pending=Count("id", filter=Q(state="pending")),
            dead=Count("id", filter=Q(state="dead")),
            oldest=Min("occurred_at", filter=Q(state="pending")),
        )
        age = (timezone.now() - totals["oldest"]).total_seconds() if totals["oldest"] else 0
        self.stdout.write(
            f"messages   pending={totals['pending']} dead={totals['dead']} "
            f"oldest_pending_age={age:.1f}s"
        )
        waiting = self._waiting_per_publisher()
        for publisher in configured_publishers():
            pending, dead = waiting[(publisher.name, "pending")], waiting[(publisher.name, "dead")]
            self.stdout.write(f"publisher  {publisher.name:<10} pending={pending} dead={dead}")
        deliveries = Delivery.objects.aggregate(
            pending=Count("id", filter=Q(state="pending")), dead=Count("id", filter=Q(state="dead"))
        )
        self.stdout.write(
            f"webhooks   deliveries pending={deliveries['pending']} dead={deliveries['dead']}"
        )
        emails = Notification.objects.aggregate(
            pending=Count("id", filter=Q(email_state="pending")),
            dead=Count("id", filter=Q(email_state="dead")),
        )
        self.stdout.write(f"e-mails    pending={emails['pending']} dead={emails['dead']}")

    def _waiting_per_publisher(self) -> Counter:
        """Count unpublished messages each publisher has still to take, by state."""
        names = [publisher.name for publisher in configured_publishers()]
        waiting = Counter()
        unpublished = OutboxMessage.objects.exclude(state="published")
        for state, completed in unpublished.values_list("state", "completed_publishers").iterator():
            for name in names:
                if name not in completed:
                    waiting[(name, state)] += 1
        return waiting
