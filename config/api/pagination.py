from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Opaque-cursor pages in DRF's shape `{next, previous, results}`; `limit` is capped."""

    ordering = "-pk"
    page_size_query_param = "limit"

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        """Use the view's `cursor_ordering` (a unique column) when it declares one."""
        ordering = getattr(view, "cursor_ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    @property
    def page_size(self) -> int:
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE
