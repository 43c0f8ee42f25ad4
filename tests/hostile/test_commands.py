"""Hostile commands get a clear reply with an example, write nothing, and never ping anyone, on
SQLite and PostgreSQL alike (PostgreSQL refuses what SQLite stores: NUL, overlong text, 64-bit numbers)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bot.importer import AccountImporter, read_rows
from bot.storage.models import Account, Activity
from tests.helpers import Harness
from tests.hostile.snapshot import changed, pings, snapshot


def engine_of(bot: Harness) -> Engine:
    return bot.session_factory.kw["bind"]  # type: ignore[no-any-return]


@pytest.fixture
def acme(db_bot: Harness) -> Harness:
    db_bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice> mrr:4200")
    db_bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    db_bot.command("/opportunity", 'add Acme Corp upsell "20 seats" mrr:+1200')
    return db_bot


REFUSED = [
    ("/log", "call Acme Corp in 99999999 days: x", "out of range"),
    ("/log", "call Acme Corp 0001-01-01: x", "out of range"),
    ("/log", "call Acme Corp 2026-02-30: x", "2026-02-30 is not a real date"),
    ("/followup", "Acme Corp: call back 9999-12-31", "out of range"),
    ("/followup", "Acme Corp: call back in 99999999 days", "out of range"),
    ("/followup", "Acme Corp: call back 2026-02-30", "not a real date"),
    ("/followup", "done ²", "Which follow-up?"),
    ("/followup", "done 99999999999999999999", "Which follow-up?"),
    ("/opportunity", "won 99999999999999999999", "is not an opportunity number"),
    ("/opportunity", "won ²", "is not an opportunity number"),
    ("/opportunity", "lost ٣ reason:price", "is not an opportunity number"),
    ("/opportunity", "set 1 mrr:3000000000", "out of range"),
    ("/opportunity", 'add Acme Corp upsell "x" mrr:+99999999999', "out of range"),
    ("/opportunity", "add Acme Corp upsell x close:0001-01-01", "out of range"),
    ("/account", "add Big mrr:3000000000", "out of range"),
    ("/account", "add " + "ß" * 150, "too long (200 characters at most)"),
    ("/account", "add X external_id:" + "e" * 300, "too long (120 characters at most)"),
    ("/account", "add Y owner:<@U" + "A" * 60 + ">", "is not a person"),
    ("/account", "set Acme Corp renewal:9999-12-31", "out of range"),
    ("/account", "Acme " + "a" * 50_000, "I don't know an account"),
    ("/account", "% _ * [a-z] ?", "I don't know an account"),
    ("/contact", 'add Acme Corp "' + "ß" * 150 + '"', "too long"),
    ("/visit", "Acme Corp on 9999-12-31 10:00", "Acme Corp"),
]


@pytest.mark.parametrize(
    ("command", "text", "expected"), REFUSED, ids=[f"{c} {t[:40]}" for c, t, _ in REFUSED]
)
def test_a_refused_command_says_why_and_writes_nothing(
    acme: Harness, command: str, text: str, expected: str
) -> None:
    before = snapshot(engine_of(acme))
    acme.command(command, text)
    reply = acme.last_reply()
    assert expected in acme.last_text()
    assert "Example" in acme.last_text() or "example" in acme.last_text() or "e.g." in acme.last_text()
    assert changed(before, snapshot(engine_of(acme))) == []
    assert pings(reply) == []


def test_control_characters_are_dropped_before_anything_is_stored(db_bot: Harness) -> None:
    db_bot.command("/account", "add Nul\x00Corp\x07 tier:gold")
    assert "Created *NulCorp*" in db_bot.last_text()
    db_bot.command("/log", "call NulCorp: hello\x00 there\x1b")
    with db_bot.db() as s:
        assert s.scalars(select(Account.name)).all() == ["NulCorp"]
        assert s.scalars(select(Activity.notes)).all() == ["hello there"]


def test_an_account_named_like_a_special_mention_pings_nobody(db_bot: Harness) -> None:
    db_bot.command("/account", "add <!channel> Corp owner:<@U0ALICE|alice>")
    db_bot.command("/log", "noshow <!channel> Corp")
    assert "No-show noted" in db_bot.last_text()
    db_bot.command("/account", "<!channel> Corp")
    db_bot.command("/followup", "<!channel> Corp: ping <!here> and <@U0BOB|bob> tomorrow 9am")
    for reply in db_bot.replies():
        assert pings(reply) == []
    for params in db_bot.fake.params("chat.postMessage"):
        assert pings(params) == []


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    "text",
    [
        "call " + " ".join(["w"] * 10_000) + " : n",
        "call Acme Corp " + " ".join(["with"] * 5_000) + " : n",
        "call " + " ".join(["Acme"] * 5_000) + " yesterday 3pm",
    ],
    ids=["words", "withs", "no-colon"],
)
def test_a_long_log_command_costs_a_bounded_number_of_queries(acme: Harness, text: str) -> None:
    before = snapshot(engine_of(acme))
    with counting_statements(engine_of(acme)) as statements:
        acme.command("/log", text)
    assert acme.last_text().startswith(":warning:")
    assert len(statements) < 150, len(statements)  # bounded by a name's length
    assert changed(before, snapshot(engine_of(acme))) == []


def test_a_long_visit_or_opportunity_command_is_bounded_too(acme: Harness) -> None:
    for command, text in (
        ("/visit", " ".join(["Acme"] * 5_000) + " every 2 weeks"),
        ("/opportunity", "add " + " ".join(["w"] * 5_000) + " upsell x"),
        ("/contact", "add " + " ".join(["w"] * 5_000) + ' "Jane Doe"'),
        ("/followup", "Acme Corp: " + " ".join(["w"] * 10_000) + " tomorrow"),
    ):
        with counting_statements(engine_of(acme)) as statements:
            acme.command(command, text)
        assert len(statements) < 150, (command, len(statements))


def test_import_rejects_rows_the_database_would_refuse_by_line(db_bot: Harness) -> None:
    text = (
        "name,mrr,external_id,owner\n"
        "Good One,4200,CRM-1,U0ALICE\n"
        "Too Rich,3000000000,,\n"  # line 3
        "Nul\x00Corp,,,\n"  # line 4
        f"{'ß' * 150},,,\n"  # line 5
        f"Long External,,{'e' * 121},\n"  # line 6
        f"Long Owner,,,U{'A' * 40}\n"  # line 7
        "Good Two,10,,\n"
    )
    _, rows = read_rows(io.StringIO(text))
    importer = AccountImporter(
        db_bot.session_factory, db_bot.services.playbook, now=db_bot.clock.now(), lookup_email=None
    )
    report = importer.run(rows)
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert "out of range" in reasons[3]
    assert "control character (U+0000)" in reasons[4]
    assert "too long" in reasons[5]
    assert "120" in reasons[6]
    assert "owner" in reasons[7]
    with db_bot.db() as s:
        assert sorted(s.scalars(select(Account.name))) == ["Good One", "Good Two"]
