"""Natural dates and times as people type them, in their own time zone.

``parse_when("yesterday 3pm", now)`` and friends return a ``When``: an aware local datetime and
whether a time of day was given (a bare day is returned at midnight with ``has_time=False``;
callers decide what a day means, e.g. the start of the working day for a reminder). Every token
must be understood, so the parser can also find where an account name ends and a date begins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

Prefer = Literal["past", "future"]

WEEKDAY_NAMES = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
MONTH_NAMES = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
UNITS = {
    "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes",
    "hour": "hours", "hours": "hours", "h": "hours", "hr": "hours", "hrs": "hours",
    "day": "days", "days": "days", "d": "days", "week": "weeks", "weeks": "weeks", "w": "weeks",
    "month": "months", "months": "months", "year": "years", "years": "years",
}  # fmt: skip
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}  # fmt: skip

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class DateParseError(ValueError):
    pass


@dataclass(frozen=True)
class When:
    at: datetime  # aware, in the person's zone
    has_time: bool


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The wall-clock time ``at`` on ``day`` in ``tz``; a time skipped by DST moves forward."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    # Round-trip through UTC: a non-existent local time (spring forward) comes back shifted.
    return aware.astimezone(ZoneInfo("UTC")).astimezone(tz)


def _parse_time(tokens: list[str]) -> tuple[time, int] | None:
    """A time at the start of ``tokens``: ``3pm``, ``3 pm``, ``15:00``, ``at 9:30am``, ``noon``."""
    i = 0
    if tokens and tokens[0] == "at":
        i = 1
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok in ("noon", "midday"):
        return time(12, 0), i + 1
    if tok == "midnight":
        return time(0, 0), i + 1
    candidate, used = tok, 1
    if i + 1 < len(tokens) and tokens[i + 1] in ("am", "pm", "a.m.", "p.m."):
        candidate, used = tok + tokens[i + 1], 2
    m = _TIME.match(candidate)
    if not m:
        return None
    hour, minute, suffix = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if suffix is None and m.group(2) is None:
        return None  # a bare number is not a time
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute), i + used


def _parse_day(tokens: list[str], today: date, prefer: Prefer) -> tuple[date, int] | None:
    """A day at the start of ``tokens``."""
    if not tokens:
        return None
    tok = tokens[0]
    if tok == "on" and len(tokens) > 1:
        found = _parse_day(tokens[1:], today, prefer)
        return (found[0], found[1] + 1) if found else None
    if tok == "today":
        return today, 1
    if tok == "yesterday":
        return today - timedelta(days=1), 1
    if tok == "tomorrow":
        return today + timedelta(days=1), 1
    if m := _ISO_DATE.match(tok):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), 1
        except ValueError as exc:
            raise DateParseError(f"{tok} is not a real date") from exc
    if m := _DMY.match(tok):
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))), 1
        except ValueError as exc:
            raise DateParseError(f"{tok} is not a real date (day/month/year)") from exc
    if tok in ("last", "next", "this") and len(tokens) > 1:
        nxt = tokens[1]
        if nxt in WEEKDAY_NAMES:
            wd = WEEKDAY_NAMES[nxt]
            if tok == "last":
                delta = (today.weekday() - wd) % 7 or 7
                return today - timedelta(days=delta), 2
            delta = (wd - today.weekday()) % 7
            if tok == "next" and delta == 0:
                delta = 7
            return today + timedelta(days=delta), 2
        if nxt in ("week", "month") and tok == "next":
            if nxt == "week":
                return today + timedelta(days=7 - today.weekday()), 2  # next Monday
            return (today.replace(day=1) + relativedelta(months=1)), 2
        if nxt in ("week", "month") and tok == "last":
            return (today - timedelta(days=7 if nxt == "week" else 30)), 2
    if tok in WEEKDAY_NAMES:
        wd = WEEKDAY_NAMES[tok]
        if prefer == "past":
            return today - timedelta(days=(today.weekday() - wd) % 7), 1
        return today + timedelta(days=(wd - today.weekday()) % 7 or 7), 1
    if tok in MONTH_NAMES and len(tokens) > 1 and tokens[1].rstrip(",").isdigit():
        return _month_day(MONTH_NAMES[tok], int(tokens[1].rstrip(",")), tokens[2:], today, prefer, 2)
    if tok.isdigit() and len(tokens) > 1 and tokens[1] in MONTH_NAMES:
        return _month_day(MONTH_NAMES[tokens[1]], int(tok), tokens[2:], today, prefer, 2)
    return None


def _month_day(
    month: int, day: int, rest: list[str], today: date, prefer: Prefer, used: int
) -> tuple[date, int]:
    if rest and re.fullmatch(r"\d{4}", rest[0]):
        try:
            return date(int(rest[0]), month, day), used + 1
        except ValueError as exc:
            raise DateParseError("that is not a real date") from exc
    try:
        candidate = date(today.year, month, day)
    except ValueError as exc:
        raise DateParseError("that is not a real date") from exc
    if prefer == "future" and candidate < today:
        candidate = date(today.year + 1, month, day)
    if prefer == "past" and candidate > today:
        candidate = date(today.year - 1, month, day)
    return candidate, used


def _parse_relative(tokens: list[str], now: datetime) -> tuple[datetime, bool, int] | None:
    """``in 3 days``, ``in 2 weeks``, ``3 days ago``, ``in an hour``."""
    if len(tokens) >= 3 and tokens[0] == "in":
        amount, unit = _amount(tokens[1]), UNITS.get(tokens[2])
        if amount is not None and unit:
            return _shift(now, unit, amount), unit in ("minutes", "hours"), 3
    if len(tokens) >= 3 and tokens[2] == "ago":
        amount, unit = _amount(tokens[0]), UNITS.get(tokens[1])
        if amount is not None and unit:
            return _shift(now, unit, -amount), unit in ("minutes", "hours"), 3
    return None


def _shift(now: datetime, unit: str, amount: int) -> datetime:
    """Hours and minutes are elapsed time (computed in UTC); days and longer keep the wall clock."""
    if unit in ("minutes", "hours"):
        tz = now.tzinfo
        return (now.astimezone(ZoneInfo("UTC")) + relativedelta(**{unit: amount})).astimezone(tz)
    return now + relativedelta(**{unit: amount})


def _amount(tok: str) -> int | None:
    if tok.isdigit():
        return int(tok)
    return NUMBER_WORDS.get(tok)


def parse_when(text: str, now: datetime, *, prefer: Prefer = "future") -> When:
    """Parse a whole date/time expression; ``now`` is aware and in the person's zone.

    Raises ``DateParseError`` if any part is not understood.
    """
    tz = now.tzinfo
    assert tz is not None, "now must be aware"
    tokens = [t for t in re.split(r"\s+", text.strip().lower().replace(",", " ")) if t]
    if not tokens:
        raise DateParseError("no date given")
    if tokens == ["now"]:
        return When(now, True)
    if m := _ISO_DATETIME.match(" ".join(tokens)):
        y, mo, d, hh, mm = (int(g) for g in m.groups())
        try:
            return When(local_datetime(date(y, mo, d), time(hh, mm), tz), True)  # type: ignore[arg-type]
        except ValueError as exc:
            raise DateParseError(f"{text} is not a real date and time") from exc

    rel = _parse_relative(tokens, now)
    if rel:
        at, has_time, used = rel
        rest = tokens[used:]
        if rest:
            t = _parse_time(rest)
            if not t or t[1] != len(rest):
                raise DateParseError(f"I couldn't read “{' '.join(rest)}”")
            return When(local_datetime(at.date(), t[0], tz), True)  # type: ignore[arg-type]
        if not has_time:
            return When(local_datetime(at.date(), time(0, 0), tz), False)  # type: ignore[arg-type]
        return When(at, has_time)

    day: date | None = None
    at_time: time | None = None
    i = 0
    while i < len(tokens):
        rest = tokens[i:]
        if day is None and (d := _parse_day(rest, now.date(), prefer)):
            day, i = d[0], i + d[1]
            continue
        if at_time is None and (t := _parse_time(rest)):
            at_time, i = t[0], i + t[1]
            continue
        raise DateParseError(f"I couldn't read “{' '.join(rest)}”")
    if day is None and at_time is not None:
        day = now.date()
        candidate = local_datetime(day, at_time, tz)  # type: ignore[arg-type]
        if prefer == "future" and candidate <= now:
            day += timedelta(days=1)
        elif prefer == "past" and candidate > now:
            day -= timedelta(days=1)
    assert day is not None
    if at_time is None:
        return When(local_datetime(day, time(0, 0), tz), False)  # type: ignore[arg-type]
    return When(local_datetime(day, at_time, tz), True)  # type: ignore[arg-type]


def try_parse_when(text: str, now: datetime, *, prefer: Prefer = "future") -> When | None:
    try:
        return parse_when(text, now, prefer=prefer)
    except DateParseError:
        return None


def split_trailing_when(text: str, now: datetime, *, prefer: Prefer = "future") -> tuple[str, When | None]:
    """``"send the proposal tomorrow 9am"`` → (``"send the proposal"``, When(tomorrow 9:00)).

    Takes the longest run of trailing words that reads as a date/time; the text before it is kept.
    """
    words = text.split()
    for start in range(len(words)):
        tail = " ".join(words[start:])
        when = try_parse_when(tail, now, prefer=prefer)
        if when is not None and start > 0:
            return " ".join(words[:start]), when
    return text.strip(), None


def candidate_splits(words: list[str]) -> list[tuple[str, str]]:
    """Every (name, date-text) split of ``words``, longest name first; the name is never empty."""
    return [(" ".join(words[:i]), " ".join(words[i:])) for i in range(len(words), 0, -1)]


def when_local(at: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
    """How an instant reads in a person's zone: "Mon 23 Nov 2026, 10:00" (or the day alone)."""
    local = at.astimezone(tz)
    return local.strftime("%a %d %b %Y, %H:%M" if with_time else "%a %d %b %Y")
