"""A Slack-compatible Web API on loopback that records every call.

The console points the app's ``WebClient`` at it (``SLACK_API_URL``), and so do the tests. It answers
the methods salesbot uses with plausible payloads, keeps a user directory (for ``users.info`` and
``users.lookupByEmail``), collects posts to ``response_url``s, and can be told to fail a method
(rate limits, server errors, permanent errors) a given number of times.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    times: int = 1


@dataclass
class FakeUser:
    id: str
    name: str
    tz: str = "UTC"
    email: str | None = None


@dataclass
class FakeSlackState:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, FakeUser] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeSlack:
    """Start with ``FakeSlack().start()``; ``api_url`` goes into ``SLACK_API_URL``."""

    def __init__(self, users: list[FakeUser] | None = None) -> None:
        self.state = FakeSlackState()
        for user in users or []:
            self.add_user(user)
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.team_id = "T_LOCAL"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                ctype = self.headers.get("Content-Type", "")
                params: dict[str, Any]
                if "json" in ctype and raw:
                    params = json.loads(raw)
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                    for key in ("blocks", "view", "attachments"):
                        if isinstance(params.get(key), str):
                            with contextlib.suppress(ValueError):
                                params[key] = json.loads(params[key])
                path = urlparse(self.path).path
                status, headers, body = fake._handle(path, params)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server, "FakeSlack not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.base_url}/response/{key}"

    # -- directory and failures --------------------------------------------------------------
    def add_user(self, user: FakeUser) -> None:
        self.state.users[user.id] = user

    def fail(
        self, method: str, error: str, *, status: int = 200, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls to ``method`` fail (``status`` 429 with ``retry_after`` for rate limits)."""
        with self.state.lock:
            self.state.failures.setdefault(method, []).append(Failure(error, status, retry_after, times))

    # -- what was called ---------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        with self.state.lock:
            return [c for c in self.state.calls if method is None or c.method == method]

    def params(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls(method)]

    def responses(self) -> list[dict[str, Any]]:
        """Everything posted to a ``response_url``, oldest first."""
        return self.params("response_url")

    def clear(self) -> None:
        with self.state.lock:
            self.state.calls.clear()

    # -- the API -----------------------------------------------------------------------------
    def _handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path.startswith("/response/"):
            with self.state.lock:
                self.state.calls.append(Call("response_url", params))
            return 200, {}, {"ok": True}
        method = path.removeprefix("/api/")
        with self.state.lock:
            queue = self.state.failures.get(method)
            failure = None
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
            self.state.calls.append(Call(method, params))
        if failure:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return failure.status, headers, {"ok": False, "error": failure.error}
        return 200, {}, self._answer(method, params)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {
                **ok,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": self.team_id,
                "team": "Local",
                "url": "https://local.slack.test/",
            }
        if method == "users.info":
            user = self.state.users.get(params.get("user", ""))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {**ok, "user": _user_json(user)}
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            for user in self.state.users.values():
                if user.email and user.email.lower() == email:
                    return {**ok, "user": _user_json(user)}
            return {"ok": False, "error": "users_not_found"}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = str(params.get("channel", ""))
            if channel.startswith("U"):
                if channel not in self.state.users:
                    return {"ok": False, "error": "channel_not_found"}
                channel = "D" + channel[1:]
            ts = params.get("ts") or f"{1_700_000_000 + next(self._ts)}.000100"
            if method == "chat.postEphemeral":
                return {**ok, "message_ts": ts}
            return {**ok, "channel": channel, "ts": ts, "message": {"text": params.get("text"), "ts": ts}}
        if method == "chat.getPermalink":
            ts = str(params.get("message_ts", "")).replace(".", "")
            return {
                **ok,
                "channel": params.get("channel"),
                "permalink": f"https://local.slack.test/archives/{params.get('channel')}/p{ts}",
            }
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {**ok, "channel": {"id": "D" + users.split(",")[0][1:]}}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = params.get("view")
            if isinstance(view, str):
                view = json.loads(view)
            return {**ok, "view": {**(view or {}), "id": f"V{next(self._ts)}"}}
        return ok


def _user_json(user: FakeUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.name.title(),
        "tz": user.tz,
        "profile": {"display_name": user.name, "email": user.email, "real_name": user.name.title()},
    }
