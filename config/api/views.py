from collections.abc import Iterator
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLResolver, get_resolver
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


def _is_collection(callback) -> bool:
    """Whether a URL's view answers GET with a collection or a standalone resource."""
    actions = getattr(callback, "actions", None)  # set on a viewset's view per route
    if actions is not None:
        return actions.get("get") == "list"
    view_class = getattr(callback, "view_class", None)
    return view_class is not None and view_class is not ApiRootView and hasattr(view_class, "get")


def _url_names(patterns, namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        elif entry.name and not entry.pattern.regex.groups and _is_collection(entry.callback):
            yield namespace + entry.name


class ApiRootView(APIView):
    """Entry point of the browsable API: links to every resource, read from the URL conf."""

    @extend_schema(exclude=True)
    def get(self, request, format=None) -> Response:
        links = {}
        for name in _url_names(get_resolver(getattr(request, "urlconf", None)).url_patterns):
            url = reverse(name, request=request)
            path = urlsplit(url).path
            if path.startswith(request.path):
                links[path.removeprefix(request.path)] = url
        return Response(dict(sorted(links.items())))
