"""Visit recurrences as people type them, turned into RFC 5545 ``RRULE`` strings (python-dateutil).

``parse_recurrence("every 2 weeks on tuesday at 10:00", local_now)`` → a ``Recurrence`` with
``rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"`` and its first occurrence. A one-off
(``on 2026-12-10 10:00``) has ``rrule=None``. Occurrences are computed on the *wall clock* of a zone
(naive local times fed to dateutil, then placed in the zone), so a 10:00 visit stays at 10:00 across
daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.domain.dates import (
    NUMBER_WORDS,
    WEEKDAY_NAMES,
    DateOrder,
    DateParseError,
    _parse_time,
    format_when,
    local_datetime,
    parse_when,
)
from bot.domain.errors import UserError

VISIT_EXAMPLE = "/visit Acme Corp every 2 weeks on tuesday"
EXAMPLES = (
    "/visit Acme Corp every 4 months",
    "/visit Acme Corp every 2 weeks on tuesday at 10:00",
    "/visit Acme Corp quarterly",
    "/visit Acme Corp on 2026-12-10 10:00",
)
ALL_DAY = time(0)  # the start time of a plan without a time of day
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FREQ_WORDS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

# Single words that are a whole cadence: (FREQ, INTERVAL).
ADVERBS = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "biweekly": ("WEEKLY", 2),
    "fortnightly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "bimonthly": ("MONTHLY", 2),
    "quarterly": ("MONTHLY", 3),
    "semiannually": ("MONTHLY", 6),
    "semi-annually": ("MONTHLY", 6),
    "biannually": ("MONTHLY", 6),
    "yearly": ("YEARLY", 1),
    "annually": ("YEARLY", 1),
}
UNIT_FREQ = {
    "day": ("DAILY", 1),
    "week": ("WEEKLY", 1),
    "fortnight": ("WEEKLY", 2),
    "month": ("MONTHLY", 1),
    "quarter": ("MONTHLY", 3),
    "year": ("YEARLY", 1),
}
RULE_STARTERS = {"every", "each", "twice", "once", "on", *ADVERBS}


@dataclass(frozen=True)
class Recurrence:
    rrule: str | None  # None: a one-off
    first: datetime  # aware, in the zone it was parsed in: the first occurrence
    has_time: bool  # False: a day without a time (reminded at the working start)


def _unit(word: str) -> tuple[str, int] | None:
    return UNIT_FREQ.get(word[:-1] if word.endswith("s") and word[:-1] in UNIT_FREQ else word)


def _bad(message: str) -> UserError:
    return UserError(
        message + " Try `every 4 months`, `every 2 weeks on tuesday`, `quarterly` or `on 2026-12-10 10:00`.",
        VISIT_EXAMPLE,
    )


def _cadence(tokens: list[str]) -> tuple[str, int, int]:
    """(FREQ, INTERVAL, tokens used) from the start of ``tokens``."""
    tok = tokens[0]
    if tok in ADVERBS:
        return (*ADVERBS[tok], 1)
    if tok == "twice" and tokens[1:3] in (["a", "year"], ["per", "year"]):
        return "MONTHLY", 6, 3
    if tok in ("every", "each"):
        rest = tokens[1:]
        if not rest:
            raise _bad("Every how often?")
        if rest[0] == "other" and len(rest) > 1 and (u := _unit(rest[1])):
            return u[0], u[1] * 2, 3
        if u := _unit(rest[0]):
            return u[0], u[1], 2
        amount = int(rest[0]) if rest[0].isdigit() else NUMBER_WORDS.get(rest[0])
        if amount is not None and len(rest) > 1 and (u := _unit(rest[1])):
            if amount < 1 or amount > 60:
                raise _bad(f"“every {amount}” is out of range.")
            return u[0], u[1] * amount, 3
        if rest[0] in WEEKDAY_NAMES or rest[0].rstrip("s") in WEEKDAY_NAMES:
            return "WEEKLY", 1, 1  # "every tuesday": the weekday is read next
    raise _bad(f"I couldn't read “{' '.join(tokens)}” as a plan.")


def _weekdays(tokens: list[str]) -> tuple[list[int], int]:
    """Weekdays at the start of ``tokens``: ``tuesday``, ``tuesdays``, ``mon and thu``, ``mon,thu``."""
    days: list[int] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        name = word if word in WEEKDAY_NAMES else word.rstrip("s")
        if name in WEEKDAY_NAMES:
            days.append(WEEKDAY_NAMES[name])
            i += 1
        elif word == "and" and days:
            i += 1
        else:
            break
    return days, i


def parse_recurrence(text: str, local_now: datetime, *, order: DateOrder = "DMY") -> Recurrence:
    """Read a plan; ``local_now`` is aware, in the zone the plan lives in. Raises ``UserError``.

    A plan without a time of day starts at 00:00 local: like a date-valued ``DTSTART`` in RFC 5545,
    its occurrences are days (reminded at the working start).
    """
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo), "local_now must carry a ZoneInfo"
    tokens = [t for t in re.split(r"[\s,]+", text.strip().lower()) if t]
    if not tokens:
        raise _bad("Say how often.")
    if tokens[0] not in ("every", "each", "twice") and tokens[0] not in ADVERBS:
        return _one_off(tokens, local_now, order)

    freq, interval, i = _cadence(tokens)
    byday: list[str] = []
    at: time | None = None
    start: date | None = None
    while i < len(tokens):
        rest = tokens[i:]
        if rest[0] in ("on", "every") or rest[0] in WEEKDAY_NAMES or rest[0].rstrip("s") in WEEKDAY_NAMES:
            j = 1 if rest[0] in ("on", "every") else 0
            if j < len(rest) and rest[j] == "the":
                j += 1
            ordinal = ORDINALS.get(rest[j]) if j < len(rest) else None
            if ordinal is not None:
                j += 1
            days, used = _weekdays(rest[j:])
            if not days or byday:
                raise _bad(f"I couldn't read “{' '.join(rest)}”.")
            if ordinal is not None:
                if freq != "MONTHLY" or len(days) != 1:
                    raise _bad(
                        "“the first tuesday” works with monthly plans, e.g. `monthly on the first tuesday`."
                    )
                byday = [f"{ordinal:+d}{RRULE_DAYS[days[0]]}"]
            else:
                if freq not in ("WEEKLY", "DAILY"):
                    raise UserError(
                        "A weekday goes with weekly plans; for months say which one, e.g. `monthly on the first tuesday`.",
                        "/visit Acme Corp monthly on the first tuesday",
                    )
                freq = "WEEKLY"
                byday = [RRULE_DAYS[d] for d in sorted(set(days))]
            i += j + used
        elif at is None and (t := _parse_time(rest)):
            at, used = t
            i += used
        elif rest[0] in ("from", "starting") and start is None:
            j = 2 if len(rest) > 1 and rest[1] in ("on", "from") else 1
            date_words = []
            k = j
            while k < len(rest) and rest[k] not in ("at", "on", "every"):
                date_words.append(rest[k])
                k += 1
            try:
                when = parse_when(" ".join(date_words), local_now, prefer="future", order=order)
            except DateParseError as exc:
                raise _bad(f"I couldn't read the start date: {exc}.") from None
            start = when.at.date()
            if when.has_time and at is None:
                at = when.at.time().replace(tzinfo=None)
            if start < local_now.date():
                raise _bad(f"The start date {start.isoformat()} is in the past.")
            i += k
        else:
            raise _bad(f"I couldn't read “{' '.join(rest)}”.")

    parts = [f"FREQ={freq}"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    if byday:
        parts.append("BYDAY=" + ",".join(byday))
    rule = ";".join(parts)
    at_time = at or ALL_DAY
    if start is not None:
        first = next_occurrence(
            rule, local_datetime(start, at_time, tz), after=local_datetime(start, time(0), tz), inclusive=True
        )
    elif byday and freq == "WEEKLY":
        # "every 2 weeks on tuesday" starts on the coming Tuesday (today, when its time is still
        # ahead) and counts its fortnights from there: the first occurrence is the plan's start.
        anchor = local_datetime(local_now.date(), at_time, tz)
        every_week = ";".join(p for p in parts if not p.startswith("INTERVAL="))
        after = local_now if at is not None else _end_of_day(local_now)
        first = next_occurrence(every_week, anchor, after=after, inclusive=False)
    else:
        anchor = local_datetime(local_now.date(), at_time, tz)
        first = next_occurrence(rule, anchor, after=_end_of_day(local_now), inclusive=False)
    assert first is not None
    return Recurrence(rule, first, at is not None)


def _one_off(tokens: list[str], local_now: datetime, order: DateOrder) -> Recurrence:
    text = " ".join(tokens[1:] if tokens[0] == "on" else tokens)
    try:
        when = parse_when(text, local_now, prefer="future", order=order)
    except DateParseError as exc:
        if exc.definite:
            raise _bad(exc.sentence()) from None
        raise _bad(f"I couldn't read “{' '.join(tokens)}” as a plan or a date.") from None
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo)
    if when.has_time:
        if when.at <= local_now:
            raise _bad(f"{format_when(when.at, now=local_now)} is in the past.")
        return Recurrence(None, when.at, True)
    if when.at.date() < local_now.date():
        raise _bad(f"{format_when(when.at, now=local_now, with_time=False)} is in the past.")
    return Recurrence(None, local_datetime(when.at.date(), ALL_DAY, tz), False)


def _end_of_day(local: datetime) -> datetime:
    tz = local.tzinfo
    assert isinstance(tz, ZoneInfo)
    return local_datetime(local.date() + timedelta(days=1), time(0), tz) - timedelta(microseconds=1)


def next_occurrence(
    rule: str | None, dtstart: datetime, *, after: datetime, inclusive: bool = False
) -> datetime | None:
    """The first occurrence of ``rule`` from ``dtstart`` that is after ``after`` (or at it, if inclusive).

    Computed on the wall clock of ``dtstart``'s zone; returned aware in that zone. ``None`` when a
    one-off is already behind ``after``.
    """
    tz = dtstart.tzinfo
    assert isinstance(tz, ZoneInfo), "dtstart must carry a ZoneInfo"
    start_local = dtstart.astimezone(tz)
    if rule is None:
        ok = start_local >= after if inclusive else start_local > after
        return start_local if ok else None
    naive_start = start_local.replace(tzinfo=None)
    naive_after = after.astimezone(tz).replace(tzinfo=None)
    found = rrulestr(rule, dtstart=naive_start).after(naive_after, inc=inclusive)
    if found is None:
        return None
    local = local_datetime(found.date(), found.time(), tz)
    # A wall time that DST folds twice is ambiguous: make sure we really are after ``after``.
    if local < after or (local == after and not inclusive):
        found = rrulestr(rule, dtstart=naive_start).after(found, inc=False)
        return local_datetime(found.date(), found.time(), tz) if found else None
    return local


def previous_occurrence(rule: str | None, dtstart: datetime, *, before: datetime) -> datetime | None:
    """The last occurrence strictly before ``before`` (None for one-offs or before the first)."""
    tz = dtstart.tzinfo
    assert isinstance(tz, ZoneInfo)
    if rule is None:
        return None
    naive_start = dtstart.astimezone(tz).replace(tzinfo=None)
    found = rrulestr(rule, dtstart=naive_start).before(before.astimezone(tz).replace(tzinfo=None))
    return local_datetime(found.date(), found.time(), tz) if found else None


def _rule_parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in rule.upper().removeprefix("RRULE:").split(";"):
        key, _, value = part.partition("=")
        if key:
            parts[key] = value
    return parts


def describe(
    rule: str | None, first: datetime | None = None, *, has_time: bool = True, now: datetime | None = None
) -> str:
    """The plan in words: ``every 4 months``, ``every 2 weeks on Tuesday``, ``once, on Thu 10 Dec 2026``."""
    if rule is None:
        if first is None:
            return "once"
        return "once, on " + format_when(first, now=now or first, with_time=has_time)
    parts = _rule_parts(rule)
    freq = parts.get("FREQ", "")
    unit = FREQ_WORDS.get(freq)
    if unit is None:
        return f"`{rule}`"
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return f"`{rule}`"
    if freq == "MONTHLY" and interval % 12 == 0:
        unit, interval = "year", interval // 12
    elif freq == "MONTHLY" and interval == 3:
        unit, interval = "quarter", 1
    words = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if days:
        named = []
        for d in days:
            m = re.fullmatch(r"([+-]?\d)?([A-Z]{2})", d)
            if not m or m.group(2) not in RRULE_DAYS:
                return f"`{rule}`"
            name = DAY_NAMES[RRULE_DAYS.index(m.group(2))]
            named.append(
                f"the {ORDINAL_WORDS.get(int(m.group(1)), m.group(1))} {name}" if m.group(1) else name
            )
        words += " on " + " and ".join(named)
    if has_time and first is not None and first.time() != ALL_DAY:
        words += f" at {first:%H:%M}"
    return words


def has_time_of_day(dtstart: datetime, tz: ZoneInfo) -> bool:
    """False for a plan of days (its start is 00:00 local)."""
    return dtstart.astimezone(tz).time() != ALL_DAY
