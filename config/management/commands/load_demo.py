from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url: str, **options):
        # Named in settings: the project's wiring knows the apps; config's code does not.
        credentials = import_string(settings.DEMO_ACCOUNTS_LOADER)()
        organization = apps.get_model("accounts", "Organization").objects.get(
            slug=credentials.organization_slug
        )
        for loader in settings.DEMO_LOADERS:
            import_string(loader)(organization)
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
