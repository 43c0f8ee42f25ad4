"""The morning's account conditions (overdue on the visit cadence, gone quiet) come from one
aggregate in the database, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.nudge_sources import account_conditions
from tests.helpers import Harness

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def conditions(bot: Harness, now: datetime) -> list[tuple[str, str, str]]:
    with bot.db() as s:
        return [(i.kind, i.user_id, i.line) for i in account_conditions(s, bot.services, now)]


def test_overdue_and_quiet_accounts_per_owner(db_bot: Harness) -> None:
    bot = db_bot
    bot.clock.set(START)
    bot.command("/account", "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex tier:silver status:prospect owner:<@U0BOB|bob>")
    bot.command("/account", "add Initech tier:gold status:customer owner:<@U0BOB|bob>")
    bot.clock.set(START + timedelta(days=120))
    bot.command("/log", "meeting Globex: pricing review", user="U0BOB")
    bot.command("/log", "visit Initech: on site", user="U0BOB")
    now = START + timedelta(days=130)
    assert conditions(bot, now) == [
        (
            "overdue_visit",
            "U0ALICE",
            "*Acme Corp* (gold) no visit logged since it was added 4 months ago; plan: every 4 months",
        ),
        (
            "inactive",
            "U0ALICE",
            "*Acme Corp* (customer) no activity logged since it was added 130 days ago; nudge after 45",
        ),
    ]
    # A day short of four months after the Initech visit: not yet; on the day: overdue.
    visit = START + timedelta(days=120)
    assert [k for k, u, _ in conditions(bot, visit + timedelta(days=121)) if u == "U0BOB"] == [
        "inactive",
        "inactive",
    ]
    due = [k for k, u, _ in conditions(bot, visit + timedelta(days=123)) if u == "U0BOB"]
    assert due == ["overdue_visit", "inactive", "inactive"]
