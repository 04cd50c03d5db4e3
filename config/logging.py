"""JSON log lines carrying the request id, trace and organization of the current request."""

import json
import logging
from datetime import UTC, datetime

from config.request_context import current_trace_ids, organization_var, request_id_var

_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_CONTEXT_FIELDS = ("request_id", "trace_id", "span_id", "org")


class RequestContextFilter(logging.Filter):
    """Stamp each record with the request id, trace ids and organization in effect."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.trace_id, record.span_id = current_trace_ids()
        record.org = organization_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _CONTEXT_FIELDS:
            line[field] = getattr(record, field, None)
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
