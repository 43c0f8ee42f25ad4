"""Operations: the request and delivery log lines, the scheduler's heartbeat in /healthz, backups."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot import cli
from bot.health import Heartbeat
from bot.http_server import health
from bot.oplog import LogfmtFormatter, logfmt
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.scheduler import dispatch_job, plan_job
from bot.storage.models import Account, Reminder
from tests.helpers import Harness, queue_reminders


def lines(caplog: pytest.LogCaptureFixture, logger: str, message: str) -> list[str]:
    formatter = LogfmtFormatter()
    return [formatter.format(r) for r in caplog.records if r.name == logger and r.getMessage() == message]


# -- structured logs -----------------------------------------------------------------------------------
def test_each_request_is_one_logfmt_line_with_ids_and_timing_but_no_text(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.command("/account", "add Acme Corp")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="salesbot.request"):
        bot.command("/log", "call Acme Corp: secret pricing for 20 more seats")
        bot.click("Undo")
    command, press = lines(caplog, "salesbot.request", "request")
    assert "kind=command name=/log team=T_LOCAL user=U0ALICE channel=C_GENERAL id=trigger." in command
    assert " status=200 ms=" in command and command.startswith("ts=") and "level=info" in command
    assert "kind=block_actions" in press and "user=U0ALICE" in press
    for line in (command, press):
        assert "secret pricing" not in line and "Acme" not in line and "xoxb" not in line


def test_each_delivery_is_one_line_with_its_reminders_outcome_and_timing(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ids = queue_reminders(bot, 2, title="Confidential renewal terms", channel_id="C0SALES", recipient_id=None)
    bot.fake.fail("chat.postMessage", "channel_not_found")
    with caplog.at_level(logging.INFO, logger="salesbot.delivery"):
        bot.deliver()
    failed, sent = lines(caplog, "salesbot.delivery", "delivery")
    assert f"reminders={ids[0]} channel=C0SALES outcome=permanent error=channel_not_found" in failed
    assert f"reminders={ids[1]} channel=C0SALES outcome=sent message_ts=" in sent and " ms=" in sent
    assert "Confidential" not in failed + sent


def test_logfmt_quotes_what_needs_quoting() -> None:
    assert logfmt({"a": "plain", "b": 'two words "quoted"', "c": None, "d": "x=y", "e": ""}) == (
        'a=plain b="two words \\"quoted\\"" d="x=y" e=""'
    )


# -- /healthz and the scheduler's heartbeat --------------------------------------------------------------
def test_health_reports_the_scheduler_s_last_pass_and_503_after_5_minutes_without_one(
    bot: Harness, engine: Engine
) -> None:
    heartbeat = Heartbeat(bot.clock)
    status, body = health(engine, heartbeat)
    assert (status, body["scheduler"]) == (200, "starting")
    bot.clock.advance(minutes=5, seconds=1)
    status, body = health(engine, heartbeat)
    assert status == 503 and body["scheduler"].startswith("stale: no successful pass since the start")
    dispatch_job(bot.services, Dispatcher(bot.services, instance_id="t"), heartbeat)
    status, body = health(engine, heartbeat)
    assert (status, body["scheduler"], body["database"]) == (200, "ok", "ok")
    assert body["scheduler_last_pass"] == bot.clock.now().isoformat().replace("+00:00", "Z")
    bot.clock.advance(minutes=4)
    plan_job(bot.services, None, heartbeat)
    bot.clock.advance(minutes=4, seconds=59)
    assert health(engine, heartbeat)[0] == 200
    bot.clock.advance(seconds=2)
    status, body = health(engine, heartbeat)
    assert (
        status == 503
        and body["status"] == "error"
        and "no successful pass for 5 min 1 s" in body["scheduler"]
    )


def test_a_pass_that_fails_does_not_count(bot: Harness, engine: Engine) -> None:
    class Broken(Dispatcher):
        def run(self, now=None, *, budget=None, deadline=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("database went away")

    heartbeat = Heartbeat(bot.clock)
    bot.clock.advance(minutes=6)
    with pytest.raises(RuntimeError):
        dispatch_job(bot.services, Broken(bot.services, instance_id="t"), heartbeat)
    assert health(engine, heartbeat)[0] == 503


# -- backups -----------------------------------------------------------------------------------------------
def test_backup_copies_a_live_sqlite_database_without_stopping_its_writers(
    bot: Harness,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "add Globex")
    database = engine.url.database
    assert database
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a write in progress: not in the copy, and not blocked by it
    writer.execute("UPDATE accounts SET name = 'Half-written' WHERE name = 'Globex'")
    target = tmp_path / "backups" / "salesbot-2026-11-23.db"
    target.parent.mkdir()
    assert cli.main(["backup", str(target)]) == 0
    writer.execute("COMMIT")
    writer.close()
    assert "integrity ok" in capsys.readouterr().out
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sorted(n for (n,) in copy.execute("SELECT name FROM accounts")) == ["Acme Corp", "Globex"]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    copy.close()
    assert not list(target.parent.glob("*.partial"))
    assert bot.count(Account) == 2


def test_backup_on_postgresql_says_to_use_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://salesbot@db.example:5432/salesbot")
    target = tmp_path / "x.db"
    assert cli.main(["backup", str(target)]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert not target.exists()


def test_backup_without_a_database_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nothing-here.db'}")
    assert cli.main(["backup", str(tmp_path / "x.db")]) == 2
    assert "no database at" in capsys.readouterr().err


# -- stopping the dispatcher (SIGTERM: tests/test_shutdown.py runs the whole process) -------------------
def test_a_stopped_dispatcher_finishes_the_post_in_flight_and_gives_back_the_rest(db_bot: Harness) -> None:
    ids = queue_reminders(
        db_bot, 3, channel_id="C0SALES", recipient_id=None
    )  # one channel: one post at a time
    dispatcher = Dispatcher(db_bot.services, instance_id="stopping")
    handle = db_bot.fake._handle

    def stop_during_the_first_post(path: str, params: dict[str, Any], *rest: Any) -> Any:
        if path.endswith("/chat.postMessage"):
            dispatcher.stop()  # SIGTERM arrives while Slack is answering
        return handle(path, params, *rest)

    db_bot.fake._handle = stop_during_the_first_post  # type: ignore[method-assign]
    report = dispatcher.run(db_bot.clock.now())
    assert report.sent == ids[:1]
    with db_bot.db() as s:
        rows = {r.id: r for r in s.scalars(select(Reminder))}
    assert rows[ids[0]].status == "sent"
    assert [(rows[i].status, rows[i].lease_until, rows[i].attempts) for i in ids[1:]] == [
        ("pending", None, 0)
    ] * 2
    assert dispatcher.run_once(db_bot.clock.now()).sent == []  # a stopped dispatcher claims nothing more
    # Another instance delivers them at once.
    assert Dispatcher(db_bot.services, instance_id="other").run(db_bot.clock.now()).sent == ids[1:]


def test_claims_held_at_shutdown_are_given_back(db_bot: Harness) -> None:
    ids = queue_reminders(db_bot, 2)
    dispatcher = Dispatcher(db_bot.services, instance_id="leaving")
    assert dispatcher.claim(db_bot.clock.now()) == ids
    assert dispatcher.release_claims() == 2
    with db_bot.db() as s:
        assert set(s.execute(select(Reminder.status, Reminder.lease_until))) == {("pending", None)}
