"""Structured logs: one JSON object a line on standard output, each with the id of the
request it belongs to (ifp.middleware.RequestIdMiddleware), so that a reader's report,
the proxy's log and the application's lines can be matched up."""

import contextvars
import json
import logging
from datetime import UTC, datetime

request_id = contextvars.ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def forget_request_id(**kwargs):
    """Connected to ``request_finished``: lines logged between requests carry no id."""
    request_id.set("-")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class NoTraceback(logging.Filter):
    """For expected refusals (a bot's bad Host header): one line, not a traceback."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id.get()),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
