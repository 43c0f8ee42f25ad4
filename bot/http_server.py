"""HTTP mode: Slack's requests on ``POST /slack/events``, a health check and, in OAuth mode, the install
pages (``GET /slack/install``, ``GET /slack/oauth_redirect``, answered by Bolt), served by waitress.

Before Bolt sees a request, ``check_slack_request`` refuses what is not a well-formed, signed, fresh
Slack request with a 4xx (and a log line), without touching the database: a body over 1 MB (refused
from its ``Content-Length``, before it is read), a missing or non-numeric timestamp, a timestamp more
than five minutes away, a bad signature, bytes that are not UTF-8, a ``payload`` that is not a JSON
object, or a request without the fields its kind always has.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from waitress import wasyncore
from waitress.server import create_server

from bot.health import Heartbeat
from bot.oplog import request_log

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's own payloads stay far below this
MAX_AGE_SECONDS = 5 * 60  # Slack's rule: a request signed longer ago than this is a replay

# waitress: Slack sends a whole request at once, so a connection that sends part of one and then
# nothing is closed after ``channel_timeout`` seconds (checked every ``cleanup_interval``), and many
# such connections never use up the ``connection_limit`` that would stop waitress accepting anyone.
SERVER_ADJUSTMENTS: dict[str, Any] = {
    "connection_limit": 1000,
    "channel_timeout": 15,
    "cleanup_interval": 5,
    "max_request_body_size": MAX_BODY_BYTES,
    "threads": 8,
}

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The fields each kind of request always has; without them it is malformed.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "command": ("command", "user_id", "team_id", "channel_id"),
    "block_actions": ("user", "actions"),
    "block_suggestion": ("user", "action_id"),
    "view_submission": ("user", "view"),
    "view_closed": ("user", "view"),
    "message_action": ("user", "callback_id", "message"),
    "shortcut": ("user", "callback_id"),
    "event_callback": ("event", "team_id"),
    "url_verification": ("challenge",),
}


@dataclass(frozen=True)
class Rejected(Exception):
    """A request refused before Bolt sees it: its HTTP status and a short reason (logged, and sent)."""

    status: int
    reason: str


def health(engine: Engine, heartbeat: Heartbeat | None = None) -> tuple[int, dict[str, str]]:
    """200 when the database answers ``SELECT 1`` and the scheduler (when this process runs one) passed
    within the last five minutes; 503 with the reason otherwise."""
    body: dict[str, str] = {"status": "ok", "database": "ok"}
    status = 200
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        log.warning("health check: database unavailable: %s", exc)
        body["database"] = f"unavailable: {type(exc).__name__}"
        status = 503
    if heartbeat is not None:
        healthy, state = heartbeat.state()
        body["scheduler"] = state
        if last := heartbeat.last_pass:
            body["scheduler_last_pass"] = last.isoformat().replace("+00:00", "Z")
        if not healthy:
            status = 503
    if status != 200:
        body["status"] = "error"
    return status, body


def check_slack_request(environ: dict[str, Any], signing_secret: str, *, now: float | None = None) -> bytes:
    """The body of a well-formed, signed, fresh Slack request (read from ``wsgi.input``), or ``Rejected``."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Rejected(400, "bad Content-Length") from None
    if length > MAX_BODY_BYTES:
        raise Rejected(413, f"body of {length} bytes is over {MAX_BODY_BYTES}")
    if length <= 0:
        raise Rejected(400, "empty body")
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if not timestamp.isascii() or not timestamp.isdigit():
        raise Rejected(400, "missing or non-numeric X-Slack-Request-Timestamp")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_SECONDS:
        raise Rejected(401, "stale timestamp")
    body = environ["wsgi.input"].read(length)
    if len(body) != length:
        raise Rejected(400, "body shorter than its Content-Length")
    expected = (
        "v0="
        + hmac.new(
            signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
        ).hexdigest()
    )
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Rejected(401, "bad signature")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    check_payload(decoded, str(environ.get("CONTENT_TYPE") or ""))
    return body


def check_payload(body: str, content_type: str) -> None:
    """``Rejected`` (400) unless ``body`` parses as the kind of request it claims to be, with its fields."""
    fields: dict[str, Any]
    if content_type.startswith("application/json"):
        fields = _json_object(body, "body")
    else:
        form = parse_qs(body, keep_blank_values=True)
        if "payload" in form:
            fields = _json_object(form["payload"][0], "payload")
        elif "ssl_check" in form:
            return
        else:
            fields = {key: values[0] for key, values in form.items()}
            if "command" not in fields:
                raise Rejected(400, "form without command or payload")
    kind = "command" if "command" in fields else str(fields.get("type") or "")
    if not kind:
        raise Rejected(400, "payload without a type")
    missing = [name for name in REQUIRED_FIELDS.get(kind, ()) if not fields.get(name)]
    if missing:
        raise Rejected(400, f"{kind} without {', '.join(missing)}")
    user = fields.get("user")
    if (
        kind != "command"
        and "user" in REQUIRED_FIELDS.get(kind, ())
        and not (isinstance(user, dict) and isinstance(user.get("id"), str))
    ):
        raise Rejected(400, f"{kind} without user.id")


def _json_object(raw: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise Rejected(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Rejected(400, f"{what} is not a JSON object")
    return value


def _answer(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        413: "Payload Too Large",
        503: "Service Unavailable",
    }
    payload = json.dumps(body).encode()
    start_response(
        f"{status} {reasons.get(status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def make_wsgi_app(
    app: App, engine: Engine, *, heartbeat: Heartbeat | None = None, signing_secret: str | None = None
) -> WSGIApp:
    """One WSGI callable: the health check here, Slack's requests checked then handed to Bolt (which
    answers 404 off its path)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = signing_secret if signing_secret is not None else _secret_of(app)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            status, body = health(engine, heartbeat)
            return _answer(start_response, status, body)
        if path == EVENTS_PATH and method == "POST":
            started = time.perf_counter()
            try:
                body = check_slack_request(environ, secret)
            except Rejected as refused:
                request_log.warning(
                    "request refused",
                    extra={
                        "fields": {
                            "status": refused.status,
                            "reason": refused.reason,
                            "remote": environ.get("REMOTE_ADDR"),
                            "ms": round((time.perf_counter() - started) * 1000, 1),
                        }
                    },
                )
                return _answer(start_response, refused.status, {"error": refused.reason})
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return slack(environ, start_response)

    return wsgi


def _secret_of(app: App) -> str:
    secret = getattr(app, "_signing_secret", None)
    if not isinstance(secret, str) or not secret:
        raise ValueError("HTTP mode needs the app's signing secret")
    return secret


def create_http_server(wsgi: WSGIApp, host: str, port: int, **adjustments: Any) -> Any:
    """A waitress server bound to ``host:port`` (``port`` 0 picks a free one: see ``effective_port``),
    with ``SERVER_ADJUSTMENTS`` unless overridden."""
    return create_server(
        wsgi, host=host, port=port, ident="salesbot", **{**SERVER_ADJUSTMENTS, **adjustments}
    )


def stop_http_server(server: Any) -> None:
    """Stop a server running in another thread: inside waitress's own loop, stop accepting, close every
    connection and the loop's wake-up pipe (``run`` returns once nothing is left), and stop the worker
    threads after the requests they are answering."""

    def close_everything() -> None:
        server.task_dispatcher.shutdown(timeout=10)
        wasyncore.close_all(server._map, ignore_all=True)

    server.trigger.pull_trigger(close_everything)


def serve_http(app: App, engine: Engine, host: str, port: int, *, heartbeat: Heartbeat | None = None) -> None:
    server = create_http_server(make_wsgi_app(app, engine, heartbeat=heartbeat), host, port)
    print(
        f"salesbot is listening on http://{host}:{server.effective_port}{EVENTS_PATH} "
        f"(health: {HEALTH_PATH}). Press Ctrl+C to stop.",
        flush=True,
    )
    if app.oauth_flow is not None:
        print(
            f"Install it in a workspace from http://{host}:{server.effective_port}"
            f"{app.oauth_flow.install_path} (served at your public HTTPS URL).",
            flush=True,
        )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:  # also on SIGTERM (bot/runner.py): no new connections, request threads stopped
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
