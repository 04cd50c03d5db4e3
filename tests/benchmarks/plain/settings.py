"""Plain Django + DRF on the project's models: no tracing, metrics, request log, auth, throttle."""

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS

# The project's own app config only installs OpenTelemetry; the models live in the domain apps.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "config.apps.ServiceFlowConfig"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "tests.benchmarks.plain.urls"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
