"""Structured logs: one JSON object a line on stderr (docs/deployment.md, "Logs").

Settings, the web processes (gunicorn's own messages through `civicpact/gunicorn_conf.py`) and the task worker
all log through `JsonFormatter` when `CIVICPACT_LOG_FORMAT` is `json` (the default in production). A record
carries `time`, `level`, `logger` and `message`, the request's fields when it was logged while serving one
(`request_id` from `RequestContextFilter`; the request log line adds `method`, `path`, `status`, `duration_ms`
and `user_id`), and `exception` with the traceback for errors. Nothing else of a record is written: Django
attaches the request object to its error records, and it holds cookies and headers, so it never reaches a log.
"""

from __future__ import annotations

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The fields a record may add to the four every line has, in the order they are written.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")

request_id_var: ContextVar[str] = ContextVar("civicpact_request_id", default="")


def log_format() -> str:
    """CIVICPACT_LOG_FORMAT, checked: `json` by default in production, `text` elsewhere."""
    production = os.environ.get("CIVICPACT_ENV", "development") == "production"
    value = os.environ.get("CIVICPACT_LOG_FORMAT", "") or ("json" if production else "text")
    if value not in LOG_FORMATS:
        raise ValueError(f"CIVICPACT_LOG_FORMAT must be json or text, not {value!r}")
    return value


def log_level() -> str:
    """CIVICPACT_LOG_LEVEL, checked (default WARNING)."""
    value = (os.environ.get("CIVICPACT_LOG_LEVEL", "") or "WARNING").upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"CIVICPACT_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}")
    return value


REQUEST_ID_KEY = "civicpact.request_id"  # where the request log middleware keeps the id in request.META


class RequestContextFilter(logging.Filter):
    """Give every record logged while a request is served that request's id. Django logs a response's error
    after the middleware has returned, with the request attached: the id is read from it then."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            meta = getattr(getattr(record, "request", None), "META", None)
            from_request = meta.get(REQUEST_ID_KEY, "") if isinstance(meta, dict) else ""
            record.request_id = from_request or request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value not in (None, ""):
                entry[name] = value
        status = getattr(record, "status_code", None)  # Django's django.request records
        if status is not None and "status" not in entry:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, fmt: str, level: str, requests: bool) -> dict[str, Any]:
    """The LOGGING setting: everything to stderr in `fmt`; the request log at INFO when `requests`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "civicpact.logs.RequestContextFilter"}},
        "formatters": {
            "json": {"()": "civicpact.logs.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": fmt,
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "civicpact.request": {"level": "INFO" if requests else "WARNING"},
        },
    }


def gunicorn_logconfig() -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its master and worker messages in the same format, on stderr. In JSON its
    access log is off: the request log replaces it (with the request id, and without the client's address and
    browser, which are personal data)."""
    fmt = log_format()
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": fmt}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "civicpact.logs.JsonFormatter"}, "text": {"format": TEXT_FORMAT}},
        "handlers": {"console": handler, "error_console": handler},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {
                "level": "WARNING" if fmt == "json" else "INFO",
                "handlers": ["console"],
                "propagate": False,
            },
        },
    }
