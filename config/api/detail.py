"""Reading one object: looked up in the caller's queryset alone, a 304 from its version alone.

DRF's `get_object` runs the list's filter backends first, so a detail built the list's FilterSet
form on every read and a `?status=…` left in a URL could hide the object; a detail is looked up
by its key in the organization's queryset and nothing else. A conditional GET whose ETag is
current costs one indexed query for the version, without the representation's joins; a view
whose permissions judge the object itself always loads it instead.
"""

from django.shortcuts import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import conditional_get, is_not_modified, not_modified


class DetailLookup:
    """A GenericViewSet mixin: `get_object` without the list's filters, `current_version`."""

    def _lookup(self) -> dict:
        field = self.lookup_url_kwarg or self.lookup_field
        return {self.lookup_field: self.kwargs[field]}

    def get_object(self):
        instance = get_object_or_404(self.get_queryset(), **self._lookup())
        self.check_object_permissions(self.request, instance)
        return instance

    def object_pk(self):
        """The object's pk, 404 when the caller cannot see it: an action needs no more before
        its use case locks the row (the representation's joins were a fifth of a task action)."""
        if self._judges_objects():
            return self.get_object().pk
        pks = self.get_queryset().filter(**self._lookup()).values_list("pk", flat=True)
        return get_object_or_404(pks)

    def current_version(self) -> int:
        """The object's version, read alone (404 when the caller cannot see the object)."""
        versions = self.get_queryset().filter(**self._lookup()).values_list("version", flat=True)
        return get_object_or_404(versions)

    def _judges_objects(self) -> bool:
        return any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def conditional_retrieve(self, request: Request, represent) -> Response:
        """304 from the version alone when If-None-Match is current, else `represent(object)`."""
        if request.headers.get("If-None-Match") and not self._judges_objects():
            version = self.current_version()
            if is_not_modified(request, version):
                return not_modified(version)
        instance = self.get_object()
        return conditional_get(request, instance.version, lambda: represent(instance))
