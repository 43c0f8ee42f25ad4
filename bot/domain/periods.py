"""Reporting periods in a person's own time zone: a week runs Monday 00:00 to Monday 00:00 where they
live, a month, quarter or year from its first day at 00:00. Targets given per one unit are compared
pro rata on another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.domain.errors import UserError

UNITS = ("week", "month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
DAYS_PER_MONTH = 365.25 / 12
PERIOD_EXAMPLE = "/stats week  (or month, quarter, year, last week, 2026-Q4, 2026-11, 2026-W48, 2026)"

_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$", re.I)
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    unit: str  # week | month | quarter | year
    first: date  # the first local day
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.next_first, time(0), self.tz)

    @property
    def next_first(self) -> date:
        if self.unit == "week":
            return self.first + timedelta(days=7)
        return self.first + relativedelta(months=MONTHS_IN[self.unit])

    @property
    def days(self) -> int:
        return (self.next_first - self.first).days

    def previous(self) -> Period:
        if self.unit == "week":
            return Period("week", self.first - timedelta(days=7), self.tz)
        return Period(self.unit, self.first - relativedelta(months=MONTHS_IN[self.unit]), self.tz)

    def following(self) -> Period:
        return Period(self.unit, self.next_first, self.tz)

    @property
    def label(self) -> str:
        if self.unit == "week":
            iso = self.first.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.unit == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        if self.unit == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return str(self.first.year)

    @property
    def title(self) -> str:
        """``week of Mon 23 Nov 2026``, ``November 2026``, ``2026-Q4``, ``2026``."""
        if self.unit == "week":
            return f"week of {self.first.strftime('%a %d %b %Y')}"
        if self.unit == "month":
            return self.first.strftime("%B %Y")
        return self.label

    @property
    def previous_name(self) -> str:
        return {"week": "last week", "month": "last month", "quarter": "last quarter", "year": "last year"}[
            self.unit
        ]


def containing(unit: str, day: date, tz: ZoneInfo) -> Period:
    """The period of ``unit`` that holds the local ``day``."""
    if unit == "week":
        return Period("week", day - timedelta(days=day.weekday()), tz)
    if unit == "month":
        return Period("month", day.replace(day=1), tz)
    if unit == "quarter":
        return Period("quarter", date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), tz)
    return Period("year", date(day.year, 1, 1), tz)


def current(unit: str, now: datetime, tz: ZoneInfo) -> Period:
    return containing(unit, now.astimezone(tz).date(), tz)


def last_full(unit: str, now: datetime, tz: ZoneInfo) -> Period:
    return current(unit, now, tz).previous()


def parse_period(text: str, now: datetime, tz: ZoneInfo, *, example: str = PERIOD_EXAMPLE) -> Period:
    """``week``, ``month``, ``quarter``, ``year`` (the current one), ``last week`` …, ``2026-Q4``,
    ``2026-11``, ``2026-W48``, ``2026``."""
    words = text.lower().split()
    if len(words) == 2 and words[0] in ("last", "previous") and words[1] in UNITS:
        return last_full(words[1], now, tz)
    if len(words) == 2 and words[0] == "this" and words[1] in UNITS:
        return current(words[1], now, tz)
    if len(words) == 1:
        word = words[0]
        if word in UNITS:
            return current(word, now, tz)
        if m := _QUARTER.match(word):
            return Period("quarter", date(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1), tz)
        if (m := _MONTH.match(word)) and 1 <= int(m.group(2)) <= 12:
            return Period("month", date(int(m.group(1)), int(m.group(2)), 1), tz)
        if m := _WEEK.match(word):
            try:
                monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                pass
            else:
                return Period("week", monday, tz)
        if _YEAR.match(word):
            return Period("year", date(int(word), 1, 1), tz)
    raise UserError(f"I don't know the period “{text}”.", example)


def is_period_word(text: str) -> bool:
    """Could ``text`` (one token) be a period? For telling periods from other words in a command."""
    word = text.lower()
    return bool(
        word in UNITS
        or word in ("last", "this", "previous")
        or _QUARTER.match(word)
        or _MONTH.match(word)
        or _WEEK.match(word)
        or _YEAR.match(word)
    )


def pro_rata(amount: float, per: str, period: Period) -> float:
    """A target of ``amount`` per ``per`` over ``period``: exact between months, quarters and years,
    by days otherwise (a month counts 365.25 / 12 days)."""
    if per == period.unit:
        return amount
    if per in MONTHS_IN and period.unit in MONTHS_IN:
        return amount * MONTHS_IN[period.unit] / MONTHS_IN[per]
    unit_days = 7.0 if per == "week" else MONTHS_IN[per] * DAYS_PER_MONTH
    return amount * period.days / unit_days
