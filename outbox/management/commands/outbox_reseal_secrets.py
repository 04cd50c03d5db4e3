from django.core.management.base import BaseCommand

from outbox.services.webhooks import reseal_signing_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt webhook signing secrets with the newest of SERVICEFLOW_ENCRYPTION_KEYS; "
        "run after adding a key, before removing the old one."
    )

    def handle(self, *args, **options):
        count = reseal_signing_secrets()
        self.stdout.write(f"Resealed {count} webhook signing secret(s) with the newest key.")
