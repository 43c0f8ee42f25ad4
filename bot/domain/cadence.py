"""Visit cadences: how often an account should be seen, and whether it is overdue. Pure functions.

A cadence is an RFC 5545 rule ("FREQ=MONTHLY;INTERVAL=4"). For "is it overdue?" only its period
matters: the next visit is due one period after the last one. The period is added with
``relativedelta`` so a visit on 31 January is due on 31 May (or the last day of a shorter month),
where stepping the rule's own occurrences from that day would skip the months without a 31st.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

_UNITS = {"YEARLY": "years", "MONTHLY": "months", "WEEKLY": "weeks", "DAILY": "days"}
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
    """When the next visit is due: one period after the last one, or after ``anchor`` if never."""
    return (last or anchor) + cadence.every


def is_overdue(last: datetime | None, anchor: datetime, cadence: Cadence, now: datetime) -> bool:
    return now >= next_due(last, anchor, cadence)


def span_text(start: datetime, end: datetime) -> str:
    """A human length of time: "5 months", "2 years", "3 weeks", "1 day"."""
    rd = relativedelta(end, start)
    months = rd.years * 12 + rd.months
    if months >= 24:
        return _plural(months // 12, "year")
    if months >= 1:
        return _plural(months, "month")
    days = (end - start).days
    if days >= 14:
        return _plural(days // 7, "week")
    return _plural(max(days, 0), "day")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
