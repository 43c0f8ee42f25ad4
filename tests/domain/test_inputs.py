"""Input limits come from the models, and typed numbers, ids and dates never crash the parsers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain import accounts as acc
from bot.domain.dates import MAX_DATE_WORDS, DateParseError, candidate_splits, parse_when
from bot.domain.errors import UserError
from bot.domain.inputs import clean, cleaned, control_character, record_id, whole_number
from bot.domain.opportunities import parse_id
from bot.playbook import load_playbook
from bot.storage.limits import INTEGER_MAX, ColumnLimitError, int_bounds, max_length
from bot.storage.models import Account, Opportunity, UserProfile
from tests.helpers import session_factory_for

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_limits_are_read_from_the_models() -> None:
    assert max_length(Account.name) == 200
    assert max_length(Account.external_id) == 120
    assert max_length(UserProfile.user_id) == 32
    assert max_length(Opportunity.title) is None  # Text: unbounded
    assert int_bounds(Account.mrr) == (-(2**31), 2**31 - 1)
    assert int_bounds(Account.name) is None


@pytest.mark.parametrize(
    ("typed", "number"),
    [("12", 12), ("#12", 12), (" 7 ", 7), ("0", None), ("²", None), ("٣", None), ("-3", None),
     ("99999999999999999999", None), (str(INTEGER_MAX), INTEGER_MAX), (str(INTEGER_MAX + 1), None),
     ("1e3", None), ("", None), ("abc", None), ("1" * 5000, None)],
)  # fmt: skip
def test_record_ids_are_ascii_digits_an_id_column_holds(typed: str, number: int | None) -> None:
    assert record_id(typed) == number


def test_record_ids_from_json_values() -> None:
    assert record_id(5) == 5
    assert [record_id(v) for v in (True, None, 0, -1, 2**40, 1.5, [1], {"a": 1})] == [None] * 8


def test_whole_numbers_refuse_unicode_digits_and_overlong_text() -> None:
    assert whole_number("42") == 42
    assert whole_number("²") is None
    assert whole_number("٤٢") is None
    assert whole_number("9" * 4500) is None  # int() would refuse it with a ValueError


def test_parse_id_says_what_is_wrong_instead_of_crashing() -> None:
    for typed in ("²", "٣", "99999999999999999999", "#", "x1"):
        with pytest.raises(UserError, match="is not an opportunity number"):
            parse_id(typed, "/opportunity won 12")


def test_control_characters_are_dropped_from_typed_text() -> None:
    assert clean("Acme\x00 Corp\x07") == "Acme Corp"
    assert clean("line one\r\nline two\tend") == "line one\nline two\tend"
    assert clean("broken \ud800 surrogate") == "broken  surrogate"
    assert clean("plain text ß é 日本") == "plain text ß é 日本"
    body = {"text": "a\x00b", "actions": [{"value": "1\x1b2"}], "n": 3, "k\x00": None}
    assert cleaned(body) == {"text": "ab", "actions": [{"value": "12"}], "n": 3, "k": None}


def test_files_name_the_control_character() -> None:
    assert control_character("Acme\x00Corp") == "U+0000"
    assert control_character("two\nlines\r\n\tand a tab") is None


@pytest.mark.parametrize(
    "text",
    ["in 99999999 days", "99999999 days ago", "in 9999 years", "0001-01-01", "9999-12-31",
     "9999-12-31 23:00", "0001-01-01 00:30", "1 jan 0001", "dec 31 9999", "in 400000 weeks"],
)  # fmt: skip
def test_dates_beyond_the_calendar_are_a_parse_error(text: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_when(text, NOW, prefer="past")
    assert caught.value.definite
    with pytest.raises(DateParseError):
        parse_when(text, NOW, prefer="future")


def test_impossible_days_and_unicode_digits_are_parse_errors() -> None:
    with pytest.raises(DateParseError, match="2026-02-30 is not a real date"):
        parse_when("2026-02-30", NOW)
    for text in ("in ² days", "² dec", "dec ²", "in ٣ days"):
        with pytest.raises(DateParseError):
            parse_when(text, NOW)


def test_splits_of_a_long_text_are_bounded() -> None:
    words = ["w"] * 10_000
    splits = candidate_splits(words)
    assert len(splits) == MAX_DATE_WORDS + 1
    assert splits[0][1] == "" and len(splits[-1][1].split()) == MAX_DATE_WORDS
    assert list(acc.name_prefixes(words)) == list(range(100, 0, -1))  # "w w … w" of 199 characters
    assert list(acc.name_prefixes(["x" * 300, "y"])) == []


def test_validation_refuses_what_postgresql_would_refuse() -> None:
    playbook = load_playbook(None)
    with pytest.raises(UserError, match="out of range"):
        acc.validate_fields({"mrr": "3000000000"}, playbook)
    assert acc.validate_fields({"mrr": "2147483647"}, playbook)["mrr"] == INTEGER_MAX
    with pytest.raises(UserError, match="too long"):
        acc.validate_fields({"name": "ß" * 150}, playbook)  # 300 characters once case-folded
    with pytest.raises(UserError, match="too long"):
        acc.validate_fields({"name": "ﬃ" * 100}, playbook)  # "ffi" when searched for
    with pytest.raises(UserError, match="too long"):
        acc.validate_fields({"external_id": "e" * 121}, playbook)
    with pytest.raises(UserError, match="is not a person"):
        acc.validate_fields({"owner": "<@U" + "A" * 40 + ">"}, playbook)
    with pytest.raises(UserError, match="out of range"):
        acc.validate_fields({"renewal": "0001-01-01"}, playbook)


def test_the_flush_guard_refuses_a_row_that_does_not_fit(db_engine) -> None:  # type: ignore[no-untyped-def]
    factory = session_factory_for(db_engine)
    bad_rows = [
        {"name": "Nul\x00Corp"},
        {"name": "x" * 201},
        {"owner_id": "U" * 33},
        {"mrr": 2**31},
        {"name": "broken \udc80"},
    ]
    for values in bad_rows:
        row = {
            "name": "Fine",
            "name_key": "fine",
            "status": "prospect",
            "created_at": NOW,
            "updated_at": NOW,
            **values,
        }
        with pytest.raises(ColumnLimitError), factory() as session, session.begin():
            session.add(Account(**row))
    with factory() as session:
        assert session.scalars(select(Account)).all() == []
        session.add(Account(name="Fine", name_key="fine", status="prospect", created_at=NOW, updated_at=NOW))
        session.commit()
        account = session.scalars(select(Account)).one()
        account.mrr = -(2**31) - 1
        with pytest.raises(ColumnLimitError, match="mrr is out of range"):
            session.flush()
