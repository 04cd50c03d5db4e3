"""Session sign-in for the browsable API, with the same OTP check as the admin."""

from django.contrib.auth.views import LoginView, LogoutView

from accounts.forms import OTPLoginForm


def refuse_if_delayed(response):
    """Answer `429` with `Retry-After` when the sign-in form was refused for being too soon."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    retry_after = getattr(form, "retry_after", None)
    if retry_after:
        response.status_code = 429
        response["Retry-After"] = str(retry_after)
    return response


class ApiLoginView(LoginView):
    authentication_form = OTPLoginForm
    template_name = "accounts/api_login.html"
    redirect_authenticated_user = False

    def form_invalid(self, form):
        return refuse_if_delayed(super().form_invalid(form))


class ApiLogoutView(LogoutView):
    next_page = "rest_framework:login"
