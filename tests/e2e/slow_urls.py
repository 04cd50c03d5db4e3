"""The project's URLs plus one that takes as long as asked, to have a request in flight."""

import os
import time
from pathlib import Path

from django.http import JsonResponse
from django.urls import include, path


def slow(request, milliseconds: int) -> JsonResponse:
    """Sleep, after marking SLOW_STARTED_FILE so the test knows the request is in flight."""
    Path(os.environ["SLOW_STARTED_FILE"]).touch()
    time.sleep(milliseconds / 1000)
    return JsonResponse({"slept_ms": milliseconds})


urlpatterns = [
    path("test/slow/<int:milliseconds>", slow),
    path("", include("config.urls")),
]
