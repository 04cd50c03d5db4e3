"""RFC 9457 problem details: the one place errors become responses."""

import json
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api import problem_types as types
from config.api.problem_types import ProblemType
from config.request_context import current_trace_ids

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApplicationError(Exception):
    """A domain error with its own problem type; subclasses set `problem_type`."""

    problem_type: ClassVar[ProblemType] = types.BAD_REQUEST

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class ServiceUnavailable(ApplicationError):
    problem_type = types.SERVICE_UNAVAILABLE


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE


def problem_type_url(request: HttpRequest | None, slug: str) -> str:
    path = f"/problems/{slug}"
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + path
    try:
        return request.build_absolute_uri(path) if request is not None else path
    except DisallowedHost:
        return path


def build_problem(
    request: HttpRequest | None,
    problem_type: ProblemType,
    detail: str,
    *,
    status: int | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """Return the problem body for a request; `status` overrides the type's own."""
    status = status or problem_type.status
    title = problem_type.title if status == problem_type.status else types.status_phrase(status)
    body = {
        "type": problem_type_url(request, problem_type.slug),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.get_full_path() if request is not None else None,
    }
    body.update(extensions)
    body["trace_id"] = current_trace_ids()[0]
    return body


class ProblemResponse(HttpResponse):
    """A problem outside DRF's rendering (middleware, plain Django views)."""

    def __init__(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(
            json.dumps(body),
            status=body["status"],
            content_type=PROBLEM_CONTENT_TYPE,
            headers=headers,
        )


_DRF_TYPES: list[tuple[type[Exception], ProblemType]] = [
    (drf.ParseError, types.MALFORMED_REQUEST),
    (drf.NotAuthenticated, types.NOT_AUTHENTICATED),
    (drf.AuthenticationFailed, types.AUTHENTICATION_FAILED),
    (drf.PermissionDenied, types.PERMISSION_DENIED),
    (drf.NotFound, types.NOT_FOUND),
    (drf.MethodNotAllowed, types.METHOD_NOT_ALLOWED),
    (drf.NotAcceptable, types.NOT_ACCEPTABLE),
    (drf.UnsupportedMediaType, types.UNSUPPORTED_MEDIA_TYPE),
    (drf.Throttled, types.RATE_LIMITED),
]


def validation_errors(detail: Any, pointer: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error details into `{pointer, detail, code}` (RFC 6901 pointers)."""
    if isinstance(detail, dict):
        return [
            error
            for field, nested in detail.items()
            for error in validation_errors(
                nested,
                pointer
                if field in ("non_field_errors", "__all__")
                else f"{pointer}/{str(field).replace('~', '~0').replace('/', '~1')}",
            )
        ]
    if isinstance(detail, list):
        if all(isinstance(item, drf.ErrorDetail) for item in detail):
            # A Django form error raised without a code reaches DRF with code None.
            return [
                {"pointer": pointer, "detail": str(item), "code": item.code or "invalid"}
                for item in detail
            ]
        return [
            error
            for index, item in enumerate(detail)
            for error in validation_errors(item, f"{pointer}/{index}")
        ]
    return [
        {
            "pointer": pointer,
            "detail": str(detail),
            "code": getattr(detail, "code", None) or "invalid",
        }
    ]


def _validation_problem(request, exc: drf.ValidationError) -> dict[str, Any]:
    errors = validation_errors(exc.detail)
    fields = sorted({error["pointer"] or "(body)" for error in errors})
    detail = (
        errors[0]["detail"] if len(errors) == 1 else f"{len(errors)} errors in: {', '.join(fields)}"
    )
    return build_problem(request, types.VALIDATION_ERROR, detail, errors=errors)


# PostgreSQL's deadlock_detected, serialization_failure and lock_not_available (a lock waited for
# longer than the transaction's lock_timeout, which an Idempotency-Key claim sets): the
# transaction lost a race and was rolled back whole, so the same request may simply be sent again.
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def problem_for_exception(request, exc: Exception) -> tuple[dict[str, Any], dict[str, str]] | None:
    """Return (body, headers) for a known exception, or None for an unexpected one."""
    if isinstance(exc, DatabaseError) and getattr(exc.__cause__, "sqlstate", None) in (
        RETRYABLE_SQLSTATES
    ):
        detail = "This request met a concurrent one and was rolled back; nothing was changed."
        return build_problem(request, types.TRANSACTION_CONFLICT, detail), {"Retry-After": "1"}
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied(str(exc) or None)  # our refusals say which rule
    if isinstance(exc, ApplicationError):
        return build_problem(request, exc.problem_type, exc.detail, **exc.extensions), {}
    if isinstance(exc, drf.ValidationError):
        return _validation_problem(request, exc), {}
    if not isinstance(exc, drf.APIException):
        return None
    headers = {}
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    problem_type = next(
        (ptype for cls, ptype in _DRF_TYPES if isinstance(exc, cls)),
        types.problem_type_for_status(exc.status_code),
    )
    return build_problem(request, problem_type, str(exc.detail), status=exc.status_code), headers


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: render every known error as a problem."""
    request = context["request"]
    problem = problem_for_exception(request, exc)
    if problem is None:
        return None
    body, headers = problem
    # APIView.handle_exception has put the authenticator's challenge on the exception.
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    # A browser asking for HTML sees the problem inside the browsable API; clients get JSON.
    if getattr(getattr(request, "accepted_renderer", None), "format", None) != "api":
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE
    return Response(body, status=body["status"], headers=headers)
