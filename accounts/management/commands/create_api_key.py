from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from accounts.services import create_api_key
from config.roles import Role


class Command(BaseCommand):
    help = "Issue an API key for an organization and print it (alone) on stdout. It is shown once."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The organization's slug.")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument("--role", default=Role.AGENT, choices=Role.values)

    def handle(self, *args, slug: str, name: str, role: str, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization {slug!r}.")
        issued = create_api_key(
            organization_id=organization.pk, name=name, role=role, actor="manage.py create_api_key"
        )
        self.stdout.write(issued.plaintext)
