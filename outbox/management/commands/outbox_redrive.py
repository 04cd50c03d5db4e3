from django.core.management.base import BaseCommand

from outbox.models import Delivery, Notification, OutboxMessage
from outbox.services.redrive import redrive_deliveries, redrive_emails, redrive_messages


class Command(BaseCommand):
    help = (
        "Put dead outbox messages, webhook deliveries and/or notification e-mails back to pending "
        "(all three without options)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--messages", action="store_true", help="Redrive dead messages.")
        parser.add_argument("--deliveries", action="store_true", help="Redrive dead deliveries.")
        parser.add_argument("--emails", action="store_true", help="Redrive dead e-mails.")
        parser.add_argument("--event-type", help="Only those of this event type.")

    def handle(self, *args, messages, deliveries, emails, event_type, **options):
        if not (messages or deliveries or emails):
            messages = deliveries = emails = True
        only = {"event_type": event_type} if event_type else {}
        if messages:
            redriven = redrive_messages(OutboxMessage.objects.filter(**only))
            self.stdout.write(f"messages redriven: {redriven}")
        if deliveries:
            queryset = Delivery.objects.filter(**{f"message__{k}": v for k, v in only.items()})
            self.stdout.write(f"deliveries redriven: {redrive_deliveries(queryset)}")
        if emails:
            redriven = redrive_emails(Notification.objects.filter(**only))
            self.stdout.write(f"e-mails redriven: {redriven}")
