from django_otp.admin import OTPAdminSite

from accounts.forms import OTPAdminLoginForm


class OTPRequiredAdminSite(OTPAdminSite):
    """Admin site for staff who passed a TOTP or static backup token."""

    name = "admin"
    login_form = OTPAdminLoginForm
    site_header = "ServiceFlow administration"
    site_title = "ServiceFlow admin"
    index_title = "Administration"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
