"""A size limit on every request body under /api/, enforced before anything reads it.

A body that declares its length is refused from `Content-Length` alone. A chunked body has no
length to check, so it is read here, up to the limit and no further, into a spooled file that
Django then parses as if its length had been declared (docs/adr/0018-input-limits.md).
"""

import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from config.api import problem_types as types
from config.api.middleware import is_api_request
from config.api.problems import ProblemResponse, build_problem

MULTIPART = "multipart/form-data"
_CHUNK_BYTES = 64 * 1024


def body_limit(request: HttpRequest) -> int:
    """The most bytes this request's body may have: uploads get more room than JSON."""
    if request.content_type == MULTIPART:
        return settings.API_MAX_UPLOAD_BYTES
    return settings.API_MAX_BODY_BYTES


def declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META["CONTENT_LENGTH"])
    except (KeyError, ValueError):  # Django, too, takes an unreadable length as none
        return None


def body_too_large(request: HttpRequest, limit: int) -> HttpResponse:
    detail = f"The body is larger than this request may send ({limit} bytes)."
    return ProblemResponse(build_problem(request, types.BODY_TOO_LARGE, detail, max_bytes=limit))


def copy_at_most(stream, body, limit: int) -> bool:
    """Copy `stream` into `body`; stop and return False as soon as it passes `limit` bytes."""
    copied = 0
    while chunk := stream.read(_CHUNK_BYTES):
        copied += len(chunk)
        if copied > limit:
            return False
        body.write(chunk)
    return True


class RequestBodyLimitMiddleware:
    """Refuse API request bodies over their limit (413) before they are read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_request(request):
            return self.get_response(request)
        limit = body_limit(request)
        length = declared_length(request)
        if length is not None:
            if length > limit:
                return body_too_large(request, limit)
            return self.get_response(request)
        if "HTTP_TRANSFER_ENCODING" not in request.META:
            return self.get_response(request)
        return self._with_chunked_body(request, limit)

    def _with_chunked_body(self, request: HttpRequest, limit: int) -> HttpResponse:
        # Only a server that decodes chunked framing itself says so (gunicorn does); from any
        # other, wsgi.input holds raw chunks, which Django would take for an empty body.
        if not request.META.get("wsgi.input_terminated"):
            detail = "Send the body with a Content-Length header."
            return ProblemResponse(build_problem(request, types.LENGTH_REQUIRED, detail))
        with tempfile.SpooledTemporaryFile(
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        ) as body:
            try:
                complete = copy_at_most(request.META["wsgi.input"], body, limit)
            except OSError:  # the server found the chunked framing broken
                detail = "The chunked body is malformed."
                return ProblemResponse(build_problem(request, types.MALFORMED_REQUEST, detail))
            if not complete:
                return body_too_large(request, limit)
            length = body.tell()
            body.seek(0)
            request.META["CONTENT_LENGTH"] = str(length)
            # Django reads a body only through this stream, and fixes it (to the empty body a
            # missing Content-Length means) before any middleware runs.
            request._stream = LimitedStream(body, length)
            return self.get_response(request)
