from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.cadence import is_overdue, next_due, parse_cadence, span_text


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
