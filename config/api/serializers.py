"""A serializer base for the representations on hot paths."""

from datetime import datetime

from django.utils import timezone
from rest_framework import serializers


def iso_datetime(value: datetime | None) -> str | None:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current zone, UTC as `Z`."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# An output-only serializer whose fields are built and bound once per class. DRF rebuilds every
# declared field for each serializer instance (a deep copy re-running each field's __init__), a
# fifth of the cost of showing a ticket. A representation that reads no serializer context and
# never changes its fields per instance can share one set. (No docstring: drf-spectacular
# would publish it as the description of every subclass without one.)
class Representation(serializers.Serializer):
    @property
    def fields(self):
        cls = type(self)
        if "_shared_fields" not in cls.__dict__:
            template = cls()  # bound to a context-free instance, never to a request's
            cls._shared_fields = serializers.Serializer.fields.func(template)
        return cls._shared_fields
