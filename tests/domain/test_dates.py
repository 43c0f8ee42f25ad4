from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import (
    DateParseError,
    date_order_for,
    definite_error,
    local_datetime,
    parse_when,
    split_trailing_when,
    try_parse_when,
)

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


@given(st.integers(0, 23), st.integers(0, 59), st.dates(date(1900, 1, 1), date(2199, 12, 31)))
def test_iso_date_times_read_back_exactly(hour: int, minute: int, day: object) -> None:
    text = f"{day.isoformat()} {hour:02d}:{minute:02d}"  # type: ignore[attr-defined]
    when = parse_when(text, NOW)
    local = local_datetime(day, datetime(2000, 1, 1, hour, minute).time(), PARIS)  # type: ignore[arg-type]
    assert when.at == local and when.has_time


@given(
    st.integers(0, 23),
    st.integers(0, 59),
    st.dates(max_value=date(1899, 12, 31)) | st.dates(date(2200, 1, 1)),
)
def test_iso_date_times_outside_the_years_are_refused(hour: int, minute: int, day: date) -> None:
    text = f"{day.isoformat()} {hour:02d}:{minute:02d}"
    with pytest.raises(DateParseError, match="out of range"):
        parse_when(text, NOW)


# Monday 23 November 2026, 10:00 in Paris (NOW): the forms people write.
@pytest.mark.parametrize(
    ("text", "order", "prefer", "expected"),
    [
        ("31/12", "DMY", "future", "2026-12-31 00:00 (day)"),
        ("31/12/2026", "DMY", "future", "2026-12-31 00:00 (day)"),
        ("31.12.", "DMY", "future", "2026-12-31 00:00 (day)"),
        ("31.12.2026", "DMY", "future", "2026-12-31 00:00 (day)"),
        ("3/12", "DMY", "future", "2026-12-03 00:00 (day)"),
        ("3/12", "MDY", "future", "2027-03-12 00:00 (day)"),
        ("12/31", "MDY", "future", "2026-12-31 00:00 (day)"),
        ("12/31/26", "MDY", "future", "2026-12-31 00:00 (day)"),
        ("1/11", "DMY", "future", "2027-11-01 00:00 (day)"),  # passed this year: the next one
        ("1/11", "DMY", "past", "2026-11-01 00:00 (day)"),
        ("31/12 14h", "DMY", "future", "2026-12-31 14:00"),
        ("tomorrow at 2", "DMY", "future", "2026-11-24 14:00"),
        ("tomorrow at 9", "DMY", "future", "2026-11-24 09:00"),
        ("tomorrow at 2pm", "DMY", "future", "2026-11-24 14:00"),
        ("14h", "DMY", "future", "2026-11-23 14:00"),
        ("14h30", "DMY", "future", "2026-11-23 14:30"),
        ("9h", "DMY", "future", "2026-11-24 09:00"),
        ("2pm", "DMY", "future", "2026-11-23 14:00"),
        ("Monday 9", "DMY", "future", "2026-11-30 09:00"),
        ("friday 2", "DMY", "future", "2026-11-27 14:00"),
        ("end of month", "DMY", "future", "2026-11-30 00:00 (day)"),
        ("end of the month", "DMY", "future", "2026-11-30 00:00 (day)"),
        ("end of quarter", "DMY", "future", "2026-12-31 00:00 (day)"),
        ("end of the quarter 3pm", "DMY", "future", "2026-12-31 15:00"),
        ("eoq", "DMY", "future", "2026-12-31 00:00 (day)"),
        ("end of week", "DMY", "future", "2026-11-27 00:00 (day)"),
        ("in 3 weeks", "DMY", "future", "2026-12-14 00:00 (day)"),
        ("next Tuesday", "DMY", "future", "2026-11-24 00:00 (day)"),
        ("next tuesday at 10", "DMY", "future", "2026-11-24 10:00"),
        ("29/2", "DMY", "future", "2028-02-29 00:00 (day)"),
    ],
)
def test_forms_people_write(text: str, order: str, prefer: str, expected: str) -> None:
    when = parse_when(text, NOW, prefer=prefer, order=order)  # type: ignore[arg-type]
    assert when.at.strftime("%Y-%m-%d %H:%M") + ("" if when.has_time else " (day)") == expected


def test_end_of_quarter_in_every_quarter() -> None:
    for month, expected in ((2, "03-31"), (5, "06-30"), (8, "09-30"), (10, "12-31")):
        now = datetime(2026, month, 10, 10, 0, tzinfo=PARIS)
        assert parse_when("end of quarter", now).at.strftime("%m-%d") == expected


@pytest.mark.parametrize(
    ("text", "order", "named"),
    [
        ("25:00", "DMY", "“25:00” is not a time of day"),
        ("tomorrow 25:00", "DMY", "“25:00” is not a time of day"),
        ("13pm", "DMY", "“13pm” is not a time of day"),
        ("14h75", "DMY", "“14h75” is not a time of day"),
        ("31/02", "DMY", "31/02 is not a real date (day/month)"),
        ("12/31", "DMY", "12/31 is not a real date (day/month)"),
        ("31/12", "MDY", "31/12 is not a real date (month/day)"),
        ("31/04/2027", "DMY", "31/04/2027 is not a real date"),
    ],
)
def test_a_date_or_time_that_does_not_exist_is_named(text: str, order: str, named: str) -> None:
    with pytest.raises(DateParseError) as err:
        parse_when(text, NOW, order=order)  # type: ignore[arg-type]
    assert named in str(err.value)
    assert err.value.definite


@pytest.mark.parametrize("text", ["Acme 25:00", "call at 25:00 tomorrow", "Globex 13pm", "Initech 31/02"])
def test_definite_error_finds_the_bad_word(text: str) -> None:
    assert definite_error(text, NOW) is not None


@pytest.mark.parametrize(
    "text", ["Web 2.0", "reply within 24h", "meet at 30 rue de Rivoli", "16:9 deck", "Studio 54", "Acme 3pm"]
)
def test_words_that_only_look_like_numbers_are_not_errors(text: str) -> None:
    assert definite_error(text, NOW) is None


@pytest.mark.parametrize(
    ("setting", "locale", "tz", "expected"),
    [
        ("MDY", "fr-FR", "Europe/Paris", "MDY"),  # the playbook wins
        ("DMY", "en-US", "America/New_York", "DMY"),
        (None, "en-US", "Europe/Paris", "MDY"),  # then the person's Slack locale
        (None, "en-GB", "America/New_York", "DMY"),
        (None, None, "America/New_York", "MDY"),  # then their zone
        (None, None, "America/Indiana/Indianapolis", "MDY"),
        (None, None, "America/Toronto", "DMY"),
        (None, None, "Europe/Paris", "DMY"),
        (None, None, None, "DMY"),
    ],
)
def test_date_order_for(setting: str | None, locale: str | None, tz: str | None, expected: str) -> None:
    assert date_order_for(setting, locale, tz) == expected


def test_one_date_style_everywhere() -> None:
    from datetime import date

    from bot.domain.dates import format_when

    tuesday = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert format_when(tuesday, PARIS, now=NOW) == "Tue 1 Dec, 09:00"  # this year: no year
    assert format_when(tuesday, PARIS, now=NOW, with_time=False) == "Tue 1 Dec"
    assert format_when(datetime(2027, 1, 5, 8, 0, tzinfo=UTC), PARIS, now=NOW) == "Tue 5 Jan 2027, 09:00"
    # The year is the reader's: on New Year's Eve evening in New York it is already 2027 in Paris.
    eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_when(datetime(2027, 1, 1, 8, 0, tzinfo=UTC), PARIS, now=eve) == "Fri 1 Jan, 09:00"
    assert format_when(datetime(2027, 1, 1, 8, 0, tzinfo=UTC), NEW_YORK, now=eve) == "Fri 1 Jan 2027, 03:00"
    assert format_when(date(2027, 3, 1), now=NOW) == "Mon 1 Mar 2027"  # a day alone
    assert format_when(tuesday, NEW_YORK, now=NOW) == "Tue 1 Dec, 03:00"  # in the reader's zone


READERS = [
    None,
    ZoneInfo("UTC"),
    PARIS,
    NEW_YORK,
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Asia/Kathmandu"),
]


def test_a_readers_formatter_reads_every_instant_as_format_when_across_dst() -> None:
    from datetime import timedelta

    from bot.domain.dates import WhenFormatter, format_when

    # Every 10 minutes through the spring and autumn changes of Paris and New York (and Lord Howe's
    # half-hour shifts), one formatter per reader reused for all: each day's words come from its cache.
    starts = [
        datetime(2026, 3, 7, tzinfo=UTC),
        datetime(2026, 3, 28, tzinfo=UTC),
        datetime(2026, 10, 3, tzinfo=UTC),
    ]
    starts += [
        datetime(2026, 10, 24, tzinfo=UTC),
        datetime(2026, 10, 31, tzinfo=UTC),
        datetime(2026, 12, 31, tzinfo=UTC),
    ]
    instants = [start + timedelta(minutes=10 * i) for start in starts for i in range(3 * 24 * 6)]
    for now in (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):
        for reader in READERS:
            formatter = WhenFormatter(reader, now=now)
            for when in instants:
                for with_time in (True, False):
                    expected = format_when(when, reader, now=now, with_time=with_time)
                    assert formatter(when, with_time=with_time) == expected, (reader, when)
            assert formatter(date(2027, 1, 1)) == format_when(date(2027, 1, 1), reader, now=now)


@given(
    st.datetimes(
        datetime(2000, 1, 1), datetime(2040, 12, 31), timezones=st.sampled_from([UTC, PARIS, NEW_YORK])
    ),
    st.datetimes(datetime(2000, 1, 1), datetime(2040, 12, 31), timezones=st.just(UTC)) | st.dates(),
    st.sampled_from(READERS),
    st.booleans(),
)
def test_a_readers_formatter_reads_as_format_when(
    when: datetime, now: datetime | date, reader: ZoneInfo | None, with_time: bool
) -> None:
    from bot.domain.dates import WhenFormatter, format_when

    formatter = WhenFormatter(reader, now=now)
    expected = format_when(when, reader, now=now, with_time=with_time)
    assert formatter(when, with_time=with_time) == expected
    assert formatter(when, with_time=with_time) == expected  # the cached day reads the same
    assert formatter(when.date()) == format_when(when.date(), reader, now=now)
