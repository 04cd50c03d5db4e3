from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import Organization
from accounts.services import add_member_by_email
from config.api.problems import ApplicationError
from config.roles import Role


class Command(BaseCommand):
    help = (
        "Add a person (created without a password if new, and e-mailed a link to choose one) "
        "to an organization with a role."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The organization's slug.")
        parser.add_argument("email")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument("--name", default="", help="Full name, for a new account.")

    def handle(self, *args, slug: str, email: str, role: str, name: str, **options):
        # Checked here rather than with argparse choices, to name the roles that exist.
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization {slug!r}.")
        try:
            membership = add_member_by_email(
                organization_id=organization.pk,
                email=email,
                full_name=name,
                role=role,
                actor="manage.py add_member",
            )
        except ApplicationError as exc:  # already a member, or a deactivated account
            raise CommandError(exc.detail) from None
        self.stdout.write(
            f"Added {membership.user.email} to {organization.slug} as {membership.role}."
        )
