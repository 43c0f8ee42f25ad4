"""Holidays: the playbook's dates and a country's public holidays, honoured like weekends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.workhours import holiday_of, is_working_time, next_working_start, working_day_at
from bot.playbook import Holidays, PlaybookError, WorkingHours, load_playbook
from bot.storage.models import Task
from tests.helpers import FakeSlack, Harness, all_text, find_button

PARIS = ZoneInfo("Europe/Paris")
HOURS = WorkingHours((0, 1, 2, 3, 4), time(9), time(18), Holidays(frozenset({date(2026, 12, 24)}), "FR"))


def test_holidays_are_not_working_days() -> None:
    assert HOURS.holidays.name(date(2026, 12, 25)) == "Christmas Day"  # FR, from the holidays package
    assert HOURS.holidays.name(date(2026, 12, 24)) == "holiday"  # the playbook's own date
    assert not HOURS.is_working_day(date(2026, 12, 24)) and HOURS.is_working_day(date(2026, 12, 23))
    assert not is_working_time(datetime(2026, 12, 25, 10, 0, tzinfo=PARIS), HOURS, PARIS)
    # Thursday 24 (playbook), Friday 25 (Christmas), then the weekend: Monday 28 at 09:00.
    wed_evening = datetime(2026, 12, 23, 19, 0, tzinfo=PARIS)
    assert next_working_start(wed_evening, HOURS, PARIS) == datetime(2026, 12, 28, 9, 0, tzinfo=PARIS)
    assert working_day_at(wed_evening, time(9), HOURS, PARIS) == datetime(2026, 12, 28, 9, 0, tzinfo=PARIS)
    assert holiday_of(datetime(2026, 12, 25, 9, 0, tzinfo=PARIS), HOURS, PARIS) == (
        "Christmas Day",
        date(2026, 12, 28),
    )
    assert holiday_of(datetime(2026, 12, 23, 9, 0, tzinfo=PARIS), HOURS, PARIS) is None


def test_playbook_reads_and_checks_holidays(tmp_path: Path) -> None:
    config = tmp_path / "salesbot.toml"
    config.write_text('[holidays]\ndates = ["2026-12-24"]\ncountry = "fr"\n')
    hours = load_playbook(config).working_hours
    assert hours.holidays == Holidays(frozenset({date(2026, 12, 24)}), "FR")
    config.write_text('[holidays]\ncountry = "XX"\n')
    with pytest.raises(PlaybookError, match=r"holidays\.country: 'XX'"):
        load_playbook(config)
    config.write_text('[holidays]\ndates = ["24/12"]\n')
    with pytest.raises(PlaybookError, match=r"holidays\.dates: '24/12' is not a date"):
        load_playbook(config)


@pytest.fixture
def bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text('[holidays]\ndates = ["2026-12-24"]\ncountry = "FR"\n')
    harness = Harness.create(fake_slack, session_factory, config_path=str(config))
    harness.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    return harness


def test_a_followup_on_a_holiday_says_so_and_offers_the_next_working_day(bot: Harness) -> None:
    bot.command("/followup", "Acme Corp: send the card 25/12")
    text = bot.last_text()
    assert "Fri 25 Dec is a holiday (Christmas Day)" in text
    bot.click("Move to Mon 28 Dec")
    with bot.db() as s:
        task = s.scalars(select(Task)).one()
    assert task.due_at == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)  # 09:00 Paris
    assert "Rescheduled" in bot.last_text()


def test_a_followup_on_a_working_day_offers_nothing(bot: Harness) -> None:
    bot.command("/followup", "Acme Corp: send the card 23/12")
    assert "holiday" not in bot.last_text()
    with pytest.raises(AssertionError):
        find_button(bot.last_reply()["blocks"], "Move to Mon 28 Dec")


def test_reminders_wait_over_holidays_like_weekends(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 12, 23, 10, 0, tzinfo=UTC))
    bot.command("/followup", "Acme Corp: call back tomorrow 10:00")  # Thursday 24: the playbook's holiday
    bot.clock.set(datetime(2026, 12, 24, 9, 0, tzinfo=UTC))
    assert bot.deliver() == []
    bot.clock.set(datetime(2026, 12, 25, 9, 0, tzinfo=UTC))  # Christmas
    assert bot.deliver() == []
    bot.clock.set(datetime(2026, 12, 28, 8, 0, tzinfo=UTC))  # Monday 09:00 Paris
    assert len(bot.deliver()) == 1
    assert "call back" in all_text(bot.last_dm("U0ALICE")["blocks"])
