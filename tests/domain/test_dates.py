from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import DateParseError, local_datetime, parse_when, split_trailing_when, try_parse_when

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 November 2026, 10:00 in Paris.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


def at(text: str, *, prefer: str = "future", now: datetime = NOW) -> str:
    when = parse_when(text, now, prefer=prefer)  # type: ignore[arg-type]
    return when.at.strftime("%Y-%m-%d %H:%M") + ("" if when.has_time else " (day)")


@pytest.mark.parametrize(
    ("text", "prefer", "expected"),
    [
        ("today", "future", "2026-11-23 00:00 (day)"),
        ("yesterday", "past", "2026-11-22 00:00 (day)"),
        ("tomorrow", "future", "2026-11-24 00:00 (day)"),
        ("friday", "future", "2026-11-27 00:00 (day)"),
        ("friday", "past", "2026-11-20 00:00 (day)"),
        ("Fri", "past", "2026-11-20 00:00 (day)"),
        ("monday", "future", "2026-11-30 00:00 (day)"),  # today is Monday: the next one
        ("monday", "past", "2026-11-23 00:00 (day)"),  # … or today
        ("last friday", "future", "2026-11-20 00:00 (day)"),
        ("last monday", "past", "2026-11-16 00:00 (day)"),
        ("next friday", "past", "2026-11-27 00:00 (day)"),
        ("next monday", "future", "2026-11-30 00:00 (day)"),
        ("this friday", "future", "2026-11-27 00:00 (day)"),
        ("on wednesday", "future", "2026-11-25 00:00 (day)"),
        ("next week", "future", "2026-11-30 00:00 (day)"),
        ("2026-11-20", "future", "2026-11-20 00:00 (day)"),
        ("20/11/2026", "future", "2026-11-20 00:00 (day)"),
        ("nov 20", "past", "2026-11-20 00:00 (day)"),
        ("20 nov", "future", "2027-11-20 00:00 (day)"),
        ("2026-11-20 14:30", "future", "2026-11-20 14:30"),
        ("2026-11-20T14:30", "future", "2026-11-20 14:30"),
        ("in 3 days", "future", "2026-11-26 00:00 (day)"),
        ("2 weeks ago", "past", "2026-11-09 00:00 (day)"),
        ("a week ago", "past", "2026-11-16 00:00 (day)"),
        ("in 2 hours", "future", "2026-11-23 12:00"),
        ("3pm", "future", "2026-11-23 15:00"),
        ("3pm", "past", "2026-11-22 15:00"),  # not yet 3pm today: the last one
        ("3 pm", "future", "2026-11-23 15:00"),
        ("15:00", "future", "2026-11-23 15:00"),
        ("9:30am", "past", "2026-11-23 09:30"),
        ("9:30am", "future", "2026-11-24 09:30"),
        ("at noon", "future", "2026-11-23 12:00"),
        ("midnight", "past", "2026-11-23 00:00"),
        ("yesterday 3pm", "past", "2026-11-22 15:00"),
        ("friday at 9:30am", "future", "2026-11-27 09:30"),
        ("tomorrow, 9am", "future", "2026-11-24 09:00"),
        ("now", "past", "2026-11-23 10:00"),
    ],
)
def test_parse_when(text: str, prefer: str, expected: str) -> None:
    assert at(text, prefer=prefer) == expected


def test_result_is_in_the_persons_zone() -> None:
    when = parse_when("yesterday 3pm", NOW, prefer="past")
    assert when.at.astimezone(UTC) == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    assert parse_when("3pm", NOW.astimezone(NEW_YORK)).at.utcoffset().total_seconds() == -5 * 3600


@pytest.mark.parametrize(
    "text",
    ["2026-02-30", "30/02/2026", "feb 30", "2026-02-30 10:00", "25:00", "13pm", "3", "blah", "", "soon"],
)
def test_not_dates(text: str) -> None:
    assert try_parse_when(text, NOW) is None
    with pytest.raises(DateParseError):
        parse_when(text, NOW)


def test_impossible_date_says_so() -> None:
    with pytest.raises(DateParseError, match="2026-02-30 is not a real date"):
        parse_when("2026-02-30", NOW)


def test_a_local_nine_stays_nine_across_the_spring_change() -> None:
    # Paris moves to summer time on Sunday 29 March 2026.
    friday = datetime(2026, 3, 27, 10, 0, tzinfo=PARIS)
    before = parse_when("9am", friday)
    after = parse_when("next monday 9am", friday)
    assert before.at.strftime("%H:%M") == after.at.strftime("%H:%M") == "09:00"
    assert before.at.astimezone(UTC).hour == 8
    assert after.at.astimezone(UTC).hour == 7
    assert parse_when("in 3 days", friday).at.astimezone(PARIS).strftime("%d %H:%M") == "30 00:00"


def test_a_local_nine_stays_nine_across_the_autumn_change() -> None:
    # New York goes back to standard time on Sunday 1 November 2026.
    friday = datetime(2026, 10, 30, 12, 0, tzinfo=NEW_YORK)
    monday = parse_when("monday 9am", friday)
    assert monday.at.strftime("%Y-%m-%d %H:%M") == "2026-11-02 09:00"
    assert monday.at.astimezone(UTC).hour == 14  # was 13 UTC before the change


def test_hours_are_elapsed_time_across_the_change() -> None:
    # 01:30 on the night Paris springs forward: two hours later it is 04:30 on the wall clock.
    night = datetime(2026, 3, 29, 1, 30, tzinfo=PARIS)
    assert parse_when("in 2 hours", night).at.astimezone(PARIS).strftime("%H:%M") == "04:30"


def test_local_datetime_moves_a_skipped_time_forward() -> None:
    skipped = local_datetime(datetime(2026, 3, 29).date(), datetime(2026, 3, 29, 2, 30).time(), PARIS)
    assert skipped.strftime("%H:%M") == "03:30"


@pytest.mark.parametrize(
    ("text", "rest", "expected"),
    [
        ("send the proposal tomorrow 9am", "send the proposal", "2026-11-24 09:00"),
        ("call back friday", "call back", "2026-11-27 00:00 (day)"),
        ("ping them in 3 days", "ping them", "2026-11-26 00:00 (day)"),
    ],
)
def test_split_trailing_when(text: str, rest: str, expected: str) -> None:
    left, when = split_trailing_when(text, NOW)
    assert left == rest
    assert when is not None
    assert when.at.strftime("%Y-%m-%d %H:%M") + ("" if when.has_time else " (day)") == expected


def test_split_trailing_when_without_a_date_keeps_everything() -> None:
    assert split_trailing_when("  send the proposal ", NOW) == ("send the proposal", None)
    assert split_trailing_when("tomorrow", NOW) == ("tomorrow", None)  # nothing would be left


@given(st.integers(0, 23), st.integers(0, 59), st.dates())
def test_iso_date_times_read_back_exactly(hour: int, minute: int, day: object) -> None:
    text = f"{day.isoformat()} {hour:02d}:{minute:02d}"  # type: ignore[attr-defined]
    when = parse_when(text, NOW)
    local = local_datetime(day, datetime(2000, 1, 1, hour, minute).time(), PARIS)  # type: ignore[arg-type]
    assert when.at == local and when.has_time
