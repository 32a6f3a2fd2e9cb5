"""Structured logs: one JSON object a line on standard output, each with the id of the
request it belongs to (ifp.middleware.RequestIdMiddleware), so that a reader's report,
the proxy's log and the application's lines can be matched up."""

import contextvars
import json
import logging
from datetime import UTC, datetime

from articles.preview import redact

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
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                if not isinstance(value, int | float | bool):
                    value = redact(str(value))
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def _gunicorn_logger():
    try:
        from gunicorn.glogging import Logger
    except ImportError:  # gunicorn is only installed where it serves
        return object
    return Logger


class AccessLogger(_gunicorn_logger()):
    """gunicorn's logger (``logger_class`` in gunicorn.conf.py) with share-link tokens
    cut to their first characters in every part of an access log line: the request
    line, path, referer, headers and environment (articles.preview.redact)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
