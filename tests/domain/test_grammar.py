from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import UserError
from bot.domain.grammar import (
    channel_id_of,
    normalise_choice,
    parse_fields,
    split_head,
    tokenize,
    user_id_of,
)

STATUSES = ("customer", "prospect", "hot prospect", "cold prospect", "former customer")


def test_tokenize_keeps_quotes_mentions_and_quoted_fields_whole() -> None:
    assert tokenize('Acme Corp status:"hot prospect" owner:<@U0BOB|bob> "two words"') == [
        "Acme",
        "Corp",
        'status:"hot prospect"',
        "owner:<@U0BOB|bob>",
        "two words",
    ]


def test_tokenize_reads_typographic_quotes_as_plain_ones() -> None:
    assert tokenize("Acme status:“hot prospect”") == ["Acme", 'status:"hot prospect"']


def test_parse_fields_separates_words_and_fields() -> None:
    parsed = parse_fields(
        'Acme Corp tier:gold status:"hot prospect" owner:<@U0ALICE|alice> csm:<@U0BOB> tags:retail,north',
        {"tier", "status", "owner", "csm", "tags"},
    )
    assert parsed.text == "Acme Corp"
    assert parsed.fields == {
        "tier": "gold",
        "status": "hot prospect",
        "owner": "<@U0ALICE|alice>",
        "csm": "<@U0BOB>",
        "tags": "retail,north",
    }


def test_parse_fields_keys_are_case_insensitive() -> None:
    assert parse_fields("Acme Tier:gold", {"tier"}).fields == {"tier": "gold"}


def test_parse_fields_unknown_key_names_the_allowed_ones() -> None:
    with pytest.raises(UserError) as err:
        parse_fields("Acme colour:red", {"tier", "status"}, example="/account set Acme tier:gold")
    assert "`colour:`" in err.value.message
    assert "`status:`, `tier:`" in err.value.message
    assert err.value.example == "/account set Acme tier:gold"


def test_parse_fields_leaves_urls_and_mentions_as_words() -> None:
    parsed = parse_fields("see https://example.com/x <@U0BOB|bob> <#C0ACME|acme>", {"tier"})
    assert parsed.fields == {}
    assert parsed.words == ["see", "https://example.com/x", "<@U0BOB|bob>", "<#C0ACME|acme>"]


@pytest.mark.parametrize(
    ("text", "head", "tail"),
    [
        ("Acme Corp: discussed renewal", "Acme Corp", "discussed renewal"),
        ("Acme Corp yesterday 3:30pm: demo at 4:00", "Acme Corp yesterday 3:30pm", "demo at 4:00"),
        ("Globex 2026-11-20 14:30: notes: more", "Globex 2026-11-20 14:30", "notes: more"),
        ("Acme Corp", "Acme Corp", None),
        ("Acme <https://acme.test/a:b|site>: x", "Acme <https://acme.test/a:b|site>", "x"),
        ("Acme https://acme.test/path: notes", "Acme https://acme.test/path", "notes"),
        ("Acme mailto:someone@acme.test: notes", "Acme mailto:someone@acme.test", "notes"),
        ("<@U0BOB|bob>: hi", "<@U0BOB|bob>", "hi"),
        ("Acme:", "Acme", ""),
    ],
)
def test_split_head(text: str, head: str, tail: str | None) -> None:
    assert split_head(text) == (head, tail)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<@U0BOB|bob>", "U0BOB"),
        ("<@U0BOB>", "U0BOB"),
        ("<@W012ABC>", "W012ABC"),
        ("@bob", None),
        ("U0BOB", None),
    ],
)
def test_user_refs(token: str, expected: str | None) -> None:
    assert user_id_of(token) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [("<#C0ACME|acme-team>", "C0ACME"), ("<#C0ACME>", "C0ACME"), ("#acme-team", None), ("<@U0BOB>", None)],
)
def test_channel_refs(token: str, expected: str | None) -> None:
    assert channel_id_of(token) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hot prospect", "hot prospect"),
        ("hot-prospect", "hot prospect"),
        ("Hot_Prospect", "hot prospect"),
        ("  HOT   prospect ", "hot prospect"),
        ("customer", "customer"),
        ("hot", None),
        ("prospects", None),
    ],
)
def test_normalise_choice(typed: str, expected: str | None) -> None:
    assert normalise_choice(typed, STATUSES) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_split_head_never_loses_text(text: str) -> None:
    head, tail = split_head(text)
    if tail is None:
        assert head == text.strip()
    else:
        assert head in text and tail in text
        assert len(head) + len(tail) < len(text)


@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=5))
def test_plain_words_round_trip_through_parse_fields(words: list[str]) -> None:
    assert parse_fields(" ".join(words), set()).words == words
