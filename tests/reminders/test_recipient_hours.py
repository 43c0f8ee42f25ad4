"""Everyone's hours: nothing reaches a person outside their own working hours, however late it is."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.blocks.followups import RESCHEDULE
from bot.storage.models import LOCAL_TEAM, Reminder, Task, UserProfile
from tests.helpers import FakeUser, Harness, all_text, queue_reminders


def one_followup(bot: Harness, text: str, *, user: str = "U0ALICE") -> Task:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/followup", text, user=user)
    with bot.db() as s:
        return s.scalars(select(Task)).one()


def test_a_reminder_late_after_downtime_waits_for_the_next_working_morning(bot: Harness) -> None:
    task = one_followup(bot, "Acme Corp: send the proposal friday 5pm")
    assert task.due_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # Friday 17:00 in Paris
    bot.clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # back after downtime: Saturday 03:00 Paris
    report = bot.dispatch()
    assert report.sent == [] and len(report.waiting) == 1
    assert bot.dms("U0ALICE") == []
    bot.clock.set(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))  # Sunday noon: still nothing
    assert bot.dispatch().sent == []
    bot.clock.set(datetime(2026, 11, 30, 7, 59, tzinfo=UTC))
    assert bot.dispatch().sent == []
    bot.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Paris
    assert bot.deliver() == report.waiting
    [dm] = bot.dms("U0ALICE")
    assert "send the proposal" in all_text(dm["blocks"])


def test_a_zone_changed_in_slack_is_read_again_at_delivery(bot: Harness) -> None:
    task = one_followup(bot, "Acme Corp: call the CFO wednesday 10am", user="U0BOB")
    assert task.due_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 10:00 in New York
    bot.fake.add_user(FakeUser("U0BOB", "bob", tz="Asia/Tokyo"))  # Bob moved; his profile is two days old
    bot.clock.set(task.due_at)  # Thursday 00:00 in Tokyo
    report = bot.dispatch()
    assert report.sent == [] and bot.dms("U0BOB") == []
    with bot.db() as s:
        profile = s.get(UserProfile, (LOCAL_TEAM, "U0BOB"))
        assert profile is not None and profile.tz == "Asia/Tokyo"
        [row] = s.scalars(select(Reminder).where(Reminder.recipient_id == "U0BOB")).all()
        assert row.status == "pending"
        assert row.next_attempt_at == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # Thursday 09:00 in Tokyo
    bot.clock.set(datetime(2026, 11, 26, 0, 0, tzinfo=UTC))
    assert bot.deliver() == [row.id]
    assert "call the CFO" in all_text(bot.last_dm("U0BOB")["blocks"])


def test_someone_never_seen_is_looked_up_before_anything_reaches_them(bot: Harness) -> None:
    bot.fake.add_user(FakeUser("U0DAVE", "dave", tz="Asia/Tokyo"))
    [rid] = queue_reminders(bot, recipient_id="U0DAVE")  # Monday 09:00 UTC = 18:00 in Tokyo
    report = bot.dispatch()
    assert report.waiting == [rid] and bot.dms("U0DAVE") == []
    assert ("users.info", "U0DAVE") in [(c.method, c.params.get("user")) for c in bot.fake.state.calls]
    bot.clock.set(datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # Tuesday 09:00 in Tokyo
    assert bot.deliver() == [rid]


def test_a_snooze_on_a_sunday_says_when_the_reminder_really_comes(bot: Harness) -> None:
    task = one_followup(bot, "Acme Corp: send the proposal friday 10am")
    bot.clock.set(task.due_at)
    bot.deliver()
    dm = bot.last_dm("U0ALICE")
    bot.clock.set(datetime(2026, 12, 6, 8, 0, tzinfo=UTC))  # Sunday 6 Dec, 09:00 in Paris
    bot.click("Snooze 1 hour", blocks=dm["blocks"])
    text = bot.last_text()
    assert "I'll remind you Mon 7 Dec, 09:00, your next working morning" in text
    bot.clock.set(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))  # the hour has passed: still Sunday
    assert bot.deliver() == []
    bot.clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    assert len(bot.deliver()) == 1


def test_rescheduling_to_a_saturday_says_the_monday_it_comes(bot: Harness) -> None:
    task = one_followup(bot, "Acme Corp: prepare the QBR friday for <@U0BOB|bob>")
    bot.clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))  # Friday 09:00 in New York
    bot.deliver()
    dm = bot.last_dm("U0BOB")
    bot.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # Saturday 10:00 in New York
    bot.pick_date(RESCHEDULE, "2026-11-28", blocks=dm["blocks"], user="U0BOB")  # today, a Saturday
    assert "I'll remind you Mon 30 Nov, 09:00, your next working morning" in bot.last_text()
    bot.clock.set(datetime(2026, 11, 30, 13, 59, tzinfo=UTC))
    assert bot.deliver() == []
    bot.clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Monday 09:00 in New York
    assert len(bot.deliver()) == 1
    assert "prepare the QBR" in all_text(bot.last_dm("U0BOB")["blocks"])
    with bot.db() as s:
        moved = s.get(Task, task.id)
        assert moved is not None and moved.status == "open"


def test_a_visit_booked_before_the_working_start_is_reminded_at_its_own_time(bot: Harness) -> None:
    """Reminders wait for working hours, except a time the person chose: a 07:30 visit is reminded
    at 07:30, before the working start."""
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/visit", "Acme Corp on 2026-11-25 07:30")  # Wednesday, 07:30 in Paris
    bot.clock.set(datetime(2026, 11, 25, 6, 29, tzinfo=UTC))
    assert bot.deliver() == []
    bot.clock.set(datetime(2026, 11, 25, 6, 30, tzinfo=UTC))
    assert len(bot.deliver()) == 1
    assert "Today: *Visit Acme Corp* (07:30)" in all_text(bot.last_dm("U0ALICE")["blocks"])
