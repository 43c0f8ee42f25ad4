"""HTTP mode over real loopback sockets: waitress, Bolt's WSGI adapter, signatures, the health check."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from bot.app import build_app, make_client
from bot.clock import FixedClock
from bot.http_server import create_http_server, health, make_wsgi_app, stop_http_server
from bot.settings import Settings
from bot.storage.db import make_engine
from tests.helpers import DEFAULT_NOW, FakeSlack, sign

SECRET = "http-test-secret"


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
    server = create_http_server(make_wsgi_app(app, engine), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_http_server(server)
    thread.join(timeout=30)  # generous: a loaded CI machine is slow, not wrong
    assert not thread.is_alive()


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def command_body(fake: FakeSlack, text: str) -> str:
    return urlencode(
        {
            "team_id": "T_LOCAL",
            "channel_id": "C_GENERAL",
            "user_id": "U0ALICE",
            "user_name": "alice",
            "command": "/account",
            "text": text,
            "response_url": fake.response_url("http1"),
            "trigger_id": "trigger.1",
        }
    )


def test_signed_slash_command_over_http_reaches_the_response_url(
    base_url: str, fake_slack: FakeSlack
) -> None:
    body = command_body(fake_slack, "add Acme Corp tier:gold")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    status, _ = post(base_url + "/slack/events", body, headers)
    assert status == 200
    [reply] = fake_slack.responses()
    assert "Created *Acme Corp*" in json.dumps(reply)


def test_bad_signature_is_refused(base_url: str, fake_slack: FakeSlack) -> None:
    body = command_body(fake_slack, "add Acme Corp")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign("not-the-secret", body)}
    status, _ = post(base_url + "/slack/events", body, headers)
    assert status == 401
    assert fake_slack.responses() == []


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
