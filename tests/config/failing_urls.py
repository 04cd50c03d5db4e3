"""The project's URLs plus views that crash, to observe 500 handling end to end."""

from django.db import connection, transaction
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


class LosingApiView(APIView):
    """Ends its transaction the way PostgreSQL ends the loser of a deadlock or a serialization."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request, sqlstate: str):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '{sqlstate}'; END $$"
            )


urlpatterns = [
    path("api/v1/lose-race/<str:sqlstate>", LosingApiView.as_view()),
    path("api/v1/crash-plain", crashing_django_view),
    path("api/v1/crash-drf", CrashingApiView.as_view()),
    *project_urlpatterns,
]
