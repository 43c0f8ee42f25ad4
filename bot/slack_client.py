"""Everything salesbot sends to Slack leaves through here, fitted to Block Kit's limits first.

- ``SlackClient``: the Web API client (``make_client``); ``chat.postMessage``, ``chat.update``,
  ``chat.postEphemeral``, ``chat.scheduleMessage`` and ``views.open/update/push/publish`` are fitted
  in ``api_call``, the one method every call goes through.
- ``ResponseUrl``: a ``response_url`` (the reply to a command or a button), fitted in ``send_dict``.
- ``FittedRespond``: Bolt's ``respond``, given to every listener by the middleware ``install`` adds.
- ``FittedAck``: Bolt's ``ack``, given to every listener by the same middleware: what is answered in
  the HTTP response itself (an external select's options, a form's refusals under its fields, a view
  that replaces or is pushed onto a modal, a command's immediate reply) is fitted too.

The limits and the fitting are ``bot/blocks/limits.py``. A message that had to be cut is logged
(which limits, not the text); one still over a limit after fitting is logged as an error.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from http.client import HTTPConnection, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.blocks.limits import (
    MAX_TEXT,
    Fitted,
    ack_problems,
    cut,
    fit_ack,
    fit_message,
    fit_view,
    message_problems,
    view_problems,
)

log = logging.getLogger(__name__)

MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"})
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


def fitted_message(payload: dict[str, Any], where: str) -> dict[str, Any]:
    report = Fitted()
    fitted = fit_message(_as_dicts(payload), report=report)
    # A message fitting left as it was is within every limit fitting checks: only a cut one is checked again.
    _report(where, report, message_problems(fitted) if report.changed else [])
    return fitted


def fitted_view(view: dict[str, Any], where: str) -> dict[str, Any]:
    report = Fitted()
    fitted = fit_view(_as_dicts(view), report=report)
    _report(where, report, view_problems(fitted))
    return fitted


def fitted_ack(body: dict[str, Any]) -> dict[str, Any]:
    report = Fitted()
    fitted = fit_ack(body, report=report)
    _report("ack", report, ack_problems(fitted))
    return fitted


def _report(where: str, report: Fitted, problems: list[str]) -> None:
    if report.changed:
        log.warning(
            "%s over Slack's limits was cut: %s; %d blocks left out", where, report.cuts[:5], report.dropped
        )
    if problems:
        log.error("%s still breaks Slack's limits: %s", where, problems[:5])


def _as_dicts(payload: dict[str, Any]) -> dict[str, Any]:
    """slack_sdk model objects (blocks, views) as plain dicts."""
    out = dict(payload)
    if isinstance(out.get("blocks"), Sequence) and not isinstance(out["blocks"], str):
        out["blocks"] = [b.to_dict() if hasattr(b, "to_dict") else b for b in out["blocks"]]
    return out


# A kept-alive connection idle longer than this is closed rather than reused: a server that closed it
# meanwhile would make the next post's outcome unknown.
KEEP_ALIVE_IDLE = 5.0


class SlackClient(WebClient):
    """The Web API client: messages and views are fitted to Slack's limits before they are sent.

    ``keep_alive=True`` (the dispatcher's sender, ``without_retries``) keeps one HTTP connection per
    thread open between calls instead of a new connection (and TLS handshake) for every call, as the
    SDK's urllib transport does; the SDK still builds the request and reads the answer. Not with a
    proxy (the SDK's transport then)."""

    def __init__(self, *args: Any, keep_alive: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep_alive = keep_alive
        self._held = threading.local()  # this thread's open connections: (scheme, host) → (conn, idle since)

    def api_call(  # type: ignore[override]
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> SlackResponse:
        if json is not None and api_method in MESSAGE_METHODS:
            json = fitted_message(json, api_method)
        elif json is not None and api_method in VIEW_METHODS and json.get("view") is not None:
            view = json["view"]
            view = view.to_dict() if hasattr(view, "to_dict") else view
            if isinstance(view, dict):
                json = {**json, "view": fitted_view(view, api_method)}
        return super().api_call(api_method, json=json, **kwargs)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if not self.keep_alive or self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        held: dict[tuple[str, str], tuple[HTTPConnection, float]] = self._held.__dict__.setdefault("open", {})
        key = (parts.scheme, parts.netloc)
        conn, idle_since = held.pop(key, (None, 0.0))
        if conn is not None and time.monotonic() - idle_since > KEEP_ALIVE_IDLE:
            conn.close()
            conn = None
        if conn is None:
            conn = (
                HTTPSConnection(parts.netloc, timeout=self.timeout, context=self.ssl)
                if parts.scheme == "https"
                else HTTPConnection(parts.netloc, timeout=self.timeout)
            )
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", path, body=req.data, headers=dict(req.header_items()))  # type: ignore[arg-type]
            response = conn.getresponse()
            body = response.read()
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            held[key] = (conn, time.monotonic())
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}


def without_retries(client: WebClient, *, timeout: float | None = None) -> SlackClient:
    """The same client with no automatic retries, at most ``timeout`` per call, and its connections
    kept alive (see ``reminders.dispatcher.sending_client``)."""
    return SlackClient(
        token=client.token,
        base_url=client.base_url,
        timeout=max(1, int(min(client.timeout, timeout))) if timeout else client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers or {}),
        logger=client.logger,
        retry_handlers=[],
        keep_alive=True,
    )


class ResponseUrl(WebhookClient):
    """A ``response_url`` (or incoming webhook): the message is fitted before it is posted."""

    def send_dict(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> WebhookResponse:
        return super().send_dict(fitted_message(body, "response_url"), headers=headers)


class FittedRespond(Respond):
    """Bolt's ``respond``, fitting what it sends."""

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> WebhookResponse:
        if isinstance(text, dict):
            message = fitted_message(text, "response_url")
            return super().__call__(message)
        message = fitted_message(
            {"text": text, **({"blocks": list(blocks)} if blocks is not None else {})}, "response_url"
        )
        return super().__call__(text=message["text"], blocks=message.get("blocks"), **kwargs)


class FittedAck(Ack):
    """Bolt's ``ack``: the answer it puts in the HTTP response is fitted before it is sent."""

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:  # type: ignore[override]
        response = super().__call__(*args, **kwargs)
        content_type = (response.headers.get("content-type") or [""])[0]
        if not response.body:
            return response
        if content_type.startswith("application/json"):
            body = json.loads(response.body)
            if isinstance(body, dict):
                self.response = BoltResponse(status=response.status, body=fitted_ack(body))
        elif len(response.body) > MAX_TEXT:  # a plain-text reply to a command
            log.warning("ack over Slack's limits was cut: text %d", len(response.body))
            self.response = BoltResponse(status=response.status, body=cut(response.body, MAX_TEXT))
        return self.response or response


def install(app: App) -> None:
    """Give every listener a ``respond`` and an ``ack`` that fit what they send (before any other
    middleware)."""

    @app.middleware
    def fit_replies(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        current = context.get("respond")
        if isinstance(current, Respond) and not isinstance(current, FittedRespond):
            context["respond"] = FittedRespond(
                response_url=current.response_url, proxy=current.proxy, ssl=current.ssl
            )
        acked = context.get("ack")
        if acked is None or (type(acked) is Ack and acked.response is None):
            context["ack"] = FittedAck()
        return next()
