"""Structured operations logs: one line per request (``salesbot.request``) and per delivery
(``salesbot.delivery``), as logfmt, with ids and timings.

A line's fields travel in ``extra={"fields": {...}}``; ``LogfmtFormatter`` writes every record as
``ts=… level=… logger=… msg=… key=value …``. Info lines carry ids, kinds, statuses and durations
only: never a token, a signature, or what someone typed or was sent (those stay at debug level).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

request_log = logging.getLogger("salesbot.request")
delivery_log = logging.getLogger("salesbot.delivery")


def logfmt_value(value: Any) -> str:
    text = "" if value is None else str(value)
    if text and all(c.isprintable() and c not in ' "=\\' for c in text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def logfmt(fields: dict[str, Any]) -> str:
    return " ".join(f"{key}={logfmt_value(value)}" for key, value in fields.items() if value is not None)


class LogfmtFormatter(logging.Formatter):
    """Every record as one logfmt line (an exception's traceback follows on the next lines)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        head = {
            "ts": stamp.replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        line = logfmt({**head, **(fields if isinstance(fields, dict) else {})})
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(*, verbose: bool = False, stream: TextIO | None = None) -> None:
    """Logs for a serving process: logfmt on stderr; the request and delivery lines at info, the rest
    at warning (everything at debug with ``verbose``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for logger in (request_log, delivery_log, logging.getLogger("salesbot.lifecycle")):
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
