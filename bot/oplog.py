"""Structured operations logs: one line per request (``salesbot.request``) and per delivery
(``salesbot.delivery``), as logfmt, with ids and timings.

A line's fields travel in ``extra={"fields": {...}}``; ``LogfmtFormatter`` writes every record as
``ts=… level=… logger=… msg=… key=value …``. Info lines carry ids, kinds, statuses and durations
only: never a token, a signature, or what someone typed or was sent (those stay at debug level).
"""

from __future__ import annotations

import logging
import sys
import time
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
    at warning (everything at debug with ``verbose``). Where logging is set up already (an embedding
    application, the tests), its handlers are kept and only the levels are set."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(LogfmtFormatter())
        root.addHandler(handler)
        root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for logger in (request_log, delivery_log, logging.getLogger("salesbot.lifecycle")):
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def quiet_for_console() -> None:
    """The local console prints replies where people read them: the serving lines (a request, a
    delivery) stay out of it unless ``--verbose`` asked for everything."""
    for logger in (request_log, delivery_log, logging.getLogger("salesbot.lifecycle")):
        if logger.level > logging.DEBUG:
            logger.setLevel(logging.WARNING)


def request_fields(body: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a request is, by ids only: kind, command / action / callback / event type, team, user,
    channel, trigger or event id, Slack's retry number. Never its text, values or tokens."""
    kind = "command" if isinstance(body.get("command"), str) else str(body.get("type") or "unknown")
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    actions = body.get("actions") if isinstance(body.get("actions"), list) else []
    name: Any = (
        body.get("command")
        or ",".join(str(a.get("action_id")) for a in actions if isinstance(a, dict))
        or body.get("action_id")
        or body.get("callback_id")
        or view.get("callback_id")
        or event.get("type")
    )
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    retry = (headers or {}).get("x-slack-retry-num")
    return {
        "kind": kind,
        "name": name,
        "team": body.get("team_id") or team.get("id"),
        "user": body.get("user_id") or user.get("id") or event.get("user"),
        "channel": body.get("channel_id") or channel.get("id") or event.get("channel"),
        "id": body.get("trigger_id") or body.get("event_id"),
        "retry": retry[0] if isinstance(retry, list) and retry else retry,
    }


def log_request(body: dict[str, Any], headers: dict[str, Any] | None, status: int, started: float) -> None:
    """The one info line of a request Bolt handled (``started``: ``time.perf_counter()`` at arrival)."""
    fields = request_fields(body, headers)
    fields["status"] = status
    fields["ms"] = round((time.perf_counter() - started) * 1000, 1)
    request_log.info("request", extra={"fields": fields})
