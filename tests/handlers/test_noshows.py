from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.storage.models import Activity, Reminder, Task
from tests.helpers import Harness, all_text

ALICE_MENTION = "<@U0ALICE|alice>"
# Monday 23 Nov 2026, 10:00 in Paris + 3 working days = Thursday 26 Nov, 10:00 Paris.
CHASE_AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def setup_account(bot: Harness, extra: str = "") -> None:
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE_MENTION} {extra}".strip())


def noshow_tasks(bot: Harness) -> list[Task]:
    with bot.db() as s:
        return list(s.scalars(select(Task).where(Task.kind == "noshow").order_by(Task.id)))


def texts(messages: list[dict]) -> list[str]:
    return [all_text(m.get("blocks")) or m.get("text", "") for m in messages]


def test_noshow_command_creates_a_task_dm_and_chase(bot: Harness) -> None:
    setup_account(bot, "channel:<#C0ACME|acme-team>")
    bot.command("/log", "noshow Acme Corp: nobody at reception")
    reply = bot.last_text()
    assert "No-show noted (1 for this account). Task for you: Propose 3 new slots to Acme Corp." in reply
    assert ":no_entry_sign: Logged a *no-show* with *Acme Corp*" in reply
    [task] = noshow_tasks(bot)
    assert task.assignee_id == "U0ALICE" and task.status == "open"
    assert task.due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # the next working start: Tue 09:00 Paris
    with bot.db() as s:
        assert s.scalars(select(Activity)).one().type == "noshow"

    bot.dispatch()  # right away
    [dm] = texts(bot.dms("U0ALICE"))
    assert "No-show at *Acme Corp*. Propose 3 new slots to Acme Corp." in dm

    bot.clock.set(CHASE_AT.replace(minute=0, hour=8))
    bot.dispatch()
    assert len(bot.dms("U0ALICE")) == 1  # not yet
    bot.clock.set(CHASE_AT)
    assert len(bot.dispatch().sent) == 2  # DM and the account's channel
    assert (
        "Still no new meeting with *Acme Corp* since the no-show on Mon 23 Nov"
        in texts(bot.dms("U0ALICE"))[-1]
    )
    [post] = [p for p in bot.fake.params("chat.postMessage") if p["channel"] == "C0ACME"]
    assert post["text"].startswith(":hourglass: <@U0ALICE> Still no new meeting")


def test_no_chase_when_a_meeting_was_logged(bot: Harness) -> None:
    setup_account(bot)
    bot.command("/log", "no-show Acme Corp")
    bot.dispatch()
    bot.clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    bot.command("/log", "meeting Acme Corp: rebooked and met")
    assert "No-show follow-up closed" in bot.last_text()
    assert noshow_tasks(bot)[0].status == "done"
    bot.clock.set(CHASE_AT)
    bot.dispatch()
    assert not any("Still no new meeting" in t for t in texts(bot.dms("U0ALICE")))
    with bot.db() as s:
        chase = s.scalars(select(Reminder).where(Reminder.kind == "noshow_chase")).one()
        assert chase.status == "cancelled"


def test_chase_checks_again_when_due(bot: Harness) -> None:
    """Even if the task was marked done, the chase is called off only by a new meeting."""
    setup_account(bot)
    bot.command("/log", "noshow Acme Corp")
    bot.dispatch()
    bot.click("Done", blocks=bot.dms("U0ALICE")[-1]["blocks"])
    assert "Done: *Propose 3 new slots to Acme Corp*" in bot.last_text()
    bot.clock.set(CHASE_AT)
    bot.dispatch()
    assert "Still no new meeting" in texts(bot.dms("U0ALICE"))[-1]


def test_undoing_the_noshow_cancels_task_and_chase(bot: Harness) -> None:
    setup_account(bot)
    bot.command("/log", "noshow Acme Corp")
    bot.click("Undo")
    assert noshow_tasks(bot)[0].status == "cancelled"
    bot.clock.set(CHASE_AT)
    bot.dispatch()
    assert bot.dms("U0ALICE") == []
    bot.command("/account", "Acme Corp")
    assert "*No-shows:* 0" in bot.last_text()


def test_noshow_button_on_a_visit_reminder(bot: Harness) -> None:
    setup_account(bot)
    bot.command("/visit", "Acme Corp on 2026-11-24 11:00")
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    bot.dispatch()
    reminder = bot.dms("U0ALICE")[-1]
    assert "Today: *Visit Acme Corp* (11:00)" in all_text(reminder["blocks"])
    bot.clock.set(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
    bot.click("No-show", blocks=reminder["blocks"])
    assert "No-show noted" in bot.last_text()
    [task] = noshow_tasks(bot)
    assert task.title == "Propose 3 new slots to {account}"
    assert task.due_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday 09:00 Paris: in the future
    with bot.db() as s:
        visit = s.scalars(select(Task).where(Task.kind == "visit")).one()
        assert visit.status == "noshow"  # that occurrence is closed; the rebooking is the task
    bot.click("No-show", blocks=reminder["blocks"])  # pressed again: still one no-show, one task
    assert "already closed as a no-show" in bot.last_text()
    assert len(noshow_tasks(bot)) == 1
    bot.command("/agenda", "week")
    agenda = bot.last_text()
    assert "Visit" not in agenda and "Propose 3 new slots to *Acme Corp*" in agenda
    bot.command("/account", "Acme Corp")
    card = bot.last_text()
    assert "*Next planned:* —" in card and "*No-shows:* 1" in card
    bot.dispatch()
    assert "Propose 3 new slots" in texts(bot.dms("U0ALICE"))[-1]
    # Rebooked and visited: the no-show is closed, no chase.
    bot.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    bot.command("/log", "visit Acme Corp")
    assert "No-show follow-up closed" in bot.last_text()
    bot.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    bot.dispatch()
    assert not any("Still no new meeting" in t for t in texts(bot.dms("U0ALICE")))


def test_noshows_are_counted_on_the_card(bot: Harness) -> None:
    setup_account(bot)
    bot.command("/log", "noshow Acme Corp")
    bot.command("/log", "noshow Acme Corp")
    assert "No-show noted (2 for this account)" in bot.last_text()
    bot.command("/account", "Acme Corp")
    assert "*No-shows:* 2" in bot.last_text()


def test_noshow_on_a_recurring_meeting_moves_the_plan_to_its_next_occurrence(bot: Harness) -> None:
    setup_account(bot)
    bot.command("/visit", "Acme Corp every week on tuesday 11:00")
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 Paris: the day's reminder
    bot.dispatch()
    reminder = bot.dms("U0ALICE")[-1]
    assert "Today: *Visit Acme Corp* (11:00)" in all_text(reminder["blocks"])
    bot.clock.set(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
    bot.click("No-show", blocks=reminder["blocks"])
    bot.command("/account", "Acme Corp")
    assert "*Next planned:* Tue 1 Dec, 11:00" in bot.last_text()
    bot.run_planning()  # the planning pass agrees: nothing comes back for the missed Tuesday
    with bot.db() as s:
        visits = list(s.scalars(select(Task).where(Task.kind == "visit").order_by(Task.id)))
        assert [v.status for v in visits] == ["noshow", "open"]
        assert visits[1].occurrence_at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    [task] = noshow_tasks(bot)
    assert task.due_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_noshow_on_a_tier_visit_is_not_planned_again(bot: Harness) -> None:
    setup_account(bot, "tier:gold")
    bot.run_planning()
    with bot.db() as s:
        visit = s.scalars(select(Task).where(Task.kind == "visit")).one()
        task_id, due = visit.id, visit.due_at
    bot.clock.set(due)
    bot.dispatch()
    reminder = [m for m in bot.dms("U0ALICE") if "Today:" in all_text(m.get("blocks"))][-1]
    bot.click("No-show", blocks=reminder["blocks"])
    bot.run_planning()
    bot.run_planning()
    with bot.db() as s:
        statuses = [t.status for t in s.scalars(select(Task).where(Task.kind == "visit"))]
        missed = s.get(Task, task_id)
        assert missed is not None and missed.status == "noshow"
    assert statuses == ["noshow"]  # the same occurrence is not planned again before the rebooked visit
    assert len(noshow_tasks(bot)) == 1
