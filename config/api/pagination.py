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

    def get_page_size(self, request) -> int:
        self.page_size, self.max_page_size = settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)
