from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import UserError
from bot.domain.recurrence import describe, next_occurrence, parse_recurrence, previous_occurrence

PARIS = ZoneInfo("Europe/Paris")
# Monday 23 November 2026, 10:00 in Paris.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "rrule", "first", "words"),
    [
        ("every 4 months", "FREQ=MONTHLY;INTERVAL=4", datetime(2027, 3, 23), "every 4 months"),
        (
            "every 2 weeks on tuesday",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            datetime(2026, 11, 24),
            "every 2 weeks on Tuesday",
        ),
        (
            "every other week on tuesday",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            datetime(2026, 11, 24),
            "every 2 weeks on Tuesday",
        ),
        ("quarterly", "FREQ=MONTHLY;INTERVAL=3", datetime(2027, 2, 23), "every quarter"),
        ("monthly", "FREQ=MONTHLY", datetime(2026, 12, 23), "every month"),
        ("weekly", "FREQ=WEEKLY", datetime(2026, 11, 30), "every week"),
        ("yearly", "FREQ=YEARLY", datetime(2027, 11, 23), "every year"),
        ("annually", "FREQ=YEARLY", datetime(2027, 11, 23), "every year"),
        ("every 6 weeks", "FREQ=WEEKLY;INTERVAL=6", datetime(2027, 1, 4), "every 6 weeks"),
        ("every six weeks", "FREQ=WEEKLY;INTERVAL=6", datetime(2027, 1, 4), "every 6 weeks"),
        (
            "every tuesday at 10am",
            "FREQ=WEEKLY;BYDAY=TU",
            datetime(2026, 11, 24, 10),
            "every week on Tuesday at 10:00",
        ),
        (
            "every week on mon and thu",
            "FREQ=WEEKLY;BYDAY=MO,TH",
            datetime(2026, 11, 26),
            "every week on Monday and Thursday",
        ),
        (
            "monthly on the first tuesday",
            "FREQ=MONTHLY;BYDAY=+1TU",
            datetime(2026, 12, 1),
            "every month on the first Tuesday",
        ),
        (
            "monthly on the last friday",
            "FREQ=MONTHLY;BYDAY=-1FR",
            datetime(2026, 11, 27),
            "every month on the last Friday",
        ),
        ("twice a year", "FREQ=MONTHLY;INTERVAL=6", datetime(2027, 5, 23), "every 6 months"),
        ("every 12 months", "FREQ=MONTHLY;INTERVAL=12", datetime(2027, 11, 23), "every year"),
        (
            "every 2 weeks on tuesday at 10:00 from 2027-03-16",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            datetime(2027, 3, 16, 10),
            "every 2 weeks on Tuesday at 10:00",
        ),
    ],
)
def test_recurring_plans(text: str, rrule: str, first: datetime, words: str) -> None:
    rec = parse_recurrence(text, NOW)
    assert rec.rrule == rrule
    assert rec.first == first.replace(tzinfo=PARIS)
    assert rec.has_time == (first.hour != 0)
    assert describe(rec.rrule, rec.first, has_time=rec.has_time) == words


@pytest.mark.parametrize(
    ("text", "first", "has_time"),
    [
        ("on 2026-12-10 10:00", datetime(2026, 12, 10, 10), True),
        ("2026-12-10", datetime(2026, 12, 10), False),
        ("next tuesday 3pm", datetime(2026, 11, 24, 15), True),
        ("on 10 dec", datetime(2026, 12, 10), False),
    ],
)
def test_one_off(text: str, first: datetime, has_time: bool) -> None:
    rec = parse_recurrence(text, NOW)
    assert rec.rrule is None
    assert rec.first == first.replace(tzinfo=PARIS)
    assert rec.has_time is has_time


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("every blue moon", "couldn't read"),
        ("on 2025-01-01", "in the past"),
        ("on 2026-11-23 08:00", "in the past"),
        ("monthly on tuesday", "weekday goes with weekly plans"),
        ("every 0 weeks", "out of range"),
        ("every 2 weeks on funday", "couldn't read"),
        ("every 4 months from 2020-01-01", "in the past"),
        ("", "how often"),
    ],
)
def test_bad_rules_say_why_with_an_example(text: str, says: str) -> None:
    with pytest.raises(UserError) as exc:
        parse_recurrence(text, NOW)
    assert says in exc.value.message
    assert exc.value.example and exc.value.example.startswith("/visit ")


def test_occurrences_keep_their_wall_clock_time_across_dst() -> None:
    start = datetime(2027, 3, 16, 10, 0, tzinfo=PARIS)  # CET, UTC+1
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    nxt = next_occurrence(rule, start, after=start)
    assert nxt == datetime(2027, 3, 30, 10, 0, tzinfo=PARIS)  # CEST, UTC+2: still 10:00
    assert nxt.utcoffset().total_seconds() == 7200
    assert (nxt.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 14 * 86400 - 3600
    assert previous_occurrence(rule, start, before=nxt) == start


def test_one_off_occurrence() -> None:
    start = datetime(2026, 12, 10, 10, 0, tzinfo=PARIS)
    assert next_occurrence(None, start, after=NOW) == start
    assert next_occurrence(None, start, after=start) is None
    assert next_occurrence(None, start, after=start, inclusive=True) == start


def test_describe_config_rules() -> None:
    assert describe("FREQ=MONTHLY;INTERVAL=4") == "every 4 months"
    assert describe("FREQ=MONTHLY;INTERVAL=6") == "every 6 months"
    assert describe("FREQ=MONTHLY;INTERVAL=12") == "every year"
    assert describe(None) == "once"
