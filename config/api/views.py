from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from config.api.problem_types import PROBLEM_TYPES
from config.api.problems import problem_type_url


def problem_type_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Explain one problem type to the human who followed its `type` URI."""
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise Http404("No such problem type")
    context = {"problem": problem, "type_url": problem_type_url(request, slug)}
    return render(request, "problems/problem_type.html", context)


def problem_type_index(request: HttpRequest) -> HttpResponse:
    problems = sorted(PROBLEM_TYPES.values(), key=lambda problem: (problem.status, problem.slug))
    return render(request, "problems/index.html", {"problems": problems})


class ApiRootView(APIView):
    """Entry point of the browsable API: links to every collection."""

    @extend_schema(exclude=True)
    def get(self, request, format=None) -> Response:
        links = {
            name: reverse(name, request=request) for name in ("me", "member-list", "api-key-list")
        }
        return Response(links)
