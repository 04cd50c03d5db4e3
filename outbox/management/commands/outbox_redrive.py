from django.core.management.base import BaseCommand

from outbox.models import Delivery, OutboxMessage
from outbox.services.redrive import redrive_deliveries, redrive_messages


class Command(BaseCommand):
    help = "Put dead outbox messages and/or dead webhook deliveries back to pending."

    def add_arguments(self, parser):
        parser.add_argument("--messages", action="store_true", help="Redrive dead messages.")
        parser.add_argument("--deliveries", action="store_true", help="Redrive dead deliveries.")
        parser.add_argument("--event-type", help="Only messages of this event type.")

    def handle(self, *args, messages: bool, deliveries: bool, event_type: str | None, **options):
        if not (messages or deliveries):
            messages = deliveries = True
        if messages:
            queryset = OutboxMessage.objects.all()
            if event_type:
                queryset = queryset.filter(event_type=event_type)
            self.stdout.write(f"messages redriven: {redrive_messages(queryset)}")
        if deliveries:
            queryset = Delivery.objects.all()
            if event_type:
                queryset = queryset.filter(message__event_type=event_type)
            self.stdout.write(f"deliveries redriven: {redrive_deliveries(queryset)}")
