from django_otp.admin import OTPAdminSite

from accounts.forms import OTPAdminLoginForm
from accounts.views import refuse_if_delayed


class OTPRequiredAdminSite(OTPAdminSite):
    """Admin site for staff who passed a TOTP or static backup token."""

    name = "admin"
    login_form = OTPAdminLoginForm
    site_header = "ServiceFlow administration"
    site_title = "ServiceFlow admin"
    index_title = "Administration"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def login(self, request, extra_context=None):
        return refuse_if_delayed(super().login(request, extra_context))
