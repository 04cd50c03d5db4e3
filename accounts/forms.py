"""Sign-in forms with a second factor, shared by the admin and the browsable API."""

from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationForm


class SoleDeviceMixin:
    """Use the user's only OTP device when none was picked, sparing a second round trip.

    With several devices the choice stays explicit, as django-otp requires, so a failed
    code is never counted against a device the user did not mean.
    """

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


class OTPLoginForm(SoleDeviceMixin, OTPAuthenticationForm):
    pass


class OTPAdminLoginForm(SoleDeviceMixin, OTPAdminAuthenticationForm):
    pass
