"""Natural dates and times as people type them, in their own time zone.

``parse_when("yesterday 3pm", now)`` and friends return a ``When``: an aware local datetime and
whether a time of day was given (a bare day is returned at midnight with ``has_time=False``;
callers decide what a day means, e.g. the start of the working day for a reminder). Every token
must be understood, so the parser can also find where an account name ends and a date begins.
Every command that takes a date (``/log``, ``/followup``, ``/visit``, ``/opportunity close:``)
reads it here.

Forms: ``today``, ``tomorrow at 2`` (a bare hour from 1 to 7 is the afternoon), ``friday``,
``next tuesday``, ``last monday``, ``Monday 9``, ``in 3 weeks``, ``2 days ago``, ``end of month``,
``end of quarter``, ``nov 20``, ``2026-12-31``, numeric dates in the person's order
(``31/12``, ``31/12/2026``, ``31.12.`` day-first; ``12/31`` month-first, see ``DateOrder``), and
times ``2pm``, ``14:00``, ``14h``, ``14h30``, ``noon``. Something shaped like a date or time that
does not exist (``25:00``, ``31/02``) raises a ``DateParseError`` with ``definite=True`` naming it,
so callers report it instead of reading it as part of a name.

Why not a library: dateparser (1.5) was tried on these forms. It reads ``14h`` as "in 14 hours",
``Monday 9`` as the 9th of the month, keeps the current time for ``tomorrow at 2``, returns nothing
for ``end of month`` / ``end of quarter``, cannot say whether a time of day was given, and takes
~0.2 s to reject a non-date such as ``Acme Corp 3pm`` (the account/date split tries several), so
this small grammar stays; python-dateutil does the calendar arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from bot.domain.inputs import whole_number

Prefer = Literal["past", "future"]
DateOrder = Literal["DMY", "MDY"]  # how a numeric date without a year name reads: 31/12 or 12/31
DATE_ORDERS: tuple[DateOrder, ...] = ("DMY", "MDY")

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
PERIODS = {"eom": "month", "eoq": "quarter", "eoy": "year", "eow": "week"}
# The most words a date takes ("next tuesday at 3:30 pm" is 5): splitting a text into a name and a
# date only tries its last few words, so the work is bounded whatever the length of the text.
MAX_DATE_WORDS = 8
AFTERNOON_UNTIL = 7  # "at 2" is 14:00: nobody books a 2 a.m. call; "at 8" is 08:00

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_H_TIME = re.compile(r"^(\d{1,2})h(\d{2})?$")  # 14h, 14h30
_TIME_SHAPED = re.compile(r"^\d{1,3}(?::\d{2}|\s*(?:am|pm|a\.m\.|p\.m\.))$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{2})$")
# 31/12, 31/12/2026, 31/12/26; with dots only 31.12. or 31.12.2026 (so 2.5 stays a number).
_NUMERIC_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?$|^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?$")
# Zones in the United States, where a numeric date is month-first when Slack gives no locale.
_US_ZONES = re.compile(
    r"^(US/.*|Pacific/Honolulu|America/(New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Juneau|"
    r"Sitka|Metlakatla|Nome|Yakutat|Adak|Boise|Detroit|Menominee|Indiana/.*|Kentucky/.*|North_Dakota/.*))$"
)


class DateParseError(ValueError):
    """Not a date. ``definite``: the words are shaped like a date or time that does not exist
    (``25:00``, ``31/02``), so they are a mistake to report, never part of a name."""

    def __init__(self, message: str, *, definite: bool = False) -> None:
        super().__init__(message)
        self.definite = definite

    def sentence(self) -> str:
        """The message as a sentence for a reply: ``“25:00” is not a time of day (…).``"""
        message = str(self)
        return f"{message[:1].upper()}{message[1:]}."


@dataclass(frozen=True)
class When:
    at: datetime  # aware, in the person's zone
    has_time: bool


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def date_order_for(setting: str | None, locale: str | None, tz_name: str | None) -> DateOrder:
    """The playbook's ``locale.date_order`` if set; else the person's Slack locale (``en-US`` →
    month-first); else month-first only in a United States time zone, day-first elsewhere."""
    if setting in DATE_ORDERS:
        return setting  # type: ignore[return-value]
    if locale:
        return "MDY" if locale.replace("_", "-").upper().endswith("-US") else "DMY"
    return "MDY" if tz_name and _US_ZONES.match(tz_name) else "DMY"


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The wall-clock time ``at`` on ``day`` in ``tz``; a time skipped by DST moves forward."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    # Round-trip through UTC: a non-existent local time (spring forward) comes back shifted.
    try:
        return aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    except (OverflowError, ValueError):  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise _out_of_range(day.isoformat()) from None


def _not_a_time(tok: str) -> DateParseError:
    return DateParseError(f"“{tok}” is not a time of day (e.g. 14:00, 2pm, 14h)", definite=True)


def _parse_time(tokens: list[str], *, bare_hour: bool = False) -> tuple[time, int] | None:
    """A time at the start of ``tokens``: ``3pm``, ``3 pm``, ``15:00``, ``14h``, ``at 9:30am``,
    ``noon``; a bare hour (``at 2``, ``Monday 9``) after ``at`` or when ``bare_hour``.

    Raises a definite ``DateParseError`` for something shaped like a time that is none (``25:00``).
    """
    i = 0
    if tokens and tokens[0] == "at":
        i, bare_hour = 1, True
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
    if m := _H_TIME.match(candidate):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour > 23:
            return None  # 24h, 48h: a duration
        if minute > 59:
            raise _not_a_time(candidate)
        return time(hour, minute), i + used
    m = _TIME.match(candidate)
    if not m:
        if _TIME_SHAPED.match(candidate):
            raise _not_a_time(candidate)
        return None
    hour, minute, suffix = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if suffix is None and m.group(2) is None:
        if not bare_hour:
            return None  # a bare number is not a time
        if hour > 23:
            return None  # "at 30 rue de Rivoli"
        if 1 <= hour <= AFTERNOON_UNTIL:
            hour += 12
        return time(hour, 0), i + used
    if suffix:
        if not 1 <= hour <= 12 or minute > 59:
            raise _not_a_time(candidate)
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise _not_a_time(candidate)
    return time(hour, minute), i + used


def _real_date(year: int, month: int, day: int, typed: str, hint: str = "") -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateParseError(f"{typed} is not a real date{hint}", definite=True) from exc


def _end_of(period: str, today: date) -> date:
    if period == "week":
        return today + timedelta(days=(4 - today.weekday()) % 7)  # this Friday (or the coming one)
    if period == "month":
        return today.replace(day=1) + relativedelta(months=1, days=-1)
    if period == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return first + relativedelta(months=3, days=-1)
    return date(today.year, 12, 31)


def _numeric_date(tok: str, today: date, prefer: Prefer, order: DateOrder) -> date | None:
    m = _NUMERIC_DATE.match(tok)
    if not m:
        return None
    a, b, year_text = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
    first, second = int(a), int(b)
    if not (1 <= first <= 31 and 1 <= second <= 31):
        return None  # 1/0, 40/12: not shaped like a date
    day, month = (first, second) if order == "DMY" else (second, first)
    hint = " (day/month)" if order == "DMY" else " (month/day)"
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _real_date(year, month, day, tok, hint)
    if month > 12:
        raise DateParseError(f"{tok} is not a real date{hint}", definite=True)
    return _nearest(month, day, today, prefer, tok, hint)


def _nearest(month: int, day: int, today: date, prefer: Prefer, typed: str, hint: str = "") -> date:
    """``month``/``day`` in the year that makes it the coming one (or the last one, for the past)."""
    if (month, day) == (2, 29):
        years = (
            range(today.year, today.year + 5) if prefer == "future" else range(today.year, today.year - 5, -1)
        )
        for year in years:
            candidate = _leap(year, today, prefer)
            if candidate:
                return candidate
    candidate = _real_date(today.year, month, day, typed, hint)
    if prefer == "future" and candidate < today:
        candidate = date(today.year + 1, month, day)
    if prefer == "past" and candidate > today:
        candidate = date(today.year - 1, month, day)
    return candidate


def _leap(year: int, today: date, prefer: Prefer) -> date | None:
    try:
        candidate = date(year, 2, 29)
    except ValueError:
        return None
    return candidate if (candidate >= today if prefer == "future" else candidate <= today) else None


def _parse_day(tokens: list[str], today: date, prefer: Prefer, order: DateOrder) -> tuple[date, int] | None:
    """A day at the start of ``tokens``."""
    if not tokens:
        return None
    tok = tokens[0]
    if tok == "on" and len(tokens) > 1:
        found = _parse_day(tokens[1:], today, prefer, order)
        return (found[0], found[1] + 1) if found else None
    if tok == "today":
        return today, 1
    if tok == "yesterday":
        return today - timedelta(days=1), 1
    if tok == "tomorrow":
        return today + timedelta(days=1), 1
    if tok in PERIODS:
        return _end_of(PERIODS[tok], today), 1
    if tok == "end" and tokens[1:2] == ["of"]:
        j = 3 if tokens[2:3] == ["the"] else 2
        if j < len(tokens) and tokens[j] in ("week", "month", "quarter", "year"):
            return _end_of(tokens[j], today), j + 1
    if m := _ISO_DATE.match(tok):
        return _real_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), tok), 1
    if (numeric := _numeric_date(tok, today, prefer, order)) is not None:
        return numeric, 1
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
    if tok in MONTH_NAMES and len(tokens) > 1 and (day := whole_number(tokens[1].rstrip(","))) is not None:
        return _month_day(MONTH_NAMES[tok], day, tokens[2:], today, prefer, 2)
    if (day := whole_number(tok)) is not None and len(tokens) > 1 and tokens[1] in MONTH_NAMES:
        return _month_day(MONTH_NAMES[tokens[1]], day, tokens[2:], today, prefer, 2)
    return None


def _month_day(
    month: int, day: int, rest: list[str], today: date, prefer: Prefer, used: int
) -> tuple[date, int]:
    if rest and re.fullmatch(r"\d{4}", rest[0]):
        return _real_date(int(rest[0]), month, day, "that"), used + 1
    return _nearest(month, day, today, prefer, "that"), used


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
    """Hours and minutes are elapsed time (computed in UTC); days and longer keep the wall clock.

    Beyond the calendar (``in 99999999 days``): a ``DateParseError`` saying so, not an overflow."""
    try:
        if unit in ("minutes", "hours"):
            tz = now.tzinfo
            return (now.astimezone(ZoneInfo("UTC")) + relativedelta(**{unit: amount})).astimezone(tz)
        return now + relativedelta(**{unit: amount})
    except (OverflowError, ValueError):
        raise _out_of_range(f"{amount} {unit}") from None


def _out_of_range(typed: str) -> DateParseError:
    return DateParseError(f"{typed} is out of range (years {YEARS.start} to {YEARS.stop - 1})", definite=True)


def _amount(tok: str) -> int | None:
    """``3``, ``three``: ASCII digits or a number word (``²`` is not an amount)."""
    number = whole_number(tok)
    return number if number is not None else NUMBER_WORDS.get(tok)


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"\s+", text.strip().lower().replace(",", " ")) if t]


# The years a date may fall in: anything else is a typing mistake, and stays clear of the calendar's
# ends (0001-01-01 and 9999-12-31 overflow as soon as a zone or a working day is applied).
YEARS = range(1900, 2200)


def parse_when(text: str, now: datetime, *, prefer: Prefer = "future", order: DateOrder = "DMY") -> When:
    """Parse a whole date/time expression; ``now`` is aware and in the person's zone.

    Raises ``DateParseError`` if any part is not understood, or the date is outside ``YEARS``.
    """
    when = _parse_when(text, now, prefer=prefer, order=order)
    if when.at.year not in YEARS:
        raise _out_of_range(text.strip())
    return when


def _parse_when(text: str, now: datetime, *, prefer: Prefer, order: DateOrder) -> When:
    tz = now.tzinfo
    assert tz is not None, "now must be aware"
    tokens = _tokens(text)
    if not tokens:
        raise DateParseError("no date given")
    if len(tokens) > MAX_DATE_WORDS:
        raise DateParseError(f"I couldn't read “{' '.join(tokens[:MAX_DATE_WORDS])} …” as a date")
    if tokens == ["now"]:
        return When(now, True)
    if m := _ISO_DATETIME.match(" ".join(tokens)):
        y, mo, d, hh, mm = (int(g) for g in m.groups())
        try:
            return When(local_datetime(date(y, mo, d), time(hh, mm), tz), True)  # type: ignore[arg-type]
        except ValueError as exc:
            raise DateParseError(f"{text} is not a real date and time", definite=True) from exc

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
    just_read_day = False
    while i < len(tokens):
        rest = tokens[i:]
        if day is None and (d := _parse_day(rest, now.date(), prefer, order)):
            day, i, just_read_day = d[0], i + d[1], True
            continue
        if at_time is None and (t := _parse_time(rest, bare_hour=just_read_day)):
            at_time, i, just_read_day = t[0], i + t[1], False
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


def try_parse_when(
    text: str, now: datetime, *, prefer: Prefer = "future", order: DateOrder = "DMY"
) -> When | None:
    try:
        return parse_when(text, now, prefer=prefer, order=order)
    except DateParseError:
        return None


def definite_error(text: str, now: datetime, *, order: DateOrder = "DMY") -> DateParseError | None:
    """The first word (or ``3 pm`` pair, ``at 25``) of ``text`` shaped like a date or time that does
    not exist: ``25:00``, ``13pm``, ``31/02``. Such words are reported, never read as part of a name."""
    tokens = _tokens(text)
    for i in range(len(tokens)):
        try:
            _parse_time(tokens[i : i + MAX_DATE_WORDS])
            _parse_day(tokens[i : i + 1], now.date(), "future", order)
        except DateParseError as exc:
            if exc.definite:
                return exc
    return None


def split_trailing_when(
    text: str, now: datetime, *, prefer: Prefer = "future", order: DateOrder = "DMY"
) -> tuple[str, When | None]:
    """``"send the proposal tomorrow 9am"`` → (``"send the proposal"``, When(tomorrow 9:00)).

    Takes the longest run of trailing words that reads as a date/time; the text before it is kept.
    """
    words = text.split()
    for start in range(max(0, len(words) - MAX_DATE_WORDS), len(words)):
        tail = " ".join(words[start:])
        when = try_parse_when(tail, now, prefer=prefer, order=order)
        if when is not None and start > 0:
            return " ".join(words[:start]), when
    return text.strip(), None


def trailing_date_error(
    text: str, now: datetime, *, prefer: Prefer = "future", order: DateOrder = "DMY"
) -> DateParseError | None:
    """Why the last words of ``text`` do not read as a date when they look like one that can't be:
    out of range (``0001-01-01``, ``in 99999999 days``) or not in the calendar (``2026-02-30``)."""
    words = text.split()
    for start in range(max(0, len(words) - MAX_DATE_WORDS), len(words)):
        try:
            parse_when(" ".join(words[start:]), now, prefer=prefer, order=order)
        except DateParseError as exc:
            if exc.definite:
                return exc
    return None


def candidate_splits(words: list[str]) -> list[tuple[str, str]]:
    """Every (name, date-text) split of ``words``, longest name first; the name is never empty and
    the date at most ``MAX_DATE_WORDS`` words."""
    shortest = max(1, len(words) - MAX_DATE_WORDS)
    return [(" ".join(words[:i]), " ".join(words[i:])) for i in range(len(words), shortest - 1, -1)]


def format_when(
    at: datetime | date, tz: ZoneInfo | None = None, *, now: datetime | date, with_time: bool = True
) -> str:
    """The one way a person reads a date: ``Tue 1 Dec, 09:00`` in their zone ``tz``; the year only
    when it is not the reader's current year (``now``, read in ``tz``). A ``date`` is a day alone."""
    if isinstance(at, datetime):
        local = at.astimezone(tz) if tz is not None else at
        day: date = local.date()
    else:
        local, day, with_time = None, at, False
    text = _day_text(day, _reader_year(tz, now))
    if with_time and local is not None:
        text += f", {local:%H:%M}"
    return text


_CLOCK = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60))  # "09:05"


class WhenFormatter:
    """``format_when`` for one reader (their zone ``tz`` and ``now``), for many dates: each day's
    words are built once. ``WhenFormatter(tz, now=now)(at)`` reads as ``format_when(at, tz, now=now)``."""

    __slots__ = ("_days", "_tz", "_year")

    def __init__(self, tz: ZoneInfo | None = None, *, now: datetime | date) -> None:
        self._tz = tz
        self._year = _reader_year(tz, now)
        self._days: dict[date, str] = {}

    def __call__(self, at: datetime | date, *, with_time: bool = True) -> str:
        if not isinstance(at, datetime):
            return self._day(at)
        local = at.astimezone(self._tz) if self._tz is not None else at
        text = self._day(local.date())
        return f"{text}, {_CLOCK[local.hour * 60 + local.minute]}" if with_time else text

    def _day(self, day: date) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = _day_text(day, self._year)
        return text


def _reader_year(tz: ZoneInfo | None, now: datetime | date) -> int:
    return now.astimezone(tz).year if tz is not None and isinstance(now, datetime) else now.year


def _day_text(day: date, this_year: int) -> str:
    """``Tue 1 Dec``, with the year when it is not ``this_year``."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if this_year == day.year else f"{text} {day.year}"


def when_local(at: datetime, tz: ZoneInfo, *, now: datetime, with_time: bool = True) -> str:
    """How an instant reads in a person's zone (``format_when``): "Mon 23 Nov, 10:00" (with the year
    when it is not the current one there)."""
    return format_when(at, tz, now=now, with_time=with_time)
