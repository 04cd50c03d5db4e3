"""Session pages: sign-in and out for the browsable API, and choosing a password.

The namespace is `rest_framework`, where the browsable API looks for its login page.
"""

from django.contrib.auth.views import PasswordResetConfirmView
from django.urls import path, reverse_lazy
from django.views.generic import TemplateView

from accounts.views import ApiLoginView, ApiLogoutView

app_name = "rest_framework"

urlpatterns = [
    path("login/", ApiLoginView.as_view(), name="login"),
    path("logout/", ApiLogoutView.as_view(), name="logout"),
    # The link e-mailed to a new member (accounts.notifications.set_password_url); it works once.
    path(
        "set-password/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(
            template_name="accounts/set_password.html",
            success_url=reverse_lazy("rest_framework:password-set"),
        ),
        name="set-password",
    ),
    path(
        "set-password/done/",
        TemplateView.as_view(template_name="accounts/password_set.html"),
        name="password-set",
    ),
]
