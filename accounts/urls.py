"""Session pages: browsable-API sign-in and out (namespace `rest_framework`)."""

from django.urls import path

from accounts.views import ApiLoginView, ApiLogoutView

app_name = "rest_framework"

urlpatterns = [
    path("login/", ApiLoginView.as_view(), name="login"),
    path("logout/", ApiLogoutView.as_view(), name="logout"),
]
