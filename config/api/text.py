"""Text a client sends: every string has a length limit the schema shows, and names are one line.

The validators are Django's kind, so models (and through them the admin's forms) and
serializers share them.
"""

import unicodedata

from django.core.exceptions import ValidationError
from rest_framework import serializers

# Characters that reorder the text around them: in a name they can disguise what it says
# ("invoice\u202efdp.exe" shows as "invoiceexe.pdf").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS_AND_TABS = frozenset("\t\n\r")


def _first_control_character(value: str, allowed: frozenset[str]) -> str | None:
    return next(
        (char for char in value if unicodedata.category(char) == "Cc" and char not in allowed),
        None,
    )


def _refuse(char: str) -> None:
    raise ValidationError(
        f"Control characters (here U+{ord(char):04X}) are not allowed.", code="control_character"
    )


def validate_name(value: str) -> None:
    """Refuse control characters (line breaks, tabs, NUL, escapes) and bidi overrides in a name."""
    char = _first_control_character(value, frozenset()) or next(
        (char for char in value if char in BIDI_CONTROLS), None
    )
    if char is not None:
        _refuse(char)


def validate_text(value: str) -> None:
    """Refuse control characters other than line breaks and tabs in free text."""
    char = _first_control_character(value, LINE_BREAKS_AND_TABS)
    if char is not None:
        _refuse(char)


class NameField(serializers.CharField):
    """A one-line name or title, at most `max_length` characters."""

    def __init__(self, *, max_length: int, **kwargs) -> None:
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(validate_name)


class TextField(serializers.CharField):
    """Free text over several lines, at most `max_length` characters."""

    def __init__(self, *, max_length: int, **kwargs) -> None:
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(validate_text)
