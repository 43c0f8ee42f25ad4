from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.cadence import (
    Cadence,
    OverdueCheck,
    is_overdue,
    months_between,
    next_due,
    parse_cadence,
    span_text,
)


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "label"),
    [
        ("FREQ=MONTHLY;INTERVAL=4", "every 4 months"),
        ("FREQ=MONTHLY", "every month"),
        ("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every 2 weeks"),
        ("FREQ=YEARLY;INTERVAL=1", "every year"),
        ("FREQ=DAILY;INTERVAL=10", "every 10 days"),
    ],
)
def test_cadence_label_from_rrule(rule: str, label: str) -> None:
    assert parse_cadence(rule).label == label


@pytest.mark.parametrize("rule", ["FREQ=HOURLY;INTERVAL=3", "FREQ=SOMETIMES", "not a rule", ""])
def test_invalid_or_sub_daily_cadence_is_rejected(rule: str) -> None:
    with pytest.raises(ValueError):
        parse_cadence(rule)


def test_overdue_one_period_after_the_last_visit() -> None:
    cadence = parse_cadence("FREQ=MONTHLY;INTERVAL=4")
    last = at(2026, 6, 20)
    assert next_due(last, at(2020, 1, 1), cadence) == at(2026, 10, 20)
    assert not is_overdue(last, at(2020, 1, 1), cadence, at(2026, 10, 20, 11))
    assert is_overdue(last, at(2020, 1, 1), cadence, at(2026, 10, 20, 12))


def test_never_visited_counts_from_the_anchor() -> None:
    cadence = parse_cadence("FREQ=MONTHLY;INTERVAL=6")
    assert not is_overdue(None, at(2026, 1, 10), cadence, at(2026, 7, 9))
    assert is_overdue(None, at(2026, 1, 10), cadence, at(2026, 7, 10))


def test_month_end_does_not_skip_short_months() -> None:
    # Stepping RRULE occurrences from 31 Jan would skip to 31 March; a cadence means "a month later".
    assert next_due(at(2027, 1, 31), at(2020, 1, 1), parse_cadence("FREQ=MONTHLY")) == at(2027, 2, 28)


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (at(2026, 6, 20), at(2026, 11, 24), "5 months"),
        (at(2026, 6, 20), at(2026, 7, 21), "1 month"),
        (at(2024, 6, 20), at(2026, 11, 24), "2 years"),
        (at(2025, 6, 20), at(2026, 11, 24), "17 months"),
        (at(2026, 11, 1), at(2026, 11, 22), "3 weeks"),
        (at(2026, 11, 20), at(2026, 11, 21), "1 day"),
    ],
)
def test_span_text(start: datetime, end: datetime, text: str) -> None:
    assert span_text(start, end) == text


# next_due and span_text compute what relativedelta gives, with plain calendar arithmetic.
MOMENTS = st.datetimes(
    datetime(1990, 1, 1),
    datetime(2060, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]),
)


@given(
    MOMENTS,
    st.sampled_from(
        [
            "FREQ=MONTHLY",
            "FREQ=MONTHLY;INTERVAL=4",
            "FREQ=YEARLY;INTERVAL=2",
            "FREQ=MONTHLY;INTERVAL=18",
            "FREQ=WEEKLY;INTERVAL=6",
            "FREQ=DAILY;INTERVAL=10",
        ]
    ),
)
def test_next_due_is_one_relativedelta_period_later(last: datetime, rule: str) -> None:
    cadence = parse_cadence(rule)
    due = next_due(last, last, cadence)
    expected = last + cadence.every
    assert (due, due.tzinfo, due.fold) == (expected, expected.tzinfo, expected.fold)
    assert due.replace(tzinfo=None) == expected.replace(tzinfo=None)  # the same wall time


@given(MOMENTS, MOMENTS)
def test_months_between_is_relativedeltas(start: datetime, end: datetime) -> None:
    rd = relativedelta(end, start)
    assert months_between(start, end) == rd.years * 12 + rd.months


def test_month_ends_and_leap_days_against_relativedelta() -> None:
    # Every day of 2027 and 2028 at two times, against the ends of every month: the clamped days.
    days = [datetime(2027, 1, 1, h, tzinfo=UTC) + timedelta(days=i) for i in range(731) for h in (0, 23)]
    ends = [
        datetime(y, m, 28, 12, tzinfo=UTC) + timedelta(days=d)
        for y in (2028, 2029)
        for m in range(1, 13)
        for d in range(4)
    ]
    for months in (1, 4, 6, 12, 13, 24):
        cadence = Cadence(relativedelta(months=months), "")
        for day in days:
            assert next_due(None, day, cadence) == day + relativedelta(months=months)
    for start in days[::7]:
        for end in ends:
            rd = relativedelta(end, start)
            assert months_between(start, end) == rd.years * 12 + rd.months, (start, end)
            assert span_text(start, end) == _span_text_by_relativedelta(start, end)


def _span_text_by_relativedelta(start: datetime, end: datetime) -> str:
    """``span_text`` as it was first written, with relativedelta."""
    rd = relativedelta(end, start)
    months = rd.years * 12 + rd.months
    if months >= 24:
        n, word = months // 12, "year"
    elif months >= 1:
        n, word = months, "month"
    elif (end - start).days >= 14:
        n, word = (end - start).days // 7, "week"
    else:
        n, word = max((end - start).days, 0), "day"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@given(
    MOMENTS,
    MOMENTS,
    st.sampled_from(["FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=4", "FREQ=YEARLY", "FREQ=WEEKLY;INTERVAL=6"]),
    st.booleans(),
)
def test_an_overdue_check_agrees_with_is_overdue(
    start: datetime, now: datetime, rule: str, visited: bool
) -> None:
    cadence = parse_cadence(rule)
    last, anchor = (start.astimezone(UTC), now) if visited else (None, start.astimezone(UTC))
    assert OverdueCheck(cadence, now)(last, anchor) == is_overdue(last, anchor, cadence, now)


def test_an_overdue_check_at_month_ends() -> None:
    # Starts every 3 hours around the ends of months (clamped days, leap years) against nows at the
    # ends of the following months: the short cut and the computation agree.
    starts = [
        datetime(y, m, 26, tzinfo=UTC) + timedelta(hours=3 * i)
        for y in (2027, 2028)
        for m in (1, 2, 3, 8, 12)
        for i in range(8 * 7)
    ]
    nows = [
        datetime(y, m, 27, 12, tzinfo=UTC) + timedelta(days=d)
        for y in (2028, 2029)
        for m in range(1, 13)
        for d in range(5)
    ]
    for rule in ("FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=4", "FREQ=YEARLY"):
        cadence = parse_cadence(rule)
        for now in nows:
            check = OverdueCheck(cadence, now)
            for start in starts:
                assert check(start, start) == is_overdue(start, start, cadence, now), (rule, start, now)
                assert check(None, start) == is_overdue(None, start, cadence, now)
