"""Query filters with the conventions every list follows."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

# Ids are bigints: a larger number would reach the database as an error, not a 422.
MAX_ID = 2**63 - 1

# Query parameters that page, order or render a list: none of them is a filter.
NOT_FILTERS = frozenset({"limit", "cursor", "ordering", "format"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, passed over when a request names no filter at all.

    Building and validating the FilterSet's form took about 1.3 ms of an 8 ms ticket page, and
    with no filter asked for it filters nothing (no FilterSet here has defaults).
    """

    def filter_queryset(self, request, queryset, view):
        if set(request.query_params) <= NOT_FILTERS:
            return queryset
        return super().filter_queryset(request, queryset, view)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, compared in UTC: PostgreSQL refuses offsets past ±15:59."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:00-05:00 is after the last time there is
            raise ValidationError("This time is out of range.", code="overflow") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """A positive integer id (django-filter's number filter would take and document a float)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput  # NullBooleanSelect would read "maybe" as no value at all

    def to_python(self, value):
        if value in (None, ""):
            return None
        answer = super().to_python(value)
        if answer is None:
            raise ValidationError("Send true or false.", code="invalid")
        return answer


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true or false; anything else is a 422 (django-filter would ignore it and list all)."""

    field_class = StrictBooleanField
