from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.domain import accounts as acc
from bot.domain.errors import UserError
from bot.playbook import load_playbook
from bot.storage.db import unit_of_work
from bot.storage.keys import search_key
from bot.storage.models import LOCAL_TEAM, Account

PLAYBOOK = load_playbook()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def session(session_factory) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        for name in ("Acme Corp", "Acme Labs", "Globex", "Initech Systems", "Umbrella 100% Ltd"):
            acc.create(s, name, {}, playbook=PLAYBOOK, now=NOW, created_by="U0ALICE")
        yield s


def test_resolve_exact_ignores_case_and_spaces(session: Session) -> None:
    assert acc.resolve(session, "  acme   CORP ").account.name == "Acme Corp"  # type: ignore[union-attr]


def test_resolve_unique_prefix(session: Session) -> None:
    assert acc.resolve(session, "Init").account.name == "Initech Systems"  # type: ignore[union-attr]


def test_resolve_ambiguous_prefix_lists_candidates(session: Session) -> None:
    found = acc.resolve(session, "Acme")
    assert found.account is None
    assert [a.name for a in found.candidates] == ["Acme Corp", "Acme Labs"]


def test_resolve_treats_like_wildcards_literally(session: Session) -> None:
    assert acc.resolve(session, "Umbrella 100%").account.name == "Umbrella 100% Ltd"  # type: ignore[union-attr]
    assert acc.resolve(session, "_").account is None


def test_resolve_unknown_suggests_close_names(session: Session) -> None:
    found = acc.resolve(session, "Globx")
    assert found.account is None and found.candidates == []
    assert found.suggestions[0] == "Globex"


def test_require_unknown_offers_suggestions_and_create(session: Session) -> None:
    with pytest.raises(UserError) as err:
        acc.require(session, "Globx", example="/account Globex")
    assert "Did you mean “Globex”" in err.value.message
    assert ("Globex", "pick_account_name", "Globex") in err.value.choices
    assert err.value.choices[-1] == ("Create “Globx”", "create_account", "Globx")
    assert err.value.typed == "Globx"


def test_require_ambiguous_offers_each_candidate(session: Session) -> None:
    with pytest.raises(UserError) as err:
        acc.require(session, "acme", example="/account Acme Corp")
    assert [c[0] for c in err.value.choices] == ["Acme Corp", "Acme Labs"]
    assert {c[1] for c in err.value.choices} == {"pick_account"}


def test_search_puts_prefix_matches_first_then_fuzzy(session: Session) -> None:
    assert [a.name for a in acc.search(session, "acm")][:2] == ["Acme Corp", "Acme Labs"]
    assert "Initech Systems" in [a.name for a in acc.search(session, "initek")]
    assert len(acc.search(session, "")) == 5


def test_create_refuses_a_duplicate_name(session: Session) -> None:
    with pytest.raises(UserError, match="already an account called “Acme Corp”"):
        acc.create(session, "ACME  corp", {}, playbook=PLAYBOOK, now=NOW, created_by="U0BOB")


def test_rename_refuses_a_taken_name(session: Session) -> None:
    globex = acc.resolve(session, "Globex").account
    assert globex is not None
    with pytest.raises(UserError, match="Another account is already called “Acme Labs”"):
        acc.update(session, globex, {"name": "acme labs"}, now=NOW)


def test_validate_fields_turns_text_into_values() -> None:
    values = acc.validate_fields(
        {
            "tier": "Gold",
            "status": "hot-prospect",
            "owner": "<@U0ALICE|alice>",
            "csm": "<@U0BOB>",
            "tags": "Retail, north,,retail",
            "mrr": "4.2k",
            "renewal": "2027-03-31",
            "channel": "<#C0ACME|acme-shared>",
            "external_id": "SF-001",
            "name": "  Acme   Corporation ",
        },
        PLAYBOOK,
    )
    assert values == {
        "tier": "gold",
        "status": "hot prospect",
        "owner_id": "U0ALICE",
        "csm_id": "U0BOB",
        "tags": ["north", "retail"],
        "mrr": 4200,
        "renewal_date": date(2027, 3, 31),
        "channel_id": "C0ACME",
        "external_id": "SF-001",
        "name": "Acme Corporation",
    }


def test_validate_fields_clears_with_none() -> None:
    assert acc.validate_fields({"tier": "none", "csm": "none", "renewal": "-"}, PLAYBOOK) == {
        "tier": None,
        "csm_id": None,
        "renewal_date": None,
    }
    assert acc.validate_fields({"tags": "none", "mrr": "-", "external_id": "none"}, PLAYBOOK) == {
        "tags": [],
        "mrr": None,
        "external_id": None,
    }
    assert acc.validate_fields({"tags": "-", "mrr": "none"}, PLAYBOOK) == {"tags": [], "mrr": None}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tier", "platinum", "`platinum` is not a tier. Tiers: gold, silver, bronze."),
        ("status", "warm", "`warm` is not a status. Statuses: customer, prospect, hot prospect"),
        ("owner", "@alice", "`owner:@alice` is not a person"),
        ("csm", "bob", "`csm:bob` is not a person"),
        ("mrr", "lots", "`mrr:lots` is not an amount"),
        ("mrr", "nan", "`mrr:nan` is not an amount"),
        ("mrr", "-5", "`mrr:-5` is out of range"),
        ("renewal", "2027-02-30", "`renewal:2027-02-30` is not a date. Use YYYY-MM-DD"),
        ("channel", "#acme", "`channel:` takes a #channel link"),
        ("name", "", "`name:` needs the new name"),
    ],
)
def test_validate_fields_errors_name_the_field(field: str, value: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        acc.validate_fields({field: value}, PLAYBOOK)
    assert message in err.value.message
    assert err.value.example == acc.ADD_EXAMPLE


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("4200", 4200),
        ("4,200", 4200),
        ("$4200", 4200),
        ("€4.2k", 4200),
        ("4.2K", 4200),
        ("0", 0),
        ("12.5", 12),
    ],
)
def test_parse_mrr(text: str, amount: int) -> None:
    assert acc.parse_mrr(text) == amount


@given(st.text(max_size=12))
def test_parse_mrr_gives_an_amount_or_a_user_error(text: str) -> None:
    try:
        amount = acc.parse_mrr(text)
    except UserError as err:
        assert "mrr:" in err.message
    else:
        assert isinstance(amount, int) and 0 <= amount <= 10**12


def test_segment_filters_and_segment(session: Session) -> None:
    acme = acc.resolve(session, "Acme Corp").account
    globex = acc.resolve(session, "Globex").account
    assert acme is not None and globex is not None
    acc.update(session, acme, {"tier": "gold", "tags": ["retail"], "owner_id": "U0ALICE"}, now=NOW)
    acc.update(session, globex, {"tier": "gold", "tags": ["north"], "owner_id": "U0BOB"}, now=NOW)
    filters = acc.segment_filters({"tier": "Gold", "owner": "<@U0ALICE|alice>", "tag": "Retail"}, PLAYBOOK)
    assert filters == {"tier": "gold", "owner_id": "U0ALICE", "tag": "retail"}
    rows, total = acc.segment(session, filters)
    assert [a.name for a in rows] == ["Acme Corp"] and total == 1
    assert acc.segment(session, {"tier": "gold"})[1] == 2
    assert acc.segment(session, {"tier": None})[1] == 3  # no tier


def test_segment_filter_errors_show_the_list_example() -> None:
    with pytest.raises(UserError) as err:
        acc.segment_filters({"tier": "platinum"}, PLAYBOOK)
    assert err.value.example == acc.LIST_EXAMPLE


def test_linked_to_channel(session: Session) -> None:
    acme = acc.resolve(session, "Acme Corp").account
    assert acme is not None
    acc.update(session, acme, {"channel_id": "C0ACME"}, now=NOW)
    assert acc.linked_to_channel(session, "C0ACME") is acme
    assert acc.linked_to_channel(session, "C0OTHER") is None
    assert acc.linked_to_channel(session, None) is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("L'Oréal & Co", "loreal co"),
        ("L’ORÉAL & CO.", "loreal co"),
        ("  Société   Générale ", "societe generale"),
        ("Œuvre-Ltd_", "oeuvre ltd"),
        ("Müller GmbH", "muller gmbh"),
        ("100% Pure", "100 pure"),
    ],
)
def test_search_key_ignores_accents_case_punctuation_and_apostrophes(name: str, key: str) -> None:
    assert search_key(name) == key


def test_accounts_are_found_as_people_type_them(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        for name in ("L'Oréal & Co", "L'Oréal", "Société Générale", "Acme Corp"):
            acc.create(s, name, {}, playbook=PLAYBOOK, now=NOW, created_by="U0ALICE")
    with unit_of_work(session_factory) as s:
        assert acc.resolve(s, "loreal co").account.name == "L'Oréal & Co"
        assert acc.resolve(s, "L’Oréal").account.name == "L'Oréal"  # the same letters: exact
        assert acc.resolve(s, "LOREAL").account.name == "L'Oréal"
        assert acc.resolve(s, "societe").account.name == "Société Générale"
        assert acc.resolve(s, "acme-corp").account.name == "Acme Corp"
        assert acc.resolve(s, "%").account is None  # no wildcard gets through


def test_renaming_keeps_the_search_key(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        account = acc.create(s, "Acme Corp", {}, playbook=PLAYBOOK, now=NOW, created_by="U0ALICE")
        acc.update(s, account, {"name": "Émile & Fils"}, now=NOW)
    with unit_of_work(session_factory) as s:
        assert acc.resolve(s, "emile fils").account.name == "Émile & Fils"
        assert acc.resolve(s, "acme").account is None


def test_lookup_is_one_query_on_the_search_index(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:  # the SQLite test database
        stmt = select(Account).where(Account.team_id == LOCAL_TEAM, acc.starts_with_key("loreal", "sqlite"))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r[-1]) for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "USING INDEX ix_accounts_team_search" in plan, plan
