from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.domain import accounts as acc
from bot.domain.errors import UserError
from bot.domain.logging_grammar import parse_log, parse_type, resolve_head
from bot.playbook import load_playbook
from bot.storage.db import unit_of_work

PLAYBOOK = load_playbook()
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LOCAL_NOW = NOW.astimezone(PARIS)


@pytest.fixture
def session(session_factory) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        for name in ("Acme Corp", "Acme Labs", "Globex", "Friday Foods", "Monday Labs Friday"):
            acc.create(s, name, {}, playbook=PLAYBOOK, now=NOW, created_by="U0ALICE")
        yield s


def local(session: Session, head: str) -> tuple[str, str, str]:
    account, typed, when = resolve_head(session, head, LOCAL_NOW)
    return account.name, typed, when.at.strftime("%Y-%m-%d %H:%M") + ("" if when.has_time else " (day)")


def test_name_alone_means_now(session: Session) -> None:
    assert local(session, "Acme Corp") == ("Acme Corp", "Acme Corp", "2026-11-23 10:00")


def test_name_then_date_and_time(session: Session) -> None:
    assert local(session, "Globex yesterday 3pm") == ("Globex", "Globex", "2026-11-22 15:00")
    assert local(session, "acme corp friday") == ("Acme Corp", "acme corp", "2026-11-20 00:00 (day)")
    assert local(session, "Globex 2026-11-20 14:30") == ("Globex", "Globex", "2026-11-20 14:30")


def test_a_date_word_that_is_part_of_a_known_name_stays_in_the_name(session: Session) -> None:
    assert local(session, "Friday Foods") == ("Friday Foods", "Friday Foods", "2026-11-23 10:00")
    assert local(session, "Monday Labs Friday") == (
        "Monday Labs Friday",
        "Monday Labs Friday",
        "2026-11-23 10:00",
    )
    assert local(session, "Monday Labs Friday yesterday")[2] == "2026-11-22 00:00 (day)"


def test_unique_prefix_with_a_date(session: Session) -> None:
    assert local(session, "Glob yesterday") == ("Globex", "Glob", "2026-11-22 00:00 (day)")


def test_ambiguous_name_with_a_date_blames_the_name_only(session: Session) -> None:
    with pytest.raises(UserError) as err:
        resolve_head(session, "Acme yesterday 3pm", LOCAL_NOW)
    assert err.value.typed == "Acme"
    assert [c[0] for c in err.value.choices] == ["Acme Corp", "Acme Labs"]


def test_unknown_name_with_a_date_blames_the_name_only(session: Session) -> None:
    with pytest.raises(UserError) as err:
        resolve_head(session, "Initech yesterday", LOCAL_NOW)
    assert err.value.typed == "Initech"
    assert err.value.choices[-1] == ("Create “Initech”", "create_account", "Initech")


def test_impossible_date_is_reported_as_such(session: Session) -> None:
    with pytest.raises(UserError, match="2026-02-30 is not a real date"):
        resolve_head(session, "Globex 2026-02-30", LOCAL_NOW)


def test_parse_log_whole_command(session: Session) -> None:
    cmd = parse_log(
        session,
        "Meeting Globex yesterday 3:30pm: demo went well: they want 20 seats",
        PLAYBOOK.activity_types,
        LOCAL_NOW,
    )
    assert cmd.activity_type == "meeting"
    assert cmd.account.name == "Globex"
    assert cmd.when.at.astimezone(UTC) == datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
    assert cmd.notes == "demo went well: they want 20 seats"


@pytest.mark.parametrize(
    ("word", "expected"), [("call", "call"), ("CALL", "call"), ("e-mail", "email"), ("phone", "call")]
)
def test_parse_type_accepts_aliases(word: str, expected: str) -> None:
    assert parse_type(word, PLAYBOOK.activity_types) == expected


def test_parse_type_lists_the_valid_types() -> None:
    with pytest.raises(UserError) as err:
        parse_type("lunch", PLAYBOOK.activity_types)
    assert "“lunch” is not an activity type" in err.value.message
    for t in ("call", "email", "meeting", "video", "demo", "visit", "note"):
        assert f"`{t}`" in err.value.message
    assert err.value.example and err.value.example.startswith("/log call ")


def test_a_missing_colon_after_a_known_account_is_pointed_out(session: Session) -> None:
    with pytest.raises(UserError) as err:
        parse_log(session, "meeting Globex yesterday 3pm demo went well", PLAYBOOK.activity_types, LOCAL_NOW)
    assert "put a colon before your notes" in err.value.message
    assert err.value.example == "/log meeting Globex yesterday 3pm: demo went well"
    # The words may still be a new account's name: the create button stays.
    assert err.value.choices[-1][1] == "create_account"


@pytest.mark.parametrize("head", ["Globex 25:00", "Initech 25:00", "Globex yesterday 13pm", "Globex 31/02"])
def test_a_time_that_is_not_a_time_is_named_never_a_new_account(session: Session, head: str) -> None:
    with pytest.raises(UserError) as err:
        parse_log(session, f"call {head}: bad time", PLAYBOOK.activity_types, LOCAL_NOW)
    bad = head.split()[-1]
    assert f"{bad}" in err.value.message and "not a" in err.value.message
    assert err.value.choices == []  # no "Create …" button


def test_day_first_and_month_first_dates(session: Session) -> None:
    cmd = parse_log(session, "call Globex 20/11 14h: x", PLAYBOOK.activity_types, LOCAL_NOW)
    assert cmd.when.at.strftime("%Y-%m-%d %H:%M") == "2026-11-20 14:00"
    cmd = parse_log(session, "call Globex 11/20 2pm: x", PLAYBOOK.activity_types, LOCAL_NOW, order="MDY")
    assert cmd.when.at.strftime("%Y-%m-%d %H:%M") == "2026-11-20 14:00"


def test_a_new_name_that_extends_a_known_one_gets_no_hint(session: Session) -> None:
    with pytest.raises(UserError) as err:
        parse_log(session, "call Globex West: first call", PLAYBOOK.activity_types, LOCAL_NOW)
    assert "colon" not in err.value.message and "date" not in err.value.message
    assert err.value.choices[-1] == ("Create “Globex West”", "create_account", "Globex West")
