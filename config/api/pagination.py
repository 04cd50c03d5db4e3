from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter

from config.api import problem_types as types
from config.api.problems import ApplicationError


class InvalidCursor(ApplicationError):
    problem_type = types.INVALID_CURSOR


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

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model  # the cursor's position is checked against its field
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request) -> pagination.Cursor | None:
        """Decode `?cursor=`; one this API did not hand out is a 400, not DRF's 404."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise InvalidCursor("The cursor cannot be decoded.") from None
        if cursor is None or cursor.position is None:
            return cursor
        return cursor._replace(position=self._checked_position(cursor.position))

    def _checked_position(self, position: str) -> str:
        """The cursor's position as the database can compare it (datetimes in UTC)."""
        name = self.ordering[0].lstrip("-")
        field = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
        try:
            value = field.to_python(position)
            if isinstance(value, datetime):
                value = value.astimezone(UTC)  # PostgreSQL refuses offsets past ±15:59
        except (DjangoValidationError, ValueError, OverflowError):
            raise InvalidCursor("The cursor names a position that cannot exist.") from None
        if value is None or "\x00" in str(value):
            raise InvalidCursor("The cursor names a position that cannot exist.")
        return str(value)

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
            "is_page": True,  # the schema documents `cursor` and `limit` for actions answering it
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item_serializer(many=True),
        },
    )
