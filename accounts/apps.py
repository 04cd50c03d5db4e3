from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import (  # noqa: F401  (registration on import)
            notifications,  # who hears about account events
            schema,  # OpenAPI security schemes
        )


class OTPAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by a site that demands a verified OTP device."""

    default = False
    default_site = "accounts.admin_site.OTPRequiredAdminSite"
