from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.storage.models import Task
from tests.helpers import Harness, add_task, all_text, buttons

ALICE_MENTION = "<@U0ALICE|alice>"


def add_followup(bot: Harness, title: str, due: datetime, *, assignee: str = "U0ALICE") -> int:
    """A follow-up task as the follow-up feature stores it (the agenda shows every kind)."""
    return add_task(bot, "Acme Corp", title, due, assignee=assignee)


def setup(bot: Harness) -> None:
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE_MENTION}")
    bot.command("/visit", "Acme Corp on 2026-11-24 10:00")  # Tue 24 Nov, 10:00 Paris
    bot.command("/log", "noshow Acme Corp")  # a no-show task, due at the next working start (Tue 09:00)
    add_followup(bot, "Send the product sheet", datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    add_followup(bot, "Send pricing", datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # overdue
    add_followup(bot, "Renewal call prep", datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    add_followup(bot, "Next month", datetime(2026, 12, 20, 9, 0, tzinfo=UTC))


def test_agenda_today(bot: Harness) -> None:
    setup(bot)
    bot.command("/agenda")
    text = bot.last_text()
    assert "Your agenda — today, Mon 23 Nov" in text
    assert "*Overdue*" in text and "Send pricing — *Acme Corp* · Fri 20 Nov, 10:00" in text
    assert "Send the product sheet — *Acme Corp* · 17:00" in text
    assert "Propose 3 new slots" not in text  # tomorrow's
    assert "Visit" not in text and "Renewal call prep" not in text and "Next month" not in text
    assert [b["text"]["text"] for b in buttons(bot.last_reply()["blocks"])] == ["Done"] * 2


def test_agenda_week_groups_by_day(bot: Harness) -> None:
    setup(bot)
    bot.command("/agenda", "week")
    text = bot.last_text()
    assert "Your agenda — this week" in text
    for expected in (
        "*Tue 24 Nov*",
        "Visit *Acme Corp* · 10:00",
        "Propose 3 new slots to *Acme Corp* · 09:00",
        "*Fri 27 Nov*",
        "Renewal call prep",
    ):
        assert expected in text
    assert "Next month" not in text
    assert text.index("*Mon 23 Nov*") < text.index("*Tue 24 Nov*") < text.index("*Fri 27 Nov*")


def test_a_followup_without_a_time_reads_all_day_not_today(bot: Harness) -> None:
    """A day-only follow-up on Wednesday is not "today" (it was, under Wednesday's heading)."""
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE_MENTION}")
    bot.command("/followup", "Acme Corp: call back on 2026-11-25")
    bot.command("/followup", "Acme Corp: check budget today")
    bot.command("/agenda", "week")
    text = bot.last_text()
    assert "*Wed 25 Nov*\n:pushpin: call back — *Acme Corp* · all day" in text
    assert "today" not in text.replace("today, ", "")
    bot.command("/agenda")
    assert "check budget — *Acme Corp* · all day" in bot.last_text()


def test_overdue_visit_shows_up_and_done_logs_it(bot: Harness) -> None:
    setup(bot)
    bot.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    bot.command("/agenda")
    text = bot.last_text()
    assert "Visit *Acme Corp* · Tue 24 Nov, 10:00 :warning: _overdue_" in text
    visit_done = [b for b in buttons(bot.last_reply()["blocks"]) if b["action_id"] == "visit_done"]
    bot.click("Done", blocks=[{"type": "actions", "elements": visit_done}])
    assert "Logged a *visit* with *Acme Corp*" in bot.last_text()
    with bot.db() as s:
        assert s.scalars(select(Task).where(Task.kind == "visit")).one().status == "done"


def test_done_on_a_followup_refreshes_the_agenda(bot: Harness) -> None:
    setup(bot)
    bot.command("/agenda")
    sheet = next(b for b in bot.last_reply()["blocks"] if "Send the product sheet" in all_text([b]))
    bot.click("Done", blocks=[sheet])
    reply = bot.last_reply()
    assert reply.get("replace_original") is True
    assert "Done: *Send the product sheet*" in bot.last_text()
    assert "Send the product sheet — " not in bot.last_text()
    with bot.db() as s:
        assert s.scalars(select(Task).where(Task.title == "Send the product sheet")).one().status == "done"


def test_a_colleagues_agenda_in_their_zone_without_buttons(bot: Harness) -> None:
    setup(bot)
    add_followup(bot, "Call the CFO", datetime(2026, 11, 23, 20, 0, tzinfo=UTC), assignee="U0BOB")
    bot.command("/agenda", "<@U0BOB|bob>")
    text = bot.last_text()
    assert "<@U0BOB>'s agenda" in text and "Call the CFO — *Acme Corp* · 15:00" in text  # New York
    assert "America/New_York" in text and "Send pricing" not in text
    assert buttons(bot.last_reply()["blocks"]) == []


def test_agenda_bad_word(bot: Harness) -> None:
    bot.command("/agenda", "tomorrow")
    assert "I couldn't read “tomorrow”" in bot.last_text() and "/agenda week @bob" in bot.last_text()


def test_app_home_opened_publishes_the_agenda(bot: Harness) -> None:
    setup(bot)
    bot.fake.clear()
    sent = bot.slack.event(
        {"type": "app_home_opened", "user": "U0ALICE", "tab": "home", "channel": "D0ALICE"}
    )
    assert sent.status == 200
    [published] = bot.fake.params("views.publish")
    assert published["user_id"] == "U0ALICE"
    view = published["view"]
    assert view["type"] == "home"
    text = all_text(view["blocks"])
    for expected in (
        "Your agenda",
        "*Overdue*",
        "Send pricing",
        "*This week*",
        "Renewal call prep",
        "Next visits on your accounts",
        "Visit *Acme Corp* · Tue 24 Nov, 10:00",
    ):
        assert expected in text


def test_home_is_refreshed_after_log_and_publish_errors_are_quiet(bot: Harness) -> None:
    setup(bot)
    bot.fake.clear()
    bot.command("/log", "call Acme Corp: checked in")
    published = bot.fake.params("views.publish")
    assert [p["user_id"] for p in published] == ["U0ALICE"]
    bot.fake.fail("views.publish", "not_enabled")
    bot.command("/log", "call Acme Corp: again")
    assert "Logged a *call*" in bot.last_text()


def test_done_from_the_home_republishes_it(bot: Harness) -> None:
    setup(bot)
    bot.slack.event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"})
    view = bot.fake.params("views.publish")[-1]["view"]
    pricing = next(b for b in view["blocks"] if "Send pricing" in all_text([b]))
    before = len(bot.fake.params("views.publish"))
    button = pricing["accessory"]
    bot.slack.block_action(button["action_id"], button["value"], view={"id": "VHOME", "type": "home"})
    assert len(bot.fake.params("views.publish")) == before + 1
    assert "Send pricing" not in all_text(bot.fake.params("views.publish")[-1]["view"]["blocks"])
