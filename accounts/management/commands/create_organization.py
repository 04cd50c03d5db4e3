from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug

from accounts.models import Organization
from accounts.services import create_organization


class Command(BaseCommand):
    help = "Create an organization and make the given user (created if new) its admin."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)

    def handle(self, *args, slug: str, name: str, admin_email: str, **options):
        try:
            validate_slug(slug)
            validate_email(admin_email)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"Organization {slug!r} already exists.")
        organization = create_organization(slug=slug, name=name, admin_email=admin_email)
        self.stdout.write(f"Created organization {organization.slug} with admin {admin_email}.")
