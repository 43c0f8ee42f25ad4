from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.domain.workhours import add_working_days, is_working_time, next_working_start, working_day_at
from bot.playbook import WorkingHours

PARIS = ZoneInfo("Europe/Paris")
HOURS = WorkingHours((0, 1, 2, 3, 4), time(9), time(18))


def test_inside_working_hours_is_unchanged() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    assert is_working_time(at, HOURS, PARIS)
    assert next_working_start(at, HOURS, PARIS) == at


def test_friday_evening_waits_for_monday_morning() -> None:
    at = datetime(2026, 11, 27, 19, 30, tzinfo=PARIS)
    assert next_working_start(at, HOURS, PARIS) == datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)


def test_early_morning_waits_for_start_same_day() -> None:
    at = datetime(2026, 11, 24, 6, 0, tzinfo=PARIS)
    assert next_working_start(at, HOURS, PARIS) == datetime(2026, 11, 24, 9, 0, tzinfo=PARIS)


def test_next_working_day_skips_weekend_and_keeps_wall_clock_across_dst() -> None:
    # Friday 27 March 2026; Europe switches to summer time on Sunday 29 March.
    at = datetime(2026, 3, 27, 15, 0, tzinfo=PARIS)
    nxt = working_day_at(at, time(9), HOURS, PARIS)
    assert nxt.astimezone(PARIS).replace(tzinfo=None) == datetime(2026, 3, 30, 9, 0)
    assert nxt.utcoffset().total_seconds() == 7200


def test_add_three_working_days_from_thursday() -> None:
    at = datetime(2026, 11, 26, 11, 0, tzinfo=PARIS)
    assert add_working_days(at, 3, HOURS, PARIS) == datetime(2026, 12, 1, 11, 0, tzinfo=PARIS)
