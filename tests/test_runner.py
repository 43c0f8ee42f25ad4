"""``salesbot run``: which mode starts, from which environment; nothing connects to Slack here."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
import slack_bolt.adapter.socket_mode
from slack_bolt import App
from sqlalchemy import inspect

from bot import runner
from bot.reminders import scheduler
from bot.runner import ConfigError, Mode, select_mode
from bot.settings import Settings
from bot.storage.db import make_engine

OAUTH = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}


@pytest.mark.parametrize(
    ("env", "http", "mode"),
    [
        ({}, False, Mode.CONSOLE),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, False, Mode.SOCKET),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, True, Mode.HTTP),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "x", "SLACK_SIGNING_SECRET": "s"}, True, Mode.HTTP),
        (OAUTH, True, Mode.HTTP),
    ],
)
def test_mode_follows_the_environment(env: dict[str, str], http: bool, mode: Mode) -> None:
    assert select_mode(Settings.from_env(env), http=http) is mode


@pytest.mark.parametrize(
    ("env", "http", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, True, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, True, "SLACK_BOT_TOKEN"),
        ({}, True, "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, False, "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, False, "SLACK_BOT_TOKEN"),
        (OAUTH, False, "serves HTTP: run `salesbot run --http`"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"},
            True,
            "OAuth mode needs SLACK_CLIENT_SECRET",
        ),
    ],
)
def test_missing_variables_are_named(env: dict[str, str], http: bool, missing: str) -> None:
    with pytest.raises(ConfigError, match=missing):
        select_mode(Settings.from_env(env), http=http)


def test_socket_mode_starts_the_handler_with_the_migrated_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[Any, str]] = []

    class FakeHandler:
        def __init__(self, app: Any, app_token: str) -> None:
            self.app, self.token = app, app_token

        def start(self) -> None:
            started.append((self.app, self.token))

    # imported by the run in Socket Mode only: replaced where it is imported from
    monkeypatch.setattr(slack_bolt.adapter.socket_mode, "SocketModeHandler", FakeHandler)
    url = f"sqlite:///{tmp_path / 'run.db'}"
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DATABASE_URL": url}
    )
    out = io.StringIO()
    assert runner.run(settings, out=out) == 0
    [(app, token)] = started
    assert isinstance(app, App) and token == "xapp-1"
    assert "Socket Mode" in out.getvalue()
    assert "accounts" in inspect(make_engine(url)).get_table_names()  # migrations applied at start


def test_http_mode_serves_on_the_given_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(
        runner, "serve_http", lambda app, engine, host, port, **_: served.append((host, port))
    )
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        }
    )
    assert runner.run(settings, http=True, host="127.0.0.1", port=8123) == 0
    assert served == [("127.0.0.1", 8123)]


def test_http_mode_without_secret_exits_2_naming_it() -> None:
    err = io.StringIO()
    assert runner.run(Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}), http=True, err=err) == 2
    assert "SLACK_SIGNING_SECRET" in err.getvalue()


def test_no_credentials_starts_the_console_after_explaining_how_to_connect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.console.repl

    calls: list[Settings] = []
    monkeypatch.setattr(bot.console.repl, "run_console", lambda settings: calls.append(settings) or 0)
    out = io.StringIO()
    assert runner.run(Settings.from_env({}), out=out) == 0
    assert len(calls) == 1
    text = out.getvalue()
    assert "manifest.json" in text and "SLACK_APP_TOKEN" in text and "--http" in text


def test_the_console_started_by_run_keeps_request_log_lines_out_of_the_chat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`salesbot run` sets up a server's logs (a line per request) before it knows it will be the
    console; the console then quiets them so they do not interleave with the replies."""
    import bot.console.repl
    from bot import oplog

    loggers = [oplog.request_log, oplog.delivery_log]
    enabled: list[bool] = []
    monkeypatch.setattr(
        bot.console.repl,
        "run_console",
        lambda settings: enabled.extend(lg.isEnabledFor(logging.INFO) for lg in loggers) or 0,
    )
    try:
        oplog.configure()
        assert all(lg.isEnabledFor(logging.INFO) for lg in loggers)
        assert runner.run(Settings.from_env({}), out=io.StringIO()) == 0
        assert enabled == [False, False]
    finally:
        for lg in [*loggers, logging.getLogger("salesbot.lifecycle")]:
            lg.setLevel(logging.NOTSET)


class RecordingScheduler:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    def start(self) -> None:
        self.events.append("start")

    def shutdown(self, wait: bool = True) -> None:
        self.events.append("shutdown")


@pytest.mark.parametrize("with_scheduler", [True, False])
def test_serving_runs_the_scheduler_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_scheduler: bool
) -> None:
    events: list[str] = []
    # imported by the run only when the scheduler runs: replaced where it is imported from
    monkeypatch.setattr(scheduler, "build_scheduler", lambda services, **_: RecordingScheduler(events))
    monkeypatch.setattr(runner, "serve_http", lambda app, engine, host, port, **_: events.append("serve"))
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        }
    )
    assert runner.run(settings, http=True, scheduler=with_scheduler) == 0
    assert events == (["start", "serve", "shutdown"] if with_scheduler else ["serve"])


def test_building_the_app_with_a_token_in_the_environment_logs_no_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")  # Bolt reads it too, next to our injected client
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
        }
    )
    with caplog.at_level("WARNING"):
        runtime = runner.build_runtime(settings)
    runtime.engine.dispose()
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
