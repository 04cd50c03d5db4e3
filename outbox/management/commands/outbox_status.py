from django.core.management.base import BaseCommand
from django.db.models import Count, Min, Q
from django.utils import timezone

from outbox.models import Delivery, OutboxMessage
from outbox.publishers import configured_publishers


class Command(BaseCommand):
    help = "Show the outbox backlog: pending, oldest pending age, dead, per publisher."

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
        for publisher in configured_publishers():
            waiting = OutboxMessage.objects.exclude(
                completed_publishers__contains=[publisher.name]
            ).filter(state__in=["pending", "dead"])
            counts = waiting.aggregate(
                pending=Count("id", filter=Q(state="pending")),
                dead=Count("id", filter=Q(state="dead")),
            )
            self.stdout.write(
                f"publisher  {publisher.name:<10} pending={counts['pending']} dead={counts['dead']}"
            )
        deliveries = Delivery.objects.aggregate(
            pending=Count("id", filter=Q(state="pending")), dead=Count("id", filter=Q(state="dead"))
        )
        self.stdout.write(
            f"webhooks   deliveries pending={deliveries['pending']} dead={deliveries['dead']}"
        )
