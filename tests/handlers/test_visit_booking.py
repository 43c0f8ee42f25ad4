"""A visit announced days ahead: its button means "slot booked" (a form asks when); the visit is
logged only when it happens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.storage.models import Activity, Task
from tests.helpers import Harness, all_text

ANNOUNCED = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # Thu 26 Nov, 09:00 in Paris: a week ahead


def announced_visit(bot: Harness) -> dict:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/visit", "Acme Corp on 2026-12-03 10:00")  # Thursday 3 Dec, 10:00 in Paris
    bot.clock.set(ANNOUNCED)
    bot.dispatch()
    message = bot.last_dm("U0ALICE")
    assert "*Visit Acme Corp* due Thu 3 Dec, 10:00 — book the slot" in all_text(message["blocks"])
    return message


def counts(bot: Harness) -> tuple[int, int]:
    """(activities logged, follow-up tasks)"""
    with bot.db() as s:
        activities = s.scalar(select(func.count()).select_from(Activity)) or 0
        followups = s.scalar(select(func.count()).select_from(Task).where(Task.kind == "followup")) or 0
    return activities, followups


def visit_task(bot: Harness) -> Task:
    with bot.db() as s:
        return s.scalars(select(Task).where(Task.kind == "visit")).one()


def test_slot_booked_asks_when_and_the_visit_is_logged_on_the_day(bot: Harness) -> None:
    message = announced_visit(bot)
    bot.click("Slot booked", blocks=message["blocks"])
    view = bot.last_view()
    assert view["callback_id"] == "visit_book_modal"
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["day"]["initial_date"] == "2026-12-03" and elements["time"]["initial_time"] == "10:00"
    assert counts(bot) == (0, 0)  # opening the form logs nothing

    past = bot.slack.submit(
        view, {"day": {"day": {"selected_date": "2026-11-20"}}, "time": {"time": {"selected_time": "10:00"}}}
    )
    assert "day" in past.json["errors"]
    ok = bot.slack.submit(
        view, {"day": {"day": {"selected_date": "2026-12-04"}}, "time": {"time": {"selected_time": "14:30"}}}
    )
    assert ok.status == 200 and not ok.json.get("errors")
    assert bot.last_reply()["replace_original"] is True
    assert "Slot booked: *Visit Acme Corp* on *Fri 4 Dec, 14:30*" in bot.last_text()
    task = visit_task(bot)
    assert task.status == "open" and task.booked_at == datetime(2026, 12, 4, 13, 30, tzinfo=UTC)
    assert task.due_at == task.booked_at and task.occurrence_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert counts(bot) == (0, 0)  # no visit logged, no follow-ups, the plan is where it was
    bot.command("/account", "Acme Corp")
    assert "*Next planned:* Fri 4 Dec, 14:30 (booked)" in bot.last_text()

    bot.clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # the planned day: the visit is booked later
    bot.dispatch()
    assert not any("Today:" in all_text(m["blocks"]) for m in bot.dms("U0ALICE"))
    bot.clock.set(datetime(2026, 12, 4, 8, 0, tzinfo=UTC))  # the booked day, 09:00 in Paris
    bot.dispatch()
    today = bot.last_dm("U0ALICE")
    assert "Today: *Visit Acme Corp* (14:30)" in all_text(today["blocks"])
    bot.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    bot.click("Done", blocks=today["blocks"])
    assert "Logged a *visit*" in bot.last_text()
    assert visit_task(bot).status == "done" and counts(bot)[0] == 1


def test_the_announcements_button_on_the_day_logs_the_visit(bot: Harness) -> None:
    message = announced_visit(bot)
    bot.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))  # Thursday 3 Dec, 11:00 in Paris
    bot.click("Slot booked", blocks=message["blocks"])
    assert bot.fake.params("views.open") == []
    assert "Logged a *visit*" in bot.last_text()
    assert visit_task(bot).status == "done" and counts(bot)[0] == 1
