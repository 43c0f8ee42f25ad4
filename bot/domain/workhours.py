"""Working hours: when a person can be disturbed. Pure functions over aware datetimes.

Every function takes and returns aware datetimes; the computation happens in ``tz`` (the person's
zone) so "9:00 on the next working day" is 9:00 on their wall clock, DST or not.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.dates import local_datetime
from bot.playbook import WorkingHours


def is_working_time(at: datetime, hours: WorkingHours, tz: ZoneInfo) -> bool:
    local = at.astimezone(tz)
    return hours.is_working_day(local.date()) and hours.start <= local.time() < hours.end


def next_working_start(at: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """``at`` itself if it is within working hours, else the next start of a working day."""
    if is_working_time(at, hours, tz):
        return at
    local = at.astimezone(tz)
    day = local.date()
    if hours.is_working_day(day) and local.time() < hours.start:
        return local_datetime(day, hours.start, tz)
    for _ in range(60):  # a long holiday season still ends
        day += timedelta(days=1)
        if hours.is_working_day(day):
            return local_datetime(day, hours.start, tz)
    return at  # no working days configured: deliver as is


def in_working_time(at: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """A time set for everyone (the weekly digest's ``at``) moved into one person's working time: on
    their first working day from ``at``'s local day, at the later of ``at``'s wall-clock time and their
    working start (08:30 → 10:00 for someone who starts at 10:00); past their working end, their next
    working start. Never earlier than ``at``."""
    local = at.astimezone(tz)
    day = local.date()
    for _ in range(60):  # a long holiday season still ends
        if hours.is_working_day(day) or not hours.days:
            break
        day += timedelta(days=1)
    moment = local_datetime(day, max(local.time(), hours.start), tz)
    return next_working_start(max(moment, at), hours, tz)


def working_day_at(
    at: datetime, when: time, hours: WorkingHours, tz: ZoneInfo, *, days_ahead: int = 1
) -> datetime:
    """``when`` o'clock on the ``days_ahead``-th working day after ``at`` (1 = the next working day)."""
    day = at.astimezone(tz).date()
    counted = 0
    for _ in range(7 * (days_ahead + 2) + 30):
        day += timedelta(days=1)
        if hours.is_working_day(day) or not hours.days:
            counted += 1
            if counted >= days_ahead:
                break
    return local_datetime(day, when, tz)


def add_working_days(at: datetime, days: int, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The same wall-clock time ``days`` working days after ``at`` (weekends and days off skipped)."""
    return working_day_at(at, at.astimezone(tz).time().replace(tzinfo=None), hours, tz, days_ahead=days)


def holiday_of(at: datetime, hours: WorkingHours, tz: ZoneInfo) -> tuple[str, date] | None:
    """(the holiday's name, the next working day) when ``at`` falls on a holiday in ``tz``."""
    day = at.astimezone(tz).date()
    name = hours.holidays.name(day)
    if name is None:
        return None
    after = next_working_start(local_datetime(day + timedelta(days=1), time(0), tz), hours, tz)
    return name, after.astimezone(tz).date()


def start_of_working_day(day_at: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The working start on the local day of ``day_at`` (for "a day without a time")."""
    return local_datetime(day_at.astimezone(tz).date(), hours.start, tz)


def next_working_start_after(at: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The next start of a working day strictly after ``at`` (tomorrow's, when ``at`` is at work)."""
    start = next_working_start(at, hours, tz)
    if start > at:
        return start
    return working_day_at(at, hours.start, hours, tz, days_ahead=1)
