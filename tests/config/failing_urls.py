"""The project's URLs plus views that crash, to observe 500 handling end to end."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


def crashing_django_view(request):
    raise RuntimeError("simulated failure in a plain view")


class CrashingApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("simulated failure in a DRF view")


urlpatterns = [
    path("api/v1/crash-plain", crashing_django_view),
    path("api/v1/crash-drf", CrashingApiView.as_view()),
    *project_urlpatterns,
]
