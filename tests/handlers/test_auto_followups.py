"""Follow-ups scheduled by the playbook after an activity is logged, and undone with it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain import activities
from bot.reminders.dispatcher import Dispatcher
from bot.storage.models import Account, Activity, Reminder, Task
from tests.helpers import FakeSlack, Harness, all_text


def tasks(bot: Harness) -> list[Task]:
    with bot.db() as s:
        return list(s.scalars(select(Task).where(Task.kind == "followup").order_by(Task.id)))


def test_a_meeting_schedules_the_product_sheet_and_the_summary(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold status:customer")
    bot.command("/log", "meeting Acme Corp: great first meeting")
    confirmation = bot.last_text()
    assert "Follow-up scheduled: *Send the product sheet* · Tue 24 Nov, 09:00" in confirmation
    assert "Follow-up scheduled: *Send the meeting summary* · Mon 23 Nov, 12:00" in confirmation
    with bot.db() as s:
        activity_id = s.scalars(select(Activity.id)).one()
    sheet, summary = tasks(bot)
    assert (sheet.title, sheet.due_at) == ("Send the product sheet", datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    assert (summary.title, summary.due_at) == (
        "Send the meeting summary",
        datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
    )
    for t in (sheet, summary):
        assert (t.assignee_id, t.source_activity_id, t.kind) == ("U0ALICE", activity_id, "followup")
    bot.clock.set(summary.due_at)
    assert Dispatcher(bot.services, instance_id="t").run_once().sent
    dm = all_text(bot.last_dm("U0ALICE")["blocks"])
    assert "Send the meeting summary" in dm and "after a logged activity" in dm


def test_undo_of_the_activity_cancels_its_followups(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/log", "demo Acme Corp: showed the dashboard")
    bot.click("Undo")
    assert "Undone" in bot.last_text()
    assert {t.status for t in tasks(bot)} == {"cancelled"}
    with bot.db() as s:
        assert {r.status for r in s.scalars(select(Reminder))} == {"cancelled"}
    bot.clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert Dispatcher(bot.services, instance_id="t").run_once().sent == []
    assert bot.dms("U0ALICE") == []


def test_a_call_schedules_nothing_by_default(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/log", "call Acme Corp: quick check-in")
    assert "Follow-up scheduled" not in bot.last_text()
    assert tasks(bot) == []


def test_the_summary_after_a_late_meeting_waits_for_the_morning(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 17:30 in Paris
    bot.command("/account", "add Acme Corp")
    bot.command("/log", "visit Acme Corp: plant tour")
    summary = tasks(bot)[1]
    assert summary.due_at == datetime(2026, 11, 23, 18, 30, tzinfo=UTC)  # 19:30 Paris, after hours
    with bot.db() as s:
        reminder = s.scalars(select(Reminder).where(Reminder.task_id == summary.id)).one()
    assert reminder.due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def tier_bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text(
        '[[followup_rules]]\nafter = ["call"]\ntitle = "Send pricing"\ndue = "3d"\ntiers = ["gold"]\n'
    )
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def test_rules_can_be_limited_to_tiers(tier_bot: Harness) -> None:
    bot = tier_bot
    bot.command("/account", "add Acme Corp tier:gold")
    bot.command("/account", "add Globex tier:bronze")
    bot.command("/log", "call Globex: hello", user="U0BOB")
    assert tasks(bot) == []
    bot.command("/log", "call Acme Corp: hello", user="U0BOB")
    [pricing] = tasks(bot)
    assert pricing.title == "Send pricing" and pricing.assignee_id == "U0BOB"
    # Three days later at the same wall-clock time in New York (04:00 → deferred to 09:00 there).
    assert pricing.due_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with bot.db() as s:
        reminder = s.scalars(select(Reminder).where(Reminder.task_id == pricing.id)).one()
    assert reminder.due_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def test_imported_history_schedules_nothing(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    now = bot.clock.now()
    with bot.db() as s:
        account = s.scalars(select(Account)).one()
        logged = activities.log_activity(
            s, account=account, activity_type="meeting", user_id="U0ALICE", occurred_at=now,
            notes="", source="import", now=now, hooks=bot.services.activity_hooks,
        )  # fmt: skip
        assert logged.consequences == []
    assert tasks(bot) == []


def test_a_meeting_logged_long_after_it_happened_schedules_nothing(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/log", "meeting Acme Corp 2026-09-01: quarterly review")
    assert "No automatic follow-ups: that meeting was more than a week ago." in bot.last_text()
    assert tasks(bot) == []
    bot.command("/log", "meeting Acme Corp last monday: kickoff")  # within the week: follow-ups as usual
    assert len(tasks(bot)) == 2


def test_a_follow_up_due_after_hours_says_when_its_reminder_comes(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 17:30 in Paris
    bot.command("/log", "meeting Acme Corp: late meeting")
    assert (
        "*Send the meeting summary* · Mon 23 Nov, 19:30"
        " (outside your working hours: reminder Tue 24 Nov, 09:00)" in bot.last_text()
    )
