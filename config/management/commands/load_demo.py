from django.core.management.base import BaseCommand

from accounts.demo import DEMO_ORGANIZATION, load_demo_accounts
from accounts.models import Organization
from helpdesk.demo import load_demo_tickets


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url: str, **options):
        credentials = load_demo_accounts()
        load_demo_tickets(Organization.objects.get(slug=DEMO_ORGANIZATION))
        lines = [
            "",
            "ServiceFlow demo is ready.",
            f"  Browsable API  {base_url}/api/v1/   (sign in at {base_url}/api/auth/login/)",
            f"  Swagger UI     {base_url}/api/docs/",
            f"  Admin          {base_url}/admin/",
            f"  Sign in as     {credentials.admin_email} / {credentials.password}",
            f"  OTP token      {credentials.backup_token}   (one-time backup token)",
            f"  Demo API key   {credentials.api_key}",
            f"  Try            curl -H 'Authorization: Bearer {credentials.api_key}' "
            f"{base_url}/api/v1/me",
            "",
        ]
        self.stdout.write("\n".join(lines))
