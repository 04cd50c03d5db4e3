import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from config.api.filters import IsoDateTimeFilter
from helpdesk.models import Ticket
from helpdesk.selectors import search_tickets


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An integer id (django-filter's number filter would document a float)."""


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Ticket.Priority.choices)
    assignee = IdFilter(field_name="assignee_id", help_text="A user id.")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    requester_email = django_filters.CharFilter(
        field_name="requester__email", lookup_expr="iexact", max_length=254
    )
    # No DISTINCT: a ticket carries a tag name once, so the join adds no row, and a DISTINCT
    # would build every matching ticket's tag list before the page is cut.
    tag = django_filters.CharFilter(field_name="tags__name", max_length=50)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Text in the key, subject or description."
    )

    class Meta:
        model = Ticket
        fields = []

    def search(self, queryset, name, value):
        return search_tickets(queryset, value)


class TicketOrdering(OrderingFilter):
    ordering_fields = ["created_at", "updated_at", "number"]
    ordering_description = "created_at, updated_at or number; prefix with - for descending."
