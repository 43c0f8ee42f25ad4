"""HTTP mode: Slack's requests on ``POST /slack/events``, a health check and, in OAuth mode, the install
pages (``GET /slack/install``, ``GET /slack/oauth_redirect``, answered by Bolt), served by waitress."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from waitress.server import create_server

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def health(engine: Engine) -> tuple[int, dict[str, str]]:
    """200 when the database answers ``SELECT 1``, 503 (with the reason) when it does not."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        log.warning("health check: database unavailable: %s", exc)
        return 503, {"status": "error", "database": f"unavailable: {type(exc).__name__}"}
    return 200, {"status": "ok", "database": "ok"}


def make_wsgi_app(app: App, engine: Engine) -> WSGIApp:
    """One WSGI callable: the health check here, everything else to Bolt (which answers 404 off its path)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = health(engine)
            payload = json.dumps(body).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        return slack(environ, start_response)

    return wsgi


def create_http_server(wsgi: WSGIApp, host: str, port: int, **adjustments: Any) -> Any:
    """A waitress server bound to ``host:port`` (``port`` 0 picks a free one: see ``effective_port``)."""
    return create_server(wsgi, host=host, port=port, ident="salesbot", **adjustments)


def stop_http_server(server: Any) -> None:
    """Close the server from another thread: the close runs inside waitress's own loop."""
    server.trigger.pull_trigger(server.close)


def serve_http(app: App, engine: Engine, host: str, port: int) -> None:
    server = create_http_server(make_wsgi_app(app, engine), host, port)
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
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
