"""Visit cadences: how often an account should be seen, and whether it is overdue. Pure functions.

A cadence is an RFC 5545 rule ("FREQ=MONTHLY;INTERVAL=4"). For "is it overdue?" only its period
matters: the next visit is due one period after the last one. The period is added with
``relativedelta`` so a visit on 31 January is due on 31 May (or the last day of a shorter month),
where stepping the rule's own occurrences from that day would skip the months without a 31st.

The morning pass asks these questions for every account; ``next_due`` and ``span_text`` give exactly
what ``relativedelta`` gives, with plain calendar arithmetic (``_days_after``) instead of building a
``relativedelta`` per account.
"""

from __future__ import annotations

import re
from calendar import isleap
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

_UNITS = {"YEARLY": "years", "MONTHLY": "months", "WEEKLY": "weeks", "DAILY": "days"}
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_SINGULAR = {"years": "year", "months": "month", "weeks": "week", "days": "day"}


@dataclass(frozen=True)
class Cadence:
    every: relativedelta
    label: str  # "every 4 months"


@lru_cache(maxsize=1024)
def parse_cadence(rule: str) -> Cadence:
    """The period of an RRULE. Raises ``ValueError`` for an invalid rule or a sub-daily frequency.
    (Cached: the morning pass asks for the same few rules for thousands of accounts.)"""
    rrulestr(rule)  # validates the whole rule, BYDAY and all
    text = rule.upper()
    freq = re.search(r"FREQ=([A-Z]+)", text)
    if freq is None or freq.group(1) not in _UNITS:
        raise ValueError(f"a visit cadence needs FREQ=YEARLY, MONTHLY, WEEKLY or DAILY: {rule!r}")
    interval_match = re.search(r"INTERVAL=(\d+)", text)
    interval = int(interval_match.group(1)) if interval_match else 1
    if interval < 1:
        raise ValueError(f"INTERVAL must be 1 or more: {rule!r}")
    unit = _UNITS[freq.group(1)]
    label = f"every {_SINGULAR[unit]}" if interval == 1 else f"every {interval} {unit}"
    return Cadence(relativedelta(**{unit: interval}), label)


def next_due(last: datetime | None, anchor: datetime, cadence: Cadence) -> datetime:
    """When the next visit is due: one period after the last one, or after ``anchor`` if never.
    (``(last or anchor) + cadence.every``, the same datetime.)"""
    start = last or anchor
    every = cadence.every
    return start + timedelta(days=_days_after(start.date(), every.years * 12 + every.months, every.days))


def is_overdue(last: datetime | None, anchor: datetime, cadence: Cadence, now: datetime) -> bool:
    return now >= next_due(last, anchor, cadence)


class OverdueCheck:
    """``is_overdue`` at one ``now`` for many accounts of one cadence.

    A start (the last visit, else the anchor) at or before ``now - every`` in UTC is overdue
    whatever the month ends: adding a period never moves a day past the day it came from, so a
    day and time at or before that one lands at or before ``now``. Only the later starts, the few
    within a period of ``now``, are computed.
    """

    __slots__ = ("cadence", "now", "surely")

    def __init__(self, cadence: Cadence, now: datetime) -> None:
        self.cadence, self.now = cadence, now
        every = cadence.every
        whole = not (every.years or every.months) or not every.days  # months or days, not both
        self.surely: datetime | None = now.astimezone(UTC) - every if whole else None

    def __call__(self, last: datetime | None, anchor: datetime) -> bool:
        start = last or anchor
        if self.surely is not None and start.tzinfo is UTC and start <= self.surely:
            return True
        return is_overdue(last, anchor, self.cadence, self.now)


def span_text(start: datetime, end: datetime) -> str:
    """A human length of time: "5 months", "2 years", "3 weeks", "1 day"."""
    months = months_between(start, end)
    if months >= 24:
        return _plural(months // 12, "year")
    if months >= 1:
        return _plural(months, "month")
    days = (end - start).days
    if days >= 14:
        return _plural(days // 7, "week")
    return _plural(max(days, 0), "day")


def months_between(start: datetime, end: datetime) -> int:
    """Whole months from ``start`` to ``end``: ``relativedelta(end, start)``'s years * 12 + months
    (the same steps: the difference of the calendar months, then back one while overshot)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end < start:
        while end > _plus_months(start, months):
            months += 1
    else:
        while end < _plus_months(start, months):
            months -= 1
    return months


def _plus_months(at: datetime, months: int) -> datetime:
    """``at + relativedelta(months=months)``: the same wall time on the shifted day (fold 0)."""
    return at + timedelta(days=_days_after(at.date(), months, 0))


def _days_after(day: date, months: int, days: int) -> int:
    """How many days ``relativedelta(months=months, days=days)`` moves ``day``: to the same day
    ``months`` later (the last day of a shorter month), then ``days`` more. Adding that many days to
    a datetime on ``day`` gives what adding the ``relativedelta`` gives: the same wall time in the
    same zone, with ``fold`` 0."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    last = 29 if month == 2 and isleap(year) else _MONTH_DAYS[month]
    shifted = date(year, month, min(day.day, last))
    return shifted.toordinal() - day.toordinal() + days


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
