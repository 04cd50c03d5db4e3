from functools import cache

from django.conf import settings
from rest_framework import pagination, serializers
from rest_framework.filters import OrderingFilter


class CursorPagination(pagination.CursorPagination):
    """Opaque-cursor pages in DRF's shape `{next, previous, results}`; `limit` is capped."""

    ordering = "-pk"
    page_size_query_param = "limit"

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        """Use `?ordering=` when the view offers it, else the view's `cursor_ordering`."""
        offers_ordering = any(issubclass(b, OrderingFilter) for b in view.filter_backends)
        if offers_ordering and request.query_params.get("ordering"):
            return super().get_ordering(request, queryset, view)
        ordering = getattr(view, "cursor_ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_page_size(self, request) -> int:
        self.page_size, self.max_page_size = settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)


@cache
def page_of(item_serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one cursor page of `item_serializer` items, for actions that paginate."""
    name = item_serializer.__name__.removesuffix("Out") + "Page"
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": f"A page of {item_serializer.__name__} items; follow `next` for more.",
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item_serializer(many=True),
        },
    )
