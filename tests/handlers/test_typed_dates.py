"""Dates as people write them, through every command that takes one (signed requests end to end).

Now is Monday 23 November 2026, 09:00 UTC: 10:00 for alice (Paris), 04:00 for bob (New York).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.fake_slack import FakeUser
from bot.storage.models import Account, Activity, Opportunity, Task
from tests.helpers import FakeSlack, Harness, buttons


@pytest.fixture
def acme(bot: Harness) -> Harness:
    bot.command("/account", "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice>")
    return bot


def logged_at(bot: Harness) -> datetime:
    with bot.db() as s:
        return s.scalars(select(Activity.occurred_at).order_by(Activity.id.desc())).first()


def due_of_last_task(bot: Harness) -> tuple[datetime, bool]:
    with bot.db() as s:
        task = s.scalars(select(Task).order_by(Task.id.desc())).first()
        return task.due_at, task.all_day


def test_log_reads_day_first_dates_and_french_hours(acme: Harness) -> None:
    acme.command("/log", "call Acme Corp 20/11 14h: pricing for 20 seats")
    assert ":white_check_mark:" in acme.last_text() or "Logged" in acme.last_text()
    assert logged_at(acme) == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 14:00 Paris
    acme.command("/log", "email Acme Corp 21.11. at 9: sent the deck")
    assert logged_at(acme) == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def test_someone_in_the_us_without_a_locale_writes_month_first(acme: Harness) -> None:
    acme.command("/log", "call Acme Corp 11/20 2pm: pricing", user="U0BOB")
    assert logged_at(acme) == datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 14:00 New York


def test_the_slack_locale_decides_before_the_zone(fake_slack: FakeSlack, acme: Harness) -> None:
    fake_slack.add_user(FakeUser("U0DAN", "dan", tz="America/New_York", locale="en-GB"))
    fake_slack.add_user(FakeUser("U0EVE", "eve", tz="Europe/Paris", locale="en-US"))
    acme.command("/log", "call Acme Corp 10/11 2pm: x", user="U0DAN")
    assert logged_at(acme) == datetime(2026, 11, 10, 19, 0, tzinfo=UTC)  # 10 November
    acme.command("/log", "call Acme Corp 10/11 2pm: x", user="U0EVE")
    assert logged_at(acme) == datetime(2026, 10, 11, 12, 0, tzinfo=UTC)  # October 11
    [call] = [c for c in fake_slack.params("users.info") if c.get("user") == "U0EVE"][:1]
    assert str(call.get("include_locale")).lower() in ("1", "true")


def test_the_playbook_date_order_wins(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text('[locale]\ndate_order = "MDY"\n')
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/log", "call Acme Corp 11/20 14:00: x")  # alice is in Paris, the team writes 11/20
    assert logged_at(bot) == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "due_utc", "all_day"),
    [
        ("tomorrow at 2", datetime(2026, 11, 24, 13, 0), False),
        ("14h", datetime(2026, 11, 23, 13, 0), False),
        ("2pm", datetime(2026, 11, 23, 13, 0), False),
        ("Monday 9", datetime(2026, 11, 30, 8, 0), False),
        ("end of month", datetime(2026, 11, 30, 8, 0), True),
        ("end of quarter", datetime(2026, 12, 31, 8, 0), True),
        ("in 3 weeks", datetime(2026, 12, 14, 8, 0), True),
        ("next Tuesday", datetime(2026, 11, 24, 8, 0), True),
        ("31/12", datetime(2026, 12, 31, 8, 0), True),
        ("31.12.", datetime(2026, 12, 31, 8, 0), True),
        ("31/12/2026 10:30", datetime(2026, 12, 31, 9, 30), False),
    ],
)
def test_followup_takes_the_same_forms(acme: Harness, when: str, due_utc: datetime, all_day: bool) -> None:
    acme.command("/followup", f"Acme Corp: send the proposal {when}")
    assert due_of_last_task(acme) == (due_utc.replace(tzinfo=UTC), all_day), acme.last_text()


def test_visit_and_opportunity_close_take_the_same_forms(acme: Harness) -> None:
    acme.command("/visit", "Acme Corp on 31/12 at 10")
    assert "Thu 31 Dec, 10:00" in acme.last_text(), acme.last_text()
    acme.command("/opportunity", 'add Acme Corp upsell "20 seats" close:"end of quarter"')
    acme.command("/opportunity", "add Acme Corp cross-sell support close:31/01")
    with acme.db() as s:
        closes = list(s.scalars(select(Opportunity.close_date).order_by(Opportunity.id)))
    assert closes == [date(2026, 12, 31), date(2027, 1, 31)]


@pytest.mark.parametrize(
    ("command", "text", "named"),
    [
        ("/log", "call Acme Corp 25:00: bad time", "“25:00” is not a time of day"),
        ("/log", "call Initech 25:00: bad time", "“25:00” is not a time of day"),
        ("/log", "call Acme Corp tomorrow 13pm: x", "“13pm” is not a time of day"),
        ("/followup", "Acme Corp: call back tomorrow 25:00", "“25:00” is not a time of day"),
        ("/followup", "Acme Corp 25:00: call back tomorrow", "“25:00” is not a time of day"),
        ("/visit", "Acme Corp on 31/02", "31/02 is not a real date (day/month)"),
        ("/opportunity", "add Acme Corp upsell seats close:31/02", "31/02 is not a real date"),
    ],
)
def test_a_time_that_is_not_a_time_is_named_and_nothing_is_written(
    acme: Harness, command: str, text: str, named: str
) -> None:
    before = (acme.count(Account), acme.count(Activity), acme.count(Task), acme.count(Opportunity))
    acme.command(command, text)
    reply = acme.last_reply()
    assert named in acme.last_text()
    assert "Example:" in acme.last_text()
    assert not [b for b in buttons(reply.get("blocks")) if "Create" in str(b.get("text"))]
    assert (acme.count(Account), acme.count(Activity), acme.count(Task), acme.count(Opportunity)) == before
