from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.mornings import morning_due
from bot.playbook import WorkingHours

HOURS = WorkingHours((0, 1, 2, 3, 4), time(8), time(18))  # at work from 08:00: the nudge time decides
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NUDGE = time(8, 30)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_due_from_the_local_nudge_time() -> None:
    assert morning_due(utc(2026, 11, 24, 7, 29), PARIS, HOURS, NUDGE, None) is None
    assert morning_due(utc(2026, 11, 24, 7, 30), PARIS, HOURS, NUDGE, None) == date(2026, 11, 24)
    assert morning_due(utc(2026, 11, 24, 7, 30), NEW_YORK, HOURS, NUDGE, None) is None
    assert morning_due(utc(2026, 11, 24, 13, 30), NEW_YORK, HOURS, NUDGE, None) == date(2026, 11, 24)


def test_once_a_local_day() -> None:
    built = utc(2026, 11, 24, 7, 30)
    assert morning_due(utc(2026, 11, 24, 15), PARIS, HOURS, NUDGE, built) is None
    assert morning_due(utc(2026, 11, 25, 7, 30), PARIS, HOURS, NUDGE, built) == date(2026, 11, 25)


def test_not_on_days_off_nor_after_the_working_day() -> None:
    assert morning_due(utc(2026, 11, 28, 9), PARIS, HOURS, NUDGE, None) is None  # Saturday
    assert morning_due(utc(2026, 11, 24, 17), PARIS, HOURS, NUDGE, None) is None  # 18:00 in Paris
    assert morning_due(utc(2026, 11, 24, 16, 59), PARIS, HOURS, NUDGE, None) == date(2026, 11, 24)


def test_wall_clock_time_across_dst() -> None:
    # Paris moves to summer time on Sunday 28 March 2027: 08:30 is 07:30 UTC before, 06:30 UTC after.
    assert morning_due(utc(2027, 3, 26, 7, 30), PARIS, HOURS, NUDGE, None) == date(2027, 3, 26)
    assert morning_due(utc(2027, 3, 29, 6, 30), PARIS, HOURS, NUDGE, None) == date(2027, 3, 29)
    assert morning_due(utc(2027, 3, 29, 6, 29), PARIS, HOURS, NUDGE, None) is None


def test_never_before_the_working_start() -> None:
    """Someone who starts at 10:00 gets it at 10:00, not at the 08:30 nudge time."""
    ten = WorkingHours((0, 1, 2, 3, 4), time(10), time(18))
    assert morning_due(utc(2026, 11, 24, 7, 30), PARIS, ten, NUDGE, None) is None  # 08:30 in Paris
    assert morning_due(utc(2026, 11, 24, 8, 59), PARIS, ten, NUDGE, None) is None
    assert morning_due(utc(2026, 11, 24, 9, 0), PARIS, ten, NUDGE, None) == date(2026, 11, 24)  # 10:00
    nine = WorkingHours((0, 1, 2, 3, 4), time(9), time(18))
    assert morning_due(utc(2026, 11, 24, 13, 30), NEW_YORK, nine, NUDGE, None) is None  # 08:30 there
    assert morning_due(utc(2026, 11, 24, 14, 0), NEW_YORK, nine, NUDGE, None) == date(2026, 11, 24)
