"""``salesbot tick``: every due job once, as of now or of --now, one summary line, exit 0."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from slack_bolt import App
from sqlalchemy import select

import bot.app
from bot.cli import main
from bot.playbook import PlaybookError, load_playbook
from bot.reminders.outbox import enqueue
from bot.services import Services
from bot.storage.models import Reminder
from tests.helpers import FakeUser, Harness, queue_reminders, render_test_reminder


@pytest.fixture
def tick_env(monkeypatch: pytest.MonkeyPatch, db_bot: Harness, db_url: str) -> list[datetime]:
    """Environment for the CLI (the test's database and fake Slack) and a feature that plans."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_API_URL", db_bot.fake.api_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.delenv("SALESBOT_CONFIG", raising=False)
    planned: list[datetime] = []
    original: Callable[[App, Services], None] = bot.app.register_all

    def register_all(app: App, services: Services) -> None:
        original(app, services)
        services.renderers["test_reminder"] = render_test_reminder
        services.planning_passes[:] = [lambda _services, now: planned.append(now)]

    monkeypatch.setattr(bot.app, "register_all", register_all)
    return planned


def test_tick_runs_due_jobs_as_of_the_given_instant(
    db_bot: Harness, tick_env: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    now = db_bot.clock.now()  # Monday 09:00 UTC
    late = queue_reminders(db_bot, 3, due_at=now - timedelta(hours=2))
    [due] = queue_reminders(db_bot, recipient_id="U0CAROL", due_at=now)
    [later] = queue_reminders(db_bot, recipient_id="U0CAROL", due_at=now + timedelta(minutes=1))

    assert main(["tick", "--now", "2026-11-23T10:00:00+01:00"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "salesbot tick at 2026-11-23T09:00:00Z; planning: 1 passes; weekly digest: ran 0 passes; "
        "delivery: 4 sent in 2 messages, 0 retrying, 0 rate-limited, 0 failed, 0 cancelled"
    ]
    assert tick_env == [now]
    assert "While I was away" in db_bot.dms("U0ALICE")[0]["text"] and len(db_bot.dms("U0CAROL")) == 1
    with db_bot.db() as s:
        status = {rid: st for rid, st in s.execute(select(Reminder.id, Reminder.status))}
    assert status == {**dict.fromkeys([*late, due], "sent"), later: "pending"}

    assert main(["tick", "--now", "2026-11-23T09:00:30Z"]) == 0
    assert "weekly digest: done already; delivery: 0 sent" in capsys.readouterr().out
    assert main(["tick", "--now", "2026-11-23T09:01:00Z"]) == 0
    assert "delivery: 1 sent in 1 messages" in capsys.readouterr().out


def test_tick_drains_everything_due_not_one_batch(
    db_bot: Harness, tick_env: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    people = [f"U8{n:04d}" for n in range(230)]  # more than one pass's batch (200)
    for user in people:
        db_bot.fake.add_user(FakeUser(user, user.lower(), tz="UTC"))
    with db_bot.db() as s:
        for user in people:
            enqueue(
                s,
                kind="test_reminder",
                due_at=db_bot.clock.now(),
                now=db_bot.clock.now(),
                recipient_id=user,
                payload={"title": "Call Acme"},
            )
    assert main(["tick", "--now", "2026-11-23T09:00:00Z"]) == 0
    assert "delivery: 230 sent in 230 messages" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["tick", "--budget", "soon"])
    assert "'soon' is not a number of seconds; example: --budget 50" in capsys.readouterr().err


def test_tick_rejects_a_time_without_a_zone(
    tick_env: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tick", "--now", "2026-11-23T09:00"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "'2026-11-23T09:00' has no time zone" in err and "2026-11-23T09:00Z" in err
    assert tick_env == []
    with pytest.raises(SystemExit):
        main(["tick", "--now", "next monday"])
    assert "not an ISO 8601 date and time" in capsys.readouterr().err


def test_tick_needs_a_token(
    tick_env: list[datetime], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["tick"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().out


def test_invalid_weekly_digest_is_rejected_at_start(tmp_path: Path) -> None:
    config = tmp_path / "salesbot.toml"
    config.write_text('[scheduler]\nweekly_digest = "monday at 8"\n')
    with pytest.raises(
        PlaybookError, match=r'scheduler\.weekly_digest: expected a day and a time like "mon 08:30"'
    ):
        load_playbook(config)
