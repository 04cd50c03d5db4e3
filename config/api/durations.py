"""Durations on the wire: ISO 8601 (`P2D`, `PT4H30M`), as template files and APIs write them."""

import re

from django.utils.dateparse import parse_duration
from django.utils.duration import duration_iso_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Ten years: longer is a typing mistake, and sums of durations stay far from any overflow.
MAX_DURATION_DAYS = 3_650
# ISO 8601 PnDTnHnMnS with at least one component (weeks and years have no fixed length).
_NUMBER = r"\d{1,9}(?:[.,]\d{1,6})?"
ISO_DURATION = rf"^P(?!$)(?:{_NUMBER}D)?(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"


@extend_schema_field(
    {"type": "string", "format": "duration", "pattern": ISO_DURATION, "maxLength": 60}
)
class ISODurationField(serializers.Field):
    """A duration written in ISO 8601 (`P2D`, `PT4H30M`, `P1DT12H`), never negative."""

    default_error_messages = {
        "invalid": "Write the duration in ISO 8601, such as P2D, PT4H30M or P1DT12H.",
        "too_long": f"A duration is at most {MAX_DURATION_DAYS} days.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 60 or not re.match(ISO_DURATION, data):
            self.fail("invalid")
        try:
            duration = parse_duration(data)
        except (OverflowError, ValueError):
            duration = None
        if duration is None:
            self.fail("invalid")
        if duration.days >= MAX_DURATION_DAYS:
            self.fail("too_long")
        return duration

    def to_representation(self, value) -> str:
        return duration_iso_string(value)
