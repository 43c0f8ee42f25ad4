"""A Slack-compatible Web API on loopback that records every call.

The console points the app's ``WebClient`` at it (``SLACK_API_URL``), and so do the tests. It answers
the methods salesbot uses with plausible payloads, keeps a user directory (for ``users.info`` and
``users.lookupByEmail``), collects posts to ``response_url``s, and can be told to fail a method
(rate limits, server errors, permanent errors) a given number of times.

Posted messages (with their metadata) are kept per conversation, so ``conversations.history`` and
``conversations.open`` answer like Slack does. A failure can also be injected *after* the call took
effect (the message is stored, then the response is an error or is lost), which is how a timeout
looks to a client. Give it a ``clock`` and message ``ts`` values follow that clock.

It refuses what real Slack refuses, so a bug of that kind fails a test (and shows in the console):
``chat.update``/``chat.delete`` of an ephemeral message or of a ``ts`` it never posted
(``message_not_found``), more than 50 blocks (100 in a view), a block or element over its limits
(texts, fields, labels, options, placeholders, initial values) or more than 13,000 characters of text in
a message's blocks (``invalid_blocks``), a view's title or metadata over its limits, a
``text`` over 40,000 characters (``msg_too_long``), a channel the workspace doesn't have
(``channel_not_found``). Refused calls are also kept in ``refusals``. A ``response_url`` knows
the message it belongs to: ``replace_original`` on a posted message edits it in the history.
What the app answers in the HTTP response itself (``answered``: an external select's options, a
form's refusals, a view, a command's reply) is checked the same way; a refusal's method is ``ack``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: dict[str, Any] = field(default_factory=dict)  # what the fake answered (a posted ts …)
    token: str | None = None  # the bearer token it came with: which workspace's bot made it
    response_key: str | None = None  # a post to a response_url: which one


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    times: int = 1
    after: bool = False  # the call takes effect first (message stored), then the error is returned
    drop: bool = False  # no response at all: the connection is closed (a lost response / timeout)


@dataclass
class FakeUser:
    id: str
    name: str
    tz: str = "UTC"
    email: str | None = None
    locale: str | None = None  # returned by users.info with include_locale


# Slack's limits (https://api.slack.com/reference/block-kit/blocks)
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_FIELDS = 10
MAX_MESSAGE_BLOCK_CHARS = 13_000  # text in one message's blocks (Slack: "msg_blocks_too_long")
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_OPTION_VALUE = 150
MAX_ERROR_TEXT = 2000  # a form's refusal under a field (held to a hint's length)
MAX_OVERFLOW_OPTIONS = 5
MAX_PLACEHOLDER = 150
MAX_LABEL = 2000
MAX_INITIAL_VALUE = 3000
MAX_CONTEXT_TEXT = 3000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
DEFAULT_CHANNELS = {
    "C_GENERAL": "general",
    "C0ACME": "acme-team",
    "C0SALES": "sales",
    "C0DEALS": "deals",
    "C0GLOBEX": "globex",
}


@dataclass
class Refusal:
    method: str
    error: str
    detail: str
    params: dict[str, Any]


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    content: bytes = b""
    title: str | None = None
    channel: str | None = None  # set when the upload is completed (shared in that conversation)
    initial_comment: str | None = None


@dataclass
class FakeWorkspace:
    """A workspace that can install the app through OAuth (``/oauth/v2/authorize``, ``oauth.v2.access``)."""

    team_id: str
    name: str
    enterprise_id: str | None = None
    org_wide: bool = False  # an Enterprise Grid org-wide install: the organisation installs, not a team
    installer: str = "U0ALICE"


@dataclass
class FakeSlackState:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, FakeUser] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # conversation → oldest first
    # files.getUploadURLExternal → the bytes posted to its upload URL → files.completeUploadExternal
    uploads: dict[str, UploadedFile] = field(default_factory=dict)  # file id → file
    channels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))  # id → name
    ephemeral_ts: set[str] = field(default_factory=set)
    response_targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (conversation, ts)
    refusals: list[Refusal] = field(default_factory=list)
    shared_channels: set[str] = field(default_factory=set)  # channels shared with another organisation
    usergroups: dict[str, list[str]] = field(default_factory=dict)  # user group id → member ids
    # OAuth: workspaces that may install, codes handed out by the consent page, tokens issued.
    workspaces: dict[str, FakeWorkspace] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code → team id
    tokens: dict[str, str] = field(default_factory=dict)  # bot token → team id
    revoked: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeSlack:
    """Start with ``FakeSlack().start()``; ``api_url`` goes into ``SLACK_API_URL``."""

    def __init__(self, users: list[FakeUser] | None = None, channels: dict[str, str] | None = None) -> None:
        self.state = FakeSlackState()
        self._called = threading.Condition()  # notified after every call (``wait_until``)
        if channels is not None:
            self.state.channels = dict(channels)
        for user in users or []:
            self.add_user(user)
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._wake: socket.socket | None = None
        self.team_id = "T_LOCAL"
        self.oauth_redirect_uri: str | None = None  # where the consent page sends people back
        self.deny_installs = False  # the person clicks "Cancel" on the consent page
        # When set, message ts values are this clock's time (so ``oldest`` filters behave like Slack's).
        self.clock: Callable[[], datetime] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # connections kept alive between calls, as Slack's are
            disable_nagle_algorithm = True  # headers and body are two writes: don't hold the body back

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/oauth/v2/authorize":  # the consent page: the person clicks "Allow"
                    self.send_response(302)
                    self.send_header("Location", fake._consent(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._answer(url.path, query)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                path = urlparse(self.path).path
                if path.startswith("/upload/"):  # the file's bytes, sent to a getUploadURLExternal URL
                    status = fake._receive_upload(path.removeprefix("/upload/"), self.rfile.read(length))
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = self.rfile.read(length).decode() if length else ""
                ctype = self.headers.get("Content-Type", "")
                params: dict[str, Any]
                if "json" in ctype and raw:
                    params = json.loads(raw)
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                    for key in ("blocks", "view", "attachments", "metadata", "files"):
                        if isinstance(params.get(key), str):
                            with contextlib.suppress(ValueError):
                                params[key] = json.loads(params[key])
                self._answer(urlparse(self.path).path, params)

            def _answer(self, path: str, params: dict[str, Any]) -> None:
                bearer = str(self.headers.get("Authorization") or "")
                token = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else None
                answer = fake._handle(path, params, token)
                with fake._called:  # wakes ``wait_until``
                    fake._called.notify_all()
                if answer is None:  # a lost response: close the connection without a word
                    self.close_connection = True
                    return
                status, headers, body = answer
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
        # A kept-alive connection's thread waits for its next request: closing must not wait for it.
        self._server.block_on_close = False
        server = self._server
        # stop() wakes the serving loop through this pair: it returns at once, with no polling.
        wake, self._wake = socket.socketpair()

        def serve() -> None:
            with selectors.DefaultSelector() as selector, wake:
                selector.register(server, selectors.EVENT_READ)
                selector.register(wake, selectors.EVENT_READ)
                while True:
                    ready = {key.fileobj for key, _ in selector.select()}
                    if wake in ready:
                        return
                    server._handle_request_noblock()  # what serve_forever does with a connection

        self._thread = threading.Thread(target=serve, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            assert self._thread is not None and self._wake is not None
            self._wake.send(b"x")
            self._thread.join()
            self._wake.close()
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

    def response_url(self, key: str = "1", *, channel: str | None = None, ts: str | None = None) -> str:
        """A ``response_url``; for a posted (not ephemeral) message, give its conversation and ``ts``."""
        if channel and ts:
            with self.state.lock:
                self.state.response_targets[key] = (self._conversation(channel) or channel, ts)
        return f"{self.base_url}/response/{key}"

    def new_ephemeral_ts(self) -> str:
        """A ``ts`` for an ephemeral message (a reply to a command): Slack won't let anyone edit it."""
        ts = self._next_ts()
        with self.state.lock:
            self.state.ephemeral_ts.add(ts)
        return ts

    # -- directory and failures --------------------------------------------------------------
    def add_user(self, user: FakeUser) -> None:
        self.state.users[user.id] = user

    def add_usergroup(self, group_id: str, members: list[str]) -> None:
        """A user group (``usergroups.users.list`` answers for it; any other id is ``no_such_subteam``)."""
        with self.state.lock:
            self.state.usergroups[group_id] = list(members)

    def add_channel(self, channel_id: str, name: str) -> None:
        self.state.channels[channel_id] = name

    # -- OAuth ---------------------------------------------------------------------------------
    def add_workspace(self, workspace: FakeWorkspace) -> FakeWorkspace:
        with self.state.lock:
            self.state.workspaces[workspace.team_id] = workspace
        return workspace

    def authorize_url(self) -> str:
        return self.base_url + "/oauth/v2/authorize"

    def revoke(self, token: str) -> None:
        """The token stops working (a revoked token or an uninstalled app: ``token_revoked``)."""
        with self.state.lock:
            self.state.revoked.add(token)

    def tokens_of(self, team_id: str) -> list[str]:
        with self.state.lock:
            return [t for t, team in self.state.tokens.items() if team == team_id]

    def calls_with(self, token: str) -> list[Call]:
        with self.state.lock:
            return [c for c in self.state.calls if c.token == token]

    def _consent(self, query: dict[str, str]) -> str:
        """Slack's consent page: whoever follows the link approves the install in the workspace named
        by ``team`` (default: the only one, else the local one); back to ``redirect_uri`` with a code."""
        redirect = query.get("redirect_uri") or self.oauth_redirect_uri or ""
        state = query.get("state", "")
        if self.deny_installs:
            return f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}"
        with self.state.lock:
            team = query.get("team") or (
                next(iter(self.state.workspaces)) if len(self.state.workspaces) == 1 else self.team_id
            )
            code = f"code-{team}-{next(self._ts)}"
            self.state.codes[code] = team
        return f"{redirect}?{urlencode({'code': code, 'state': state})}"

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            team_id = self.state.codes.pop(str(params.get("code", "")), None)  # a code works once
            if team_id is None:
                return {"ok": False, "error": "invalid_code"}
            workspace = self.state.workspaces.get(team_id) or FakeWorkspace(team_id, "Local")
            token = f"xoxb-{team_id}-{next(self._ts)}"
            self.state.tokens[token] = team_id
        team = None if workspace.org_wide else {"id": workspace.team_id, "name": workspace.name}
        enterprise = (
            {"id": workspace.enterprise_id, "name": f"{workspace.name} Org"}
            if workspace.enterprise_id
            else None
        )
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": str(params.get("scope") or "commands,chat:write"),
            "bot_user_id": "UBOT",
            "app_id": "A0SALESBOT",
            "team": team,
            "enterprise": enterprise,
            "is_enterprise_install": workspace.org_wide,
            "authed_user": {"id": workspace.installer},
        }

    def refusals(self, method: str | None = None) -> list[Refusal]:
        """Calls refused for breaking Slack's rules (not the failures injected with ``fail``)."""
        with self.state.lock:
            return [r for r in self.state.refusals if method is None or r.method == method]

    def take_refusals(self) -> list[Refusal]:
        """The refusals so far, forgotten (a test that expects Slack to refuse something)."""
        with self.state.lock:
            taken, self.state.refusals = self.state.refusals, []
        return taken

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        after: bool = False,
    ) -> None:
        """The next ``times`` calls to ``method`` fail (``status`` 429 with ``retry_after`` for rate limits).

        With ``after=True`` the call takes effect first (a message is posted) and then fails.
        """
        with self.state.lock:
            self.state.failures.setdefault(method, []).append(
                Failure(error, status, retry_after, times, after=after)
            )

    def lose_response(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` take effect, but the caller never gets the response."""
        with self.state.lock:
            self.state.failures.setdefault(method, []).append(
                Failure("lost", times=times, after=True, drop=True)
            )

    def share_channel(self, channel: str) -> None:
        """``conversations.info`` reports the channel as shared with another organisation."""
        self.state.shared_channels.add(channel)

    # -- conversations -----------------------------------------------------------------------
    def history(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a conversation (``D…`` for a DM, or a user id), oldest first, metadata included."""
        conversation = self._conversation(channel) or channel
        with self.state.lock:
            return [dict(m) for m in self.state.messages.get(conversation, [])]

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """One posted message as it is now (after any edits), with its ``channel``."""
        conversation = self._conversation(channel) or channel
        for m in self.history(conversation):
            if m["ts"] == ts:
                return {**m, "channel": conversation}
        raise KeyError(f"no message {ts} in {channel}")

    # -- what was called ---------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        with self.state.lock:
            return [c for c in self.state.calls if method is None or c.method == method]

    def params(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls(method)]

    def wait_until(self, condition: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Wait until ``condition()`` is true, checked after each call the fake answers (for an app
        running in another process or thread); its value, or an ``AssertionError`` on timeout."""
        with self._called:
            value = self._called.wait_for(condition, timeout)
        assert value, f"the fake Slack never saw what was awaited ({timeout:.0f} s)"
        return value

    def responses(self) -> list[dict[str, Any]]:
        """Everything posted to a ``response_url``, oldest first."""
        return self.params("response_url")

    def clear(self) -> None:
        with self.state.lock:
            self.state.calls.clear()

    # -- the API -----------------------------------------------------------------------------
    def _handle(
        self, path: str, params: dict[str, Any], token: str | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        """(status, headers, body) for a call, or ``None`` when the response is to be lost."""
        if path.startswith("/response/"):
            return self._respond(path.removeprefix("/response/"), params)
        method = path.removeprefix("/api/")
        with self.state.lock:
            queue = self.state.failures.get(method)
            failure = None
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
            call = Call(method, params, token=token)
            self.state.calls.append(call)
        if failure and failure.after:
            call.result = self._answer(method, params, token)
        if failure and failure.drop:
            return None
        if failure:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return failure.status, headers, {"ok": False, "error": failure.error}
        if token is not None and token in self.state.revoked:
            call.result = {"ok": False, "error": "token_revoked"}
        else:
            call.result = self._answer(method, params, token)
        return 200, {}, call.result

    def uploaded(self) -> list[UploadedFile]:
        """Files whose upload was completed (shared), oldest first."""
        with self.state.lock:
            return [f for f in self.state.uploads.values() if f.channel is not None]

    def _receive_upload(self, file_id: str, content: bytes) -> int:
        with self.state.lock:
            upload = self.state.uploads.get(file_id)
            if upload is None:
                return 404
            upload.content = content
            self.state.calls.append(Call("upload", {"file_id": file_id, "length": len(content)}))
            return 200

    def _files(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not str(params.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ts):08d}"
            with self.state.lock:
                self.state.uploads[file_id] = UploadedFile(
                    file_id, str(params["filename"]), int(params["length"])
                )
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        channel = params.get("channel_id") or params.get("channels")
        shared = []
        with self.state.lock:
            for item in files or []:
                upload = self.state.uploads.get(str(item.get("id")))
                if upload is None or len(upload.content) != upload.length:
                    return {"ok": False, "error": "file_not_found"}
                upload.title = item.get("title")
                upload.channel = str(channel) if channel else ""
                upload.initial_comment = params.get("initial_comment")
                shared.append({"id": upload.id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": shared}

    def _refuse(self, method: str, error: str, detail: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            self.state.refusals.append(Refusal(method, error, detail, params))
        return {"ok": False, "error": error, "response_metadata": {"messages": [f"[ERROR] {detail}"]}}

    def answered(self, body: str, content_type: str) -> None:
        """The app's HTTP answer to a request (what it gave ``ack``): kept as a refusal when Slack
        would not show it (too many options, a label or a refusal too long, a message over its limits)."""
        if not body:
            return
        if not content_type.startswith("application/json"):
            if len(body) > MAX_TEXT:
                self._refuse("ack", "msg_too_long", f"text is {len(body)} characters", {"text": body})
            return
        try:
            answer = json.loads(body)
        except ValueError:
            self._refuse("ack", "invalid_json", "the answer is not JSON", {"body": body})
            return
        problem = check_ack(answer) if isinstance(answer, dict) else None
        if problem:
            self._refuse("ack", "invalid_ack", problem, answer)

    def _respond(self, key: str, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """A post to a ``response_url``: checked like a message; ``replace_original`` edits a posted one."""
        with self.state.lock:
            call = Call("response_url", params, response_key=key)
            self.state.calls.append(call)
            target = self.state.response_targets.get(key)
        problem = check_message(params)
        if problem:
            call.result = self._refuse("response_url", problem[0], problem[1], params)
            return 400, {}, call.result
        if target:  # the posted message this response_url edits
            call.result = {"ok": True, "channel": target[0], "ts": target[1]}
        if target and _truthy(params.get("replace_original")):
            conversation, ts = target
            with self.state.lock:
                for m in self.state.messages.get(conversation, []):
                    if m["ts"] == ts:
                        m.update({k: params[k] for k in ("text", "blocks") if k in params})
        return 200, {}, {"ok": True}

    def _next_ts(self) -> str:
        n = next(self._ts)
        if self.clock is None:
            return f"{1_700_000_000 + n}.000100"
        return f"{int(self.clock().timestamp())}.{n % 1_000_000:06d}"

    def _conversation(self, channel: str) -> str | None:
        """A user id (``U…``/``W…``) posts to that user's DM, ``D…`` + the rest; a ``D…`` of a known user;
        a channel of the workspace; anything else → ``None``."""
        if channel[:1] in ("U", "W"):
            return "D" + channel[1:] if channel in self.state.users else None
        if channel[:1] == "D":
            return channel if "U" + channel[1:] in self.state.users else None
        if channel[:1] == "G" and len(channel) > 1:  # a group DM opened by conversations.open
            return channel
        return channel if channel in self.state.channels else None

    def _post(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._conversation(str(params.get("channel", "")))
        if channel is None:
            return self._refuse(method, "channel_not_found", f"no channel {params.get('channel')!r}", params)
        if method != "chat.delete":
            problem = check_message(params)
            if problem:
                return self._refuse(method, problem[0], problem[1], params)
        if method == "chat.postEphemeral":
            if str(params.get("user", "")) not in self.state.users:
                return self._refuse(method, "user_not_in_channel", "no such user", params)
            return {"ok": True, "message_ts": self.new_ephemeral_ts()}
        if method in ("chat.update", "chat.delete"):
            return self._edit(method, channel, params)
        with self.state.lock:
            history = self.state.messages.setdefault(channel, [])
            ts = self._next_ts()
            message = {
                "type": "message",
                "user": "UBOT",
                "bot_id": "BBOT",
                "ts": ts,
                "text": params.get("text") or "",
                "blocks": params.get("blocks") or [],
            }
            if isinstance(params.get("metadata"), dict):
                message["metadata"] = params["metadata"]
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            history.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": dict(message)}

    def _edit(self, method: str, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        """``chat.update``/``chat.delete``: only a message the bot posted (never an ephemeral one)."""
        ts = str(params.get("ts", ""))
        with self.state.lock:
            history = self.state.messages.setdefault(channel, [])
            message = next((m for m in history if m["ts"] == ts), None)
            ephemeral = ts in self.state.ephemeral_ts
            if message is not None and method == "chat.delete":
                history.remove(message)
            elif message is not None:
                message.update({k: params[k] for k in ("text", "blocks") if k in params})
        if message is None:
            why = "an ephemeral message can't be edited or deleted" if ephemeral else f"no message {ts}"
            return self._refuse(method, "message_not_found", why, params)
        return {"ok": True, "channel": channel, "ts": ts, "text": params.get("text")}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, ``oldest``/``latest`` exclusive unless ``inclusive``, paged by ``cursor``."""
        channel = str(params.get("channel", ""))
        if not channel or channel[:1] in ("U", "W"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        latest = float(params["latest"]) if params.get("latest") else float("inf")
        inclusive = _truthy(params.get("inclusive"))
        with_metadata = _truthy(params.get("include_all_metadata"))
        limit = max(1, min(int(params.get("limit") or 100), 999))
        offset = int(str(params.get("cursor") or "off:0").removeprefix("off:") or 0)
        with self.state.lock:
            messages = list(self.state.messages.get(channel, []))
        selected = []
        for m in reversed(messages):
            ts = float(m["ts"])
            if (oldest < ts < latest) or (inclusive and ts in (oldest, latest)):
                selected.append({k: v for k, v in m.items() if with_metadata or k != "metadata"})
        page = selected[offset : offset + limit]
        more = offset + limit < len(selected)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": f"off:{offset + limit}" if more else ""},
        }

    def _answer(self, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            team_id = self.state.tokens.get(token or "", self.team_id)
            workspace = self.state.workspaces.get(team_id)
            return {
                **ok,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": team_id,
                "team": workspace.name if workspace else "Local",
                "enterprise_id": workspace.enterprise_id if workspace else None,
                "url": "https://local.slack.test/",
            }
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "users.info":
            user = self.state.users.get(params.get("user", ""))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            found = _user_json(user)
            if user.locale and str(params.get("include_locale", "")).lower() in ("1", "true"):
                found["locale"] = user.locale
            return {**ok, "user": found}
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            for user in self.state.users.values():
                if user.email and user.email.lower() == email:
                    return {**ok, "user": _user_json(user)}
            return {"ok": False, "error": "users_not_found"}
        if method in ("chat.postMessage", "chat.update", "chat.delete", "chat.postEphemeral"):
            return self._post(method, params)
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.info":
            channel = str(params.get("channel", ""))
            shared = channel in self.state.shared_channels
            return {**ok, "channel": {"id": channel, "is_shared": shared, "is_ext_shared": shared}}
        if method == "chat.getPermalink":
            ts = str(params.get("message_ts", "")).replace(".", "")
            return {
                **ok,
                "channel": params.get("channel"),
                "permalink": f"https://local.slack.test/archives/{params.get('channel')}/p{ts}",
            }
        if method == "conversations.open":
            users = [u for u in str(params.get("users", "")).split(",") if u]
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            if any(u not in self.state.users for u in users):
                return {"ok": False, "error": "user_not_found"}
            if len(users) > 1:
                return {**ok, "channel": {"id": "G" + "".join(u[1:] for u in sorted(users))}}
            return {**ok, "channel": {"id": "D" + users[0][1:], "is_im": True}}
        if method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            return self._files(method, params)
        if method == "usergroups.users.list":
            group = self.state.usergroups.get(str(params.get("usergroup", "")))
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {**ok, "users": list(group)}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = params.get("view")
            if isinstance(view, str):
                view = json.loads(view)
            problem = check_view(view or {})
            if problem:
                return self._refuse(method, "invalid_arguments", problem, params)
            return {**ok, "view": {**(view or {}), "id": f"V{next(self._ts)}"}}
        return ok


def check_message(params: dict[str, Any]) -> tuple[str, str] | None:
    """(error, detail) when Slack would refuse this message, else ``None``."""
    text = params.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        return "msg_too_long", f"text is {len(text)} characters (at most {MAX_TEXT})"
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return "invalid_blocks_format", "blocks are not JSON"
    problem = check_blocks(blocks or [], limit=MAX_BLOCKS)
    if not problem and _text_chars(blocks or []) > MAX_MESSAGE_BLOCK_CHARS:
        problem = (
            f"{_text_chars(blocks or [])} characters of text in blocks (at most {MAX_MESSAGE_BLOCK_CHARS})"
        )
    return ("invalid_blocks", problem) if problem else None


def check_ack(answer: dict[str, Any]) -> str | None:
    """What Slack would say is wrong with an answer given in an ack, or ``None``."""
    groups = [g for g in answer.get("option_groups") or [] if isinstance(g, dict)]
    if len(groups) > MAX_OPTIONS:
        return f"more than {MAX_OPTIONS} option groups"
    for group in groups:
        if not 1 <= len(str((group.get("label") or {}).get("text", ""))) <= MAX_OPTION_TEXT:
            return f"option group label must be 1 to {MAX_OPTION_TEXT} characters"
    for options in [answer.get("options") or [], *(g.get("options") or [] for g in groups)]:
        if len(options) > MAX_OPTIONS:
            return f"more than {MAX_OPTIONS} options"
        for option in options:
            if not 1 <= len(str((option.get("text") or {}).get("text", ""))) <= MAX_OPTION_TEXT:
                return f"option text must be 1 to {MAX_OPTION_TEXT} characters"
            if len(str((option.get("description") or {}).get("text", ""))) > MAX_OPTION_TEXT:
                return f"option description longer than {MAX_OPTION_TEXT}"
            if not 1 <= len(str(option.get("value", ""))) <= MAX_OPTION_VALUE:
                return f"option value must be 1 to {MAX_OPTION_VALUE} characters"
    errors = answer.get("errors")
    if isinstance(errors, dict):
        for key, text in errors.items():
            if len(str(text)) > MAX_ERROR_TEXT:
                return f"the refusal under {key!r} is longer than {MAX_ERROR_TEXT}"
    if isinstance(answer.get("view"), dict):
        problem = check_view(answer["view"])
        if problem:
            return problem
    if "blocks" in answer or "text" in answer:
        message = check_message(answer)
        if message:
            return message[1]
    return None


def check_view(view: dict[str, Any]) -> str | None:
    """What Slack would say is wrong with a modal or Home tab view, or ``None``."""
    for key in ("title", "submit", "close"):
        text = (view.get(key) or {}).get("text", "") if isinstance(view.get(key), dict) else ""
        if len(str(text)) > MAX_VIEW_TITLE:
            return f"view {key} longer than {MAX_VIEW_TITLE}"
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        return f"private_metadata longer than {MAX_PRIVATE_METADATA}"
    return check_blocks(view.get("blocks") or [], limit=MAX_VIEW_BLOCKS)


def _text_chars(node: Any) -> int:
    """Text shown in a message (a menu's options are not shown until it is opened)."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            return len(node["text"])
        menus = ("options", "option_groups", "initial_option", "initial_options")
        return sum(_text_chars(v) for k, v in node.items() if k not in menus)
    if isinstance(node, list):
        return sum(_text_chars(v) for v in node)
    return 0


def check_blocks(blocks: list[dict[str, Any]], *, limit: int) -> str | None:
    """What Slack would say is wrong with ``blocks`` (the common limits), or ``None``."""
    if len(blocks) > limit:
        return f"{len(blocks)} blocks (at most {limit})"
    seen: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"block {n} ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > MAX_ID:
                return f"{where}: block_id longer than {MAX_ID}"
            if block_id in seen:
                return f"{where}: repeated block_id {block_id!r}"
            seen.add(str(block_id))
        kind = block.get("type")
        text = block.get("text")
        if kind == "section":
            if not text and not block.get("fields"):
                return f"{where}: needs a text or fields"
            if text and not (1 <= len(str(text.get("text", ""))) <= MAX_SECTION_TEXT):
                return f"{where}: text must be 1 to {MAX_SECTION_TEXT} characters"
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS or any(len(str(f.get("text", ""))) > MAX_FIELD_TEXT for f in fields):
                return f"{where}: at most {MAX_FIELDS} fields of {MAX_FIELD_TEXT} characters"
        elif kind == "header" and text and len(str(text.get("text", ""))) > MAX_HEADER_TEXT:
            return f"{where}: header text longer than {MAX_HEADER_TEXT}"
        elif kind == "header" and text and text.get("type") != "plain_text":
            return f"{where}: header text must be plain_text"
        elif kind == "context" and not (1 <= len(block.get("elements") or []) <= MAX_CONTEXT_ELEMENTS):
            return f"{where}: 1 to {MAX_CONTEXT_ELEMENTS} elements"
        elif kind == "context" and any(
            len(str(e.get("text", ""))) > MAX_CONTEXT_TEXT for e in block["elements"] if isinstance(e, dict)
        ):
            return f"{where}: a context text longer than {MAX_CONTEXT_TEXT}"
        elif kind == "input":
            for key in ("label", "hint"):
                if len(str((block.get(key) or {}).get("text", ""))) > MAX_LABEL:
                    return f"{where}: {key} longer than {MAX_LABEL}"
        elif kind == "actions" and not (1 <= len(block.get("elements") or []) <= MAX_ACTIONS_ELEMENTS):
            return f"{where}: 1 to {MAX_ACTIONS_ELEMENTS} elements"
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        if isinstance(block.get("element"), dict):
            elements.append(block["element"])
        for element in elements:
            problem = _check_element(element)
            if problem:
                return f"{where}: {problem}"
    return None


def _check_element(element: dict[str, Any]) -> str | None:
    if element.get("type") == "button":
        label = str((element.get("text") or {}).get("text", ""))
        if not 1 <= len(label) <= MAX_BUTTON_TEXT:
            return f"button text must be 1 to {MAX_BUTTON_TEXT} characters"
        if len(str(element.get("value", ""))) > MAX_VALUE:
            return f"button value longer than {MAX_VALUE}"
    if len(str(element.get("action_id", ""))) > MAX_ID:
        return f"action_id longer than {MAX_ID}"
    if len(str((element.get("placeholder") or {}).get("text", ""))) > MAX_PLACEHOLDER:
        return f"placeholder longer than {MAX_PLACEHOLDER}"
    if (
        element.get("type") == "plain_text_input"
        and len(str(element.get("initial_value", ""))) > MAX_INITIAL_VALUE
    ):
        return f"initial_value longer than {MAX_INITIAL_VALUE}"
    limit = MAX_OVERFLOW_OPTIONS if element.get("type") == "overflow" else MAX_OPTIONS
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    if len(element.get("options") or []) > limit:
        return f"more than {limit} options"
    initial = element.get("initial_option")
    for option in [*options, *(element.get("initial_options") or []), *([initial] if initial else [])]:
        if not 1 <= len(str((option.get("text") or {}).get("text", ""))) <= MAX_OPTION_TEXT:
            return f"option text must be 1 to {MAX_OPTION_TEXT} characters"
    return None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _user_json(user: FakeUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.name.title(),
        "tz": user.tz,
        "profile": {"display_name": user.name, "email": user.email, "real_name": user.name.title()},
    }
