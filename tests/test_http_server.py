"""HTTP mode over real loopback sockets: waitress, Bolt's WSGI adapter, signatures, malformed and
oversized requests, idle connections, the health check."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select

from bot.app import build_app, make_client
from bot.clock import FixedClock
from bot.http_server import (
    MAX_BODY_BYTES,
    Rejected,
    check_slack_request,
    create_http_server,
    health,
    make_wsgi_app,
    stop_http_server,
)
from bot.settings import Settings
from bot.storage.db import make_engine
from bot.storage.models import Base
from tests.helpers import DEFAULT_NOW, FakeSlack, sign

SECRET = "http-test-secret"
FORM = "application/x-www-form-urlencoded"


@contextmanager
def serving(wsgi: Any, **adjustments: Any) -> Iterator[str]:
    """``wsgi`` served by waitress on an ephemeral loopback port, in a thread; yields its base URL.

    The listening socket exists when ``create_http_server`` returns, so connections made before the
    loop runs wait in the backlog: nothing to poll for. Stopping closes every connection and the loop."""
    server = create_http_server(wsgi, "127.0.0.1", 0, **adjustments)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            server.run()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    thread = threading.Thread(target=run, name="waitress-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_http_server(server)
        thread.join(timeout=30)  # generous: a loaded CI machine is slow, not wrong
        assert not thread.is_alive(), "the server did not stop"
        assert not failures, failures


@pytest.fixture
def base_url(fake_slack: FakeSlack, session_factory: Any, engine: Engine) -> Iterator[str]:
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
        process_before_response=True,
    )
    app = build_app(
        settings, client=make_client(settings), session_factory=session_factory, clock=FixedClock(DEFAULT_NOW)
    )
    with serving(make_wsgi_app(app, engine)) as url:
        yield url


def post(url: str, body: str | bytes, headers: dict[str, str]) -> tuple[int, str]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def signed(body: str | bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers signing the exact bytes of ``body``."""
    raw = body if isinstance(body, bytes) else body.encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"Content-Type": FORM, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(fake: FakeSlack, text: str, **overrides: str) -> str:
    fields = {
        "team_id": "T_LOCAL",
        "channel_id": "C_GENERAL",
        "user_id": "U0ALICE",
        "user_name": "alice",
        "command": "/account",
        "text": text,
        "response_url": fake.response_url("http1"),
        "trigger_id": "trigger.1",
        **overrides,
    }
    return urlencode({k: v for k, v in fields.items() if v != ""})


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table: a refused request must leave all of them as they were."""
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables
        }


def test_signed_slash_command_over_http_reaches_the_response_url(
    base_url: str, fake_slack: FakeSlack
) -> None:
    body = command_body(fake_slack, "add Acme Corp tier:gold")
    headers = {"Content-Type": FORM, **sign(SECRET, body)}
    status, _ = post(base_url + "/slack/events", body, headers)
    assert status == 200
    [reply] = fake_slack.responses()
    assert "Created *Acme Corp*" in json.dumps(reply)


def test_bad_signature_is_refused(base_url: str, fake_slack: FakeSlack) -> None:
    body = command_body(fake_slack, "add Acme Corp")
    headers = {"Content-Type": FORM, **sign("not-the-secret", body)}
    status, _ = post(base_url + "/slack/events", body, headers)
    assert status == 401
    assert fake_slack.responses() == []


def _payload(value: str) -> str:
    return urlencode({"payload": value})


def malformed_requests(fake: FakeSlack) -> list[tuple[str, bytes, dict[str, str], int]]:
    """(what, body, headers, expected status): each is signed correctly unless the point is the signature."""
    good = command_body(fake, "add Acme Corp")
    stale_ts = int(time.time()) - 6 * 60
    future_ts = int(time.time()) + 6 * 60
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("bad signature", good.encode(), signed(good, secret="another-secret"), 401),
        ("stale timestamp", good.encode(), signed(good, timestamp=stale_ts), 401),
        ("timestamp from the future", good.encode(), signed(good, timestamp=future_ts), 401),
        (
            "no signature",
            good.encode(),
            {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time()))},
            401,
        ),
    ]
    non_numeric = signed(good)
    non_numeric["X-Slack-Request-Timestamp"] = "12e9"
    cases.append(("non-numeric timestamp", good.encode(), non_numeric, 400))
    missing_ts = signed(good)
    del missing_ts["X-Slack-Request-Timestamp"]
    cases.append(("no timestamp", good.encode(), missing_ts, 400))
    for what, raw, expected in [
        ("payload that is not JSON", _payload("{not json").encode(), 400),
        ("payload that is a JSON list", _payload("[1, 2]").encode(), 400),
        ("payload without a type", _payload(json.dumps({"user": {"id": "U0ALICE"}})).encode(), 400),
        (
            "button press without actions",
            _payload(json.dumps({"type": "block_actions", "user": {"id": "U0ALICE"}})).encode(),
            400,
        ),
        (
            "button press whose user is a string",
            _payload(json.dumps({"type": "block_actions", "user": "U0ALICE", "actions": [{}]})).encode(),
            400,
        ),
        ("non-UTF-8 bytes", b"command=%2Faccount&text=" + b"\xff\xfe\xfa" + b"&user_id=U0ALICE", 400),
        ("command without user_id", command_body(fake, "add Acme Corp", user_id="").encode(), 400),
        ("command without team_id", command_body(fake, "add Acme Corp", team_id="").encode(), 400),
        ("form with neither command nor payload", b"text=hello&user_id=U0ALICE", 400),
    ]:
        cases.append((what, raw, signed(raw), expected))
    event = json.dumps({"type": "event_callback", "team_id": "T_LOCAL"}).encode()
    cases.append(
        ("event without its event", event, {**signed(event), "Content-Type": "application/json"}, 400)
    )
    not_json = b'{"type": "event_callback", '
    cases.append(
        (
            "JSON body that is not JSON",
            not_json,
            {**signed(not_json), "Content-Type": "application/json"},
            400,
        )
    )
    return cases


def test_malformed_requests_get_a_4xx_and_write_nothing(
    base_url: str, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    before = row_counts(engine)
    cases = malformed_requests(fake_slack)
    for what, body, headers, expected in cases:
        started = time.monotonic()
        status, answer = post(base_url + "/slack/events", body, headers)
        assert status == expected, (what, status, answer)
        assert time.monotonic() - started < 2, what
    assert row_counts(engine) == before
    assert fake_slack.responses() == [] and fake_slack.calls() == []
    refused = [
        r for r in caplog.records if r.name == "salesbot.request" and r.getMessage() == "request refused"
    ]
    assert len(refused) == len(cases)
    assert all(SECRET not in r.getMessage() and "Acme" not in str(r.__dict__.get("fields")) for r in refused)


def test_a_body_over_1_mb_is_refused_from_its_length_before_it_is_read(base_url: str, engine: Engine) -> None:
    before = row_counts(engine)
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        # Only the headers and a few bytes are sent: the answer must not wait for the other megabyte.
        conn.sendall(
            f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\ncommand=".encode()
        )
        answer = conn.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:80]
    assert row_counts(engine) == before


def test_the_size_check_reads_nothing_of_an_oversized_body() -> None:
    class Unreadable(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the body was read")

    environ = {"CONTENT_LENGTH": str(MAX_BODY_BYTES + 1), "wsgi.input": Unreadable()}
    with pytest.raises(Rejected) as refused:
        check_slack_request(environ, SECRET)
    assert refused.value.status == 413


def test_99_idle_half_sent_connections_do_not_stop_anyone_being_answered(
    base_url: str, fake_slack: FakeSlack
) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    with ExitStack() as idle:
        for _ in range(99):
            conn = idle.enter_context(socket.create_connection((host, int(port)), timeout=10))
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\ncommand=")
        body = command_body(fake_slack, "add Acme Corp")
        status, _ = post(base_url + "/slack/events", body, {"Content-Type": FORM, **sign(SECRET, body)})
        assert status == 200
        with urllib.request.urlopen(base_url + "/healthz", timeout=10) as response:
            assert response.status == 200


def test_connections_idle_past_the_channel_timeout_are_closed_so_the_limit_frees_up(engine: Engine) -> None:
    """With a deliberately small limit, idle connections fill it; waitress closes them after the
    channel timeout and answers the next request (a few seconds, not the 120 s default)."""

    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    with serving(hello, connection_limit=5, channel_timeout=1, cleanup_interval=1) as url:
        host, port = url.removeprefix("http://").split(":")
        with ExitStack() as idle:
            conns = [
                idle.enter_context(socket.create_connection((host, int(port)), timeout=10)) for _ in range(5)
            ]
            for conn in conns:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
            started = time.monotonic()
            with urllib.request.urlopen(url + "/", timeout=15) as response:
                assert response.read() == b"ok"
            assert time.monotonic() - started < 10
            assert all(conn.recv(1) == b"" for conn in conns)  # the idle ones were closed by the server


def test_healthz_and_unknown_paths(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "/healthz", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.read()) == {"status": "ok", "database": "ok"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base_url + "/nothing-here", timeout=10)
    assert missing.value.code == 404


def test_health_is_503_when_the_database_is_down(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    status, body = health(engine)
    assert status == 503
    assert body["status"] == "error" and body["database"].startswith("unavailable")


def test_a_replayed_signed_slash_command_is_processed_once(
    base_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    """The very same signed bytes posted again within the 5 minutes a signature is valid, as a replay
    or as Slack's retry, are acknowledged and not run again."""
    body = command_body(fake_slack, "add Acme Corp tier:gold")
    headers = {"Content-Type": FORM, **sign(SECRET, body)}
    assert post(base_url + "/slack/events", body, headers)[0] == 200
    for extra in ({}, {}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}):
        assert post(base_url + "/slack/events", body, {**headers, **extra})[0] == 200
    assert row_counts(engine)["accounts"] == 1
    assert len(fake_slack.responses()) == 1
