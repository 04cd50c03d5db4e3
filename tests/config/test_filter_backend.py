"""Lists skip django-filter's form when no filter is asked for; that must change no answer."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.helpdesk.factories import TicketFactory


def api_views_with_filters() -> list[type]:
    found, patterns = set(), list(get_resolver().url_patterns)
    while patterns:
        pattern = patterns.pop()
        if isinstance(pattern, URLResolver):
            patterns.extend(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if getattr(view, "filterset_class", None):
                found.add(view)
    return sorted(found, key=lambda view: view.__qualname__)


def test_the_api_has_filtered_lists_to_check():
    assert len(api_views_with_filters()) >= 5


@pytest.mark.parametrize("view", api_views_with_filters(), ids=lambda view: view.__qualname__)
def test_no_filterset_narrows_a_list_when_no_filter_is_named(view, db):
    queryset = view.filterset_class._meta.model.objects.all()

    filtered = view.filterset_class(data={}, queryset=queryset).qs

    assert str(filtered.query) == str(queryset.query)


def test_a_list_answers_the_same_with_and_without_a_filter_that_narrows_nothing(
    admin_api, organization
):
    TicketFactory.create_batch(3, organization=organization)

    plain = admin_api.get("/api/v1/tickets?limit=2")
    filtered = admin_api.get("/api/v1/tickets?limit=2&q=")

    assert plain.status_code == filtered.status_code == 200
    assert plain.json()["results"] == filtered.json()["results"]
    assert len(plain.json()["results"]) == 2


def test_a_bad_filter_is_still_refused(admin_api):
    response = admin_api.get("/api/v1/tickets?limit=2&status=bogus")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
