"""OpenAPI generation: every operation documents the problems it can return."""

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from config.api.problems import PROBLEM_CONTENT_TYPE


class Problem(serializers.Serializer):
    """An RFC 9457 problem."""

    type = serializers.URLField(help_text="URI of the problem type; it serves a human page.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The request path that failed.")
    trace_id = serializers.CharField(allow_null=True, help_text="Quote it when reporting errors.")


class StaleVersionProblem(Problem):
    """A 412 problem: the If-Match version is no longer current."""

    current_version = serializers.IntegerField(help_text="The version to read again and send.")


class ProblemFieldError(serializers.Serializer):
    pointer = serializers.CharField(help_text="JSON Pointer (RFC 6901) into the request body.")
    detail = serializers.CharField()
    code = serializers.CharField()


class ValidationProblem(Problem):
    """A 422 problem listing each invalid field."""

    errors = ProblemFieldError(many=True)


_HEADER_DOCS = {
    "401": {"WWW-Authenticate": "The scheme to authenticate with (`Bearer`)."},
    "429": {"Retry-After": "Seconds to wait before retrying."},
    "503": {"Retry-After": "Seconds to wait before sending the same request again."},
}

_DESCRIPTIONS = {
    "400": "The body could not be parsed, or a header or the page cursor is not valid.",
    "401": "No or invalid credentials.",
    "403": "Your role does not allow this.",
    "404": "No such object in your organization.",
    "406": "The Accept header names no media type this API produces.",
    "409": "A request with the same Idempotency-Key is still running; retry shortly.",
    "412": "If-Match names a version that is no longer current (`current_version`).",
    "428": "If-Match is required.",
    "411": "A chunked body reached a server that cannot measure it; send `Content-Length`.",
    "413": "The body, or a file in it, is larger than allowed (`max_bytes`).",
    "415": "The body is not `application/json`.",
    "422": "Some fields or query parameters are invalid; `errors` points at each.",
    "429": "Rate limit exceeded.",
    "500": "The server failed; quote the `trace_id`.",
    "503": "The request met a concurrent one and was rolled back (`transaction-conflict`); "
    "nothing changed, send it again.",
}

_INTEGER = {"type": "integer", "minimum": 0}
# Headers on every response, defined once under components/headers
# (add_common_response_headers) and referenced from each response. RateLimit-* follow
# draft-ietf-httpapi-ratelimit-headers; they are absent only where a request is refused before
# it is counted (no or bad credentials, a role that may not call the operation, an Accept or a
# body the API cannot take) or the cache could not count it.
COMMON_RESPONSE_HEADERS = {
    "X-Request-ID": {
        "schema": {"type": "string"},
        "description": "The request's id: yours from X-Request-ID when acceptable, else a new "
        "one. Quote it with the `trace_id` when reporting a problem.",
    },
    "RateLimit-Limit": {
        "schema": _INTEGER,
        "description": "Requests your API key (or user, or address when anonymous) may make in "
        "the current window.",
    },
    "RateLimit-Remaining": {
        "schema": _INTEGER,
        "description": "Requests left in the current window; at 0 the next one is a 429.",
    },
    "RateLimit-Reset": {
        "schema": _INTEGER,
        "description": "Seconds until the window ends and the budget is renewed.",
    },
}
EVERY_RESPONSE_HEADERS = {
    name: {"$ref": f"#/components/headers/{name}"} for name in COMMON_RESPONSE_HEADERS
}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A unique key (a UUID) per operation. Resending the same request with the same "
    "key replays the first response with `Idempotent-Replayed: true` instead of acting twice.",
)
PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor", str, description="The pagination cursor value (from `next` or `previous`)."
    ),
    OpenApiParameter("limit", int, description="Number of results to return per page."),
]
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag you read, such as `"3"`. Missing: 428; stale: 412.',
)

REQUEST_ID = OpenApiParameter(
    "X-Request-ID",
    str,
    OpenApiParameter.HEADER,
    description="Your id for this request (1 to 128 of `A-Z a-z 0-9 . _ : -`); echoed back and "
    "logged with the request. Another value is replaced by a new id.",
)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="An ETag you hold; if it is still current the answer is 304 with no body.",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified.")


RESPONSE_HEADER_DOCS = {
    "ETag": 'The version of the resource, such as `"3"`; send it back as If-Match.',
    "Location": "The URL of the created resource.",
    "Idempotent-Replayed": "`true` when this repeats the result of an earlier identical request.",
}


def add_common_response_headers(result, generator, request, public):
    """Postprocessing hook: define the headers every response refers to."""
    result.setdefault("components", {})["headers"] = COMMON_RESPONSE_HEADERS
    return result


def response_headers(by_status: dict[int, tuple[str, ...]]):
    """Document the headers a view method sets on its responses (`{201: ("ETag", "Location")}`)."""

    def mark(method):
        method.response_headers = by_status
        return method

    return mark


class ProblemAwareAutoSchema(AutoSchema):
    """AutoSchema that adds each problem an operation can return, with its body and headers."""

    def _view_method(self):
        name = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, name, None)

    def _is_idempotent(self) -> bool:
        return getattr(self._view_method(), "idempotent", False)

    def _success_serializer(self):
        """What the view declares for its 200 answer (a serializer, or an OpenApiResponse)."""
        responses = self.get_response_serializers()
        return responses.get(200) if isinstance(responses, dict) else responses

    def _answers_with_a_page(self) -> bool:
        """Whether an action (not a list view) answers with a `page_of(...)` serializer."""
        success = self._success_serializer()
        return getattr(success, "is_page", False) and not self._is_list_view()

    def get_operation_id(self) -> str:
        """drf-spectacular names a list that an action answers `*_retrieve`; call it `*_list`."""
        operation_id = super().get_operation_id()
        if self.method == "GET" and operation_id.endswith("_retrieve") and self._answers_a_list():
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _answers_a_list(self) -> bool:
        success = self._success_serializer()
        body = force_instance(getattr(success, "response", success))  # OpenApiResponse or not
        return getattr(body, "many", False) or "results" in getattr(body, "fields", {})

    def get_override_parameters(self):
        parameters = [*super().get_override_parameters(), REQUEST_ID, *self._id_parameters()]
        if self._is_idempotent():
            parameters = [*parameters, IDEMPOTENCY_KEY]
        if self._answers_with_a_page():
            parameters = [*parameters, *PAGE_PARAMETERS]
        return parameters

    def _id_parameters(self) -> list[OpenApiParameter]:
        """Path ids are integers (`<int:...>` routes) even where no queryset says so."""
        names = re.findall(r"{(id|\w+_id)}", self.path)
        return [OpenApiParameter(name, int, OpenApiParameter.PATH) for name in names]

    def _problem_codes(self) -> list[str]:
        codes = ["406", "429", "500"]
        if not any(permission is AllowAny for permission in self.view.permission_classes):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if any(parameter["in"] == "query" for parameter in self._get_parameters()):
            codes += ["400", "422"]  # a query parameter out of its domain; a forged cursor
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["411", "413"]  # the body limit holds whether or not a body is expected
            if self.get_request_serializer() is not None:
                codes += ["400", "415", "422"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("503")  # a deadlock or serialization failure: retry
        if self._is_idempotent():
            codes += ["400", "409", "422"]
        return sorted(set(codes))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._problem_codes():
            if code in responses:
                continue
            serializer = ValidationProblem if code == "422" else Problem
            response = self._get_response_for_code(
                serializer, code, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            response["description"] = _DESCRIPTIONS[code]
            if code in _HEADER_DOCS:
                response["headers"] = {
                    name: {"schema": {"type": "string"}, "description": text}
                    for name, text in _HEADER_DOCS[code].items()
                }
            responses[code] = response
        if "412" in responses:
            stale = self._get_response_for_code(
                StaleVersionProblem, "412", media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            responses["412"]["content"] = stale["content"]
            responses["412"]["description"] = _DESCRIPTIONS["412"]
        for code, response in responses.items():
            if code.startswith(("4", "5")) and "application/json" in response.get("content", {}):
                # A problem named in extend_schema(responses=...) is still a problem.
                response["content"] = {
                    PROBLEM_CONTENT_TYPE: response["content"]["application/json"]
                }
        documented = getattr(self._view_method(), "response_headers", {})
        for code, names in documented.items():
            if str(code) in responses:
                responses[str(code)].setdefault("headers", {}).update(
                    {
                        name: {
                            "schema": {"type": "string"},
                            "description": RESPONSE_HEADER_DOCS[name],
                        }
                        for name in names
                    }
                )
        for response in responses.values():
            response.setdefault("headers", {}).update(EVERY_RESPONSE_HEADERS)
        if self._is_idempotent():
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = {
                        "schema": {"type": "string", "enum": ["true"]},
                        "description": "Present when replaying an earlier response.",
                    }
        return responses
