"""The due reminder: when it fires (time zones, DST, working hours), where, and every button on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.reminders.dispatcher import Dispatcher
from bot.storage.models import Reminder, Task
from tests.helpers import FakeSlack, Harness, all_text


def add_acme(bot: Harness, extra: str = "") -> None:
    bot.command("/account", f"add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice> {extra}".strip())


def dispatch(bot: Harness) -> list[int]:
    return Dispatcher(bot.services, instance_id="test").run_once().sent


def task(bot: Harness, task_id: int = 1) -> Task:
    with bot.db() as s:
        found = s.get(Task, task_id)
        assert found is not None
        return found


def deliver(bot: Harness, user: str = "U0ALICE", task_id: int = 1) -> list[dict]:
    """Move the clock to the task's due time, run the dispatcher, return the DM's blocks."""
    bot.clock.set(max(bot.clock.now(), task(bot, task_id).due_at))
    assert dispatch(bot)
    return bot.last_dm(user)["blocks"]


def test_dst_nine_local_stays_nine_local_after_the_change(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))  # Paris on summer time (UTC+2)
    add_acme(bot)
    bot.command("/followup", "Acme Corp: review the contract on 2026-10-27 9am")
    bot.command("/followup", "Acme Corp: call back in 1 week")
    # Europe leaves summer time on 25 October: 9:00 in Paris is then 08:00 UTC, not 07:00.
    assert task(bot, 1).due_at == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)
    assert task(bot, 2).due_at == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 10, 27, 7, 0, tzinfo=UTC))  # 9:00 on the old offset
    assert dispatch(bot) == []
    bot.clock.set(datetime(2026, 10, 27, 8, 0, tzinfo=UTC))
    assert len(dispatch(bot)) == 2
    assert "due Tue 27 Oct, 09:00" in all_text(bot.last_dm("U0ALICE")["blocks"])


def test_dst_in_new_york_for_a_colleague(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 10, 27, 12, 0, tzinfo=UTC))
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the renewal quote on 2026-11-03 9am for <@U0BOB|bob>")
    # New York leaves daylight time on 1 November: 9:00 is 14:00 UTC.
    assert task(bot).due_at == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 11, 3, 13, 0, tzinfo=UTC))
    assert dispatch(bot) == []
    bot.clock.set(datetime(2026, 11, 3, 14, 0, tzinfo=UTC))
    assert dispatch(bot)
    assert "asked by <@U0ALICE>" in all_text(bot.last_dm("U0BOB")["blocks"])


def test_outside_working_hours_waits_for_the_next_working_start(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: call the CFO tomorrow 7am")
    assert "outside your working hours" in bot.last_text()
    assert "Tue 24 Nov, 09:00" in bot.last_text()
    assert task(bot).due_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # the task keeps its time
    bot.clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    assert dispatch(bot) == []
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # 9:00 in Paris
    assert dispatch(bot)


def test_a_saturday_reminder_comes_on_monday_morning(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: check the tender on 2026-11-28 10am")
    with bot.db() as s:
        [reminder] = s.scalars(select(Reminder)).all()
    assert reminder.due_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert reminder.dedupe_key == "followup_due:1:2026-11-28T09:00:00+00:00"
    bot.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert dispatch(bot) == []
    bot.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    assert dispatch(bot)


def test_done_then_whats_next_in_one_week(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    dm = deliver(bot)
    bot.click("Done", blocks=dm)
    assert bot.last_reply()["replace_original"] is True
    assert "Done: ~send the proposal~" in bot.last_text()
    assert task(bot).status == "done"
    bot.click("Follow up in 1 week")
    assert bot.last_reply()["replace_original"] is True
    assert "Next follow-up set: *Follow up with Acme Corp*" in bot.last_text()
    nxt = task(bot, 2)
    assert (nxt.assignee_id, nxt.account_id, nxt.status) == ("U0ALICE", 1, "open")
    assert nxt.due_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a week after Tuesday, 9:00 Paris
    bot.clock.set(nxt.due_at)
    assert dispatch(bot)
    assert "Follow up with Acme Corp" in all_text(bot.last_dm("U0ALICE")["blocks"])


def test_whats_next_in_two_weeks(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.click("Done", blocks=deliver(bot))
    bot.click("Follow up in 2 weeks")
    assert task(bot, 2).due_at == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


def test_whats_next_custom_opens_a_form(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.click("Done", blocks=deliver(bot))
    bot.click("Custom")
    view = bot.fake.params("views.open")[-1]["view"]
    assert view["callback_id"] == "followup_next_modal"
    past = bot.slack.submit(
        view,
        {"what": {"what": {"value": "Book the QBR"}}, "date": {"date": {"selected_date": "2026-11-20"}}},
    )
    assert "date" in past.json["errors"]
    empty = bot.slack.submit(
        view, {"what": {"what": {"value": "  "}}, "date": {"date": {"selected_date": "2026-12-10"}}}
    )
    assert "what" in empty.json["errors"]
    with bot.db() as s:
        assert len(s.scalars(select(Task)).all()) == 1  # nothing written
    ok = bot.slack.submit(
        view,
        {"what": {"what": {"value": "Book the QBR"}}, "date": {"date": {"selected_date": "2026-12-10"}}},
    )
    assert ok.status == 200 and not ok.json.get("errors")
    nxt = task(bot, 2)
    assert (nxt.title, nxt.due_at, nxt.all_day) == (
        "Book the QBR",
        datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
        True,
    )
    assert bot.last_reply()["replace_original"] is True  # the message the form came from
    assert "Next follow-up set: *Book the QBR*" in bot.last_text()


@pytest.mark.parametrize(
    ("label", "until"),
    [
        ("Snooze 1 hour", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
        ("Snooze till tomorrow", datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
        ("Snooze till next week", datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),
    ],
)
def test_snooze_moves_the_task_and_reminds_again(bot: Harness, label: str, until: datetime) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.click(label, blocks=deliver(bot))
    assert bot.last_reply()["replace_original"] is True
    assert "Snoozed" in bot.last_text()
    assert task(bot).due_at == until
    bot.clock.set(until - timedelta(minutes=1))
    assert dispatch(bot) == []
    bot.clock.set(until)
    assert dispatch(bot)
    assert len(bot.dms("U0ALICE")) == 2


def test_snooze_till_tomorrow_on_friday_skips_the_weekend_and_dst(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 10, 22, 9, 0, tzinfo=UTC))  # Thursday
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal friday 3pm")
    bot.click("Snooze till tomorrow", blocks=deliver(bot))
    assert task(bot).due_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # Monday 9:00 in Paris, winter time


def test_reschedule_moves_to_the_start_of_that_working_day(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: prepare QBR tomorrow 9am for <@U0BOB|bob>")
    dm = deliver(bot, "U0BOB")
    bot.pick_date("followup_reschedule", "2026-12-02", blocks=dm, user="U0BOB")
    assert bot.last_reply()["replace_original"] is True
    assert "Rescheduled" in bot.last_text() and "Wed 2 Dec, 09:00" in bot.last_text()
    moved = task(bot)
    assert moved.due_at == datetime(2026, 12, 2, 14, 0, tzinfo=UTC) and moved.all_day  # 9:00 New York
    bot.clock.set(moved.due_at)
    assert dispatch(bot)
    assert len(bot.dms("U0BOB")) == 2


def test_reschedule_to_a_past_day_keeps_everything(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    dm = deliver(bot)
    bot.pick_date("followup_reschedule", "2026-11-20", blocks=dm)
    assert "in the past" in bot.last_text()
    assert "Done" in bot.last_text()  # the actions are still there
    assert task(bot).due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_open_account_from_the_dm_keeps_the_actions(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.click("Open account", blocks=deliver(bot))
    assert bot.last_reply()["replace_original"] is True
    text = bot.last_text()
    assert "*Status:* customer" in text and "*Open follow-ups*" in text
    bot.click("Done")
    assert task(bot).status == "done"


def test_buttons_on_a_closed_task_say_so(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    dm = deliver(bot)
    bot.command("/followup", "done 1")
    bot.click("Snooze 1 hour", blocks=dm)
    assert "already done" in bot.last_text()
    assert task(bot).due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_a_task_closed_or_moved_before_its_time_sends_nothing(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "Acme Corp: check budget tomorrow 9am")
    bot.command("/followup", "done 1")
    with bot.db() as s:  # moved behind the outbox's back: the renderer still notices
        s.get(Task, 2).due_at = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    report = Dispatcher(bot.services, instance_id="test").run_once()
    assert report.sent == []
    assert bot.dms("U0ALICE") == []
    with bot.db() as s:
        assert {r.status for r in s.scalars(select(Reminder))} == {"cancelled"}


def test_snoozing_back_to_an_earlier_time_queues_again(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "list")
    dm = deliver(bot)
    bot.pick_date("followup_reschedule", "2026-11-26", blocks=dm)
    bot.pick_date("followup_reschedule", "2026-11-25", blocks=dm)
    bot.pick_date("followup_reschedule", "2026-11-26", blocks=dm)
    with bot.db() as s:
        pending = s.scalars(select(Reminder).where(Reminder.status == "pending")).all()
    assert [r.dedupe_key for r in pending] == ["followup_due:1:2026-11-26T08:00:00+00:00#1"]
    bot.clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    assert len(dispatch(bot)) == 1


@pytest.fixture
def channel_bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text("[channels]\nfollowup = true\n")
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def test_account_channel_gets_the_reminder_too_when_configured(channel_bot: Harness) -> None:
    bot = channel_bot
    add_acme(bot, "channel:<#C0ACME|acme-team>")
    bot.command("/followup", "Acme Corp: prepare QBR tomorrow 9am for <@U0BOB|bob>")
    assert "also posted in <#C0ACME>" in bot.last_text()
    bot.clock.set(task(bot).due_at)
    assert len(dispatch(bot)) == 2
    [post] = bot.posts_in("C0ACME")
    assert "<@U0BOB>, follow-up due: *prepare QBR*" in all_text(post["blocks"])
    assert len(bot.dms("U0BOB")) == 1


def test_account_channel_is_quiet_by_default(bot: Harness) -> None:
    add_acme(bot, "channel:<#C0ACME|acme-team>")
    bot.command("/followup", "Acme Corp: prepare QBR tomorrow 9am")
    assert "also posted" not in bot.last_text()
    bot.clock.set(task(bot).due_at)
    assert len(dispatch(bot)) == 1
    assert bot.posts_in("C0ACME") == []
