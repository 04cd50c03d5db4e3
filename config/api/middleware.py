"""Make errors that never reach DRF (unrouted URLs, crashes, CSRF) problems under /api/."""

import logging

from django.http import HttpRequest, HttpResponse

from config.api import problem_types as types
from config.api.problems import PROBLEM_CONTENT_TYPE, ProblemResponse, build_problem

logger = logging.getLogger("serviceflow.errors")

API_PREFIX = "/api/"

_DETAILS = {
    404: "There is no resource at this address.",
    405: "This resource does not support the method used.",
    403: "The request was refused.",
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiProblemMiddleware:
    """Turn Django's own error pages and uncaught exceptions under /api/ into problems."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        if getattr(getattr(response, "accepted_renderer", None), "format", None) == "api":
            return response  # the browsable API showing a problem to a human
        problem_type = types.problem_type_for_status(response.status_code)
        detail = _DETAILS.get(response.status_code, problem_type.title)
        body = build_problem(request, problem_type, detail, status=response.status_code)
        headers = {name: response[name] for name in ("Allow", "Retry-After") if name in response}
        return ProblemResponse(body, headers=headers)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_api_request(request):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        body = build_problem(
            request, types.SERVER_ERROR, "The server failed to handle the request."
        )
        return ProblemResponse(body)
