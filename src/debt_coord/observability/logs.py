"""Structured logs: with DEBT_COORD_LOG_FORMAT=json every log record is one JSON object on one line.

Each line carries `request_id` (the API request being served, also sent back as X-Request-ID) and
`trace_id`/`span_id` (the current OpenTelemetry span: the request's, or the job's in a worker), null
outside them. What a record says is what the code logs: the filters that keep IBANs, names, keys and
tokens out of the text logs (kernel.database, api.log_redaction) work on the record, before any format.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS

REQUEST_ID: ContextVar[str | None] = ContextVar("debt_coord_request_id", default=None)
QUIET_LIBRARIES = ("hypercorn.access", "hypercorn.error", "uvicorn", "uvicorn.error", "uvicorn.access", "celery",
                   "litestar")
"""Loggers that would otherwise write their own way: in JSON mode they go through the root's handler."""


class TraceContext(logging.Filter):
    """Adds request_id, trace_id and span_id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        context = trace.get_current_span().get_span_context()
        record.trace_id = trace.format_trace_id(context.trace_id) if context.is_valid else None
        record.span_id = trace.format_span_id(context.span_id) if context.is_valid else None
        return True


def json_logging(level: str = "INFO") -> dict[str, Any]:
    """The logging.config.dictConfig sections (formatters ... root) of JSON logging to stderr."""
    return {
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            # uvicorn repeats each message with terminal colours as `color_message`
            "reserved_attrs": [*RESERVED_ATTRS, "taskName", "color_message"],
        }},
        "filters": {"trace_context": {"()": "debt_coord.observability.logs.TraceContext"}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["trace_context"],
                              "stream": "ext://sys.stderr"}},
        "loggers": {name: {"handlers": [], "propagate": True} for name in QUIET_LIBRARIES},
        "root": {"handlers": ["json"], "level": level},
    }


def configure_json_logging(level: str = "INFO") -> None:
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False, **json_logging(level)})
    logging.captureWarnings(True)  # Python's warnings as log records too, not as free text on stderr
