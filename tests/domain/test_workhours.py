from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.workhours import (
    add_working_days,
    in_working_time,
    is_working_time,
    next_working_start,
    working_day_at,
)
from bot.playbook import Holidays, WorkingHours

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


def test_a_time_set_for_everyone_moves_into_each_persons_working_time() -> None:
    """``in_working_time``: the later of the time and the working start, on a working day, never at night."""
    monday_0830 = datetime(2026, 11, 30, 8, 30, tzinfo=PARIS)
    assert in_working_time(monday_0830, HOURS, PARIS) == datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    ten = WorkingHours((0, 1, 2, 3, 4), time(10), time(18))
    assert in_working_time(monday_0830, ten, PARIS) == datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
    early = WorkingHours((0, 1, 2, 3, 4), time(7), time(18))
    assert in_working_time(monday_0830, early, PARIS) == monday_0830  # at work already: the time itself
    from_tuesday = WorkingHours((1, 2, 3, 4, 5), time(9), time(18))
    assert in_working_time(monday_0830, from_tuesday, PARIS) == datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)
    monday_off = WorkingHours((0, 1, 2, 3, 4), time(7), time(18), Holidays(frozenset({date(2026, 11, 30)})))
    assert in_working_time(monday_0830, monday_off, PARIS) == datetime(2026, 12, 1, 8, 30, tzinfo=PARIS)
    evening = datetime(2026, 11, 30, 19, 0, tzinfo=PARIS)  # after the working day: the next start
    assert in_working_time(evening, HOURS, PARIS) == datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)
    new_york = ZoneInfo("America/New_York")  # the same moment is 02:30 there: their 09:00
    assert in_working_time(monday_0830, HOURS, new_york) == datetime(2026, 11, 30, 9, 0, tzinfo=new_york)
