import json
import re

from django.conf import settings
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

# A JSON escape of a UTF-16 surrogate: the only way a body can carry one, since UTF-8 cannot.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """Validate input with an input serializer; invalid input raises (422 problem)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def has_lone_surrogate(value) -> bool:
    """Whether a parsed JSON value holds text no database or encoder can take."""
    # An explicit stack, not recursion: a body of a few hundred brackets must not exhaust the stack.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class StrictJSONParser(parsers.JSONParser):
    """JSON that the rest of the stack can hold: valid Unicode, not nested beyond reason."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            raise ParseError(f"JSON parse error - {exc}"[:300]) from None
        if _SURROGATE_ESCAPE.search(raw) and has_lone_surrogate(data):
            raise ParseError("The JSON holds a lone UTF-16 surrogate (\\ud800-\\udfff).")
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
