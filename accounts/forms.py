"""Sign-in forms with a second factor, shared by the admin and the browsable API.

A failed sign-in says one thing whatever failed (the password, the token, or a missing token),
and the page looks the same, so the form never tells an attacker that a password was right.
Failures are limited per address and per account (accounts/sign_in_limits.py).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sign_in_limits import (
    SignInDelayed,
    ensure_sign_in_allowed,
    record_sign_in_failure,
)

SIGN_IN_FAILED = _(
    "Please enter a correct %(username)s, password and authentication code. "
    "Note that the fields may be case-sensitive."
)
SIGN_IN_DELAYED = _("Too many failed sign-in attempts. Try again in %(seconds)d seconds.")


class OneMessageSignInMixin:
    """Limit attempts, and answer every failure with the same message and the same page."""

    retry_after: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        try:
            ensure_sign_in_allowed(self.request, username)
        except SignInDelayed as delayed:
            self.retry_after = delayed.seconds
            raise forms.ValidationError(
                SIGN_IN_DELAYED, code="sign_in_delayed", params={"seconds": delayed.seconds}
            ) from None
        try:
            return super().clean()
        except forms.ValidationError:
            record_sign_in_failure(self.request, username)
            self.user_cache = None
            raise forms.ValidationError(
                SIGN_IN_FAILED,
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            ) from None

    def _update_form(self, user):
        """Show no device list and echo no password: both would say the password was right."""

    def _chosen_device(self, user):
        """Use the device picked, else the one device that can take a token of this shape.

        With several devices django-otp asks the user to pick one, from a list shown only
        after a right password; choosing by the token's shape (digits for TOTP, else a backup
        code) needs no list, and still tries the token against one device only.
        """
        device = super()._chosen_device(user)
        if device is not None or self.cleaned_data.get("otp_device"):
            return device
        token = self.cleaned_data.get("otp_token") or ""
        devices = list(devices_for_user(user, for_verify=True))
        if len(devices) > 1:
            devices = [device for device in devices if _takes(device, token)]
        return devices[0] if len(devices) == 1 else None


def _takes(device, token: str) -> bool:
    looks_like_totp = token.isdigit() and len(token) == getattr(device, "digits", 6)
    return isinstance(device, TOTPDevice) == looks_like_totp


class OTPLoginForm(OneMessageSignInMixin, OTPAuthenticationForm):
    pass


class OTPAdminLoginForm(OneMessageSignInMixin, OTPAdminAuthenticationForm):
    pass
