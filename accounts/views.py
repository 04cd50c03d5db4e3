"""Session sign-in for the browsable API, with the same OTP check as the admin."""

from django.contrib.auth.views import LoginView, LogoutView

from accounts.forms import OTPLoginForm


class ApiLoginView(LoginView):
    authentication_form = OTPLoginForm
    template_name = "accounts/api_login.html"
    redirect_authenticated_user = False


class ApiLogoutView(LogoutView):
    next_page = "rest_framework:login"
