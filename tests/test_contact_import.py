"""salesbot import contacts / export contacts: the accounts import's rules, for the buying team."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.cli import main
from bot.contact_import import ContactImporter, export_contacts, read_rows
from bot.importer import ImportFileError
from bot.storage.models import Account, AuditEntry, Contact, ContactStageChange
from tests.helpers import Harness

HEADER = "account,name,title,email,phone,role,stage,owner,notes\n"


@pytest.fixture
def acme(bot: Harness) -> Harness:
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex owner:<@U0BOB|bob>")
    return bot


def run(bot: Harness, text: str, *, dry_run: bool = False):  # type: ignore[no-untyped-def]
    _, rows = read_rows(io.StringIO(text))
    importer = ContactImporter(
        bot.session_factory,
        bot.services.playbook,
        now=bot.clock.now(),
        lookup_email=bot.services.people.lookup_by_email,
    )
    return importer.run(rows, dry_run=dry_run)


def contacts(bot: Harness) -> dict[str, Contact]:
    with bot.db() as s:
        return {f"{c.account_id}:{c.name}": c for c in s.scalars(select(Contact))}


def test_good_rows_are_written_and_bad_rows_reported_by_line(acme: Harness) -> None:
    report = run(
        acme,
        HEADER
        + "Acme Corp,Jane Doe,VP Finance,Jane@Acme.example,+1-555-0100,economic-buyer,evaluating,bob@example.com,\n"
        + "acme corp,Tom Lee,,,,procurement,problem aware,,needs a DPA\n"
        + "Acme Corp,Ann Bell,,,,buyer,,,\n"  # line 4: bad role
        + "Acme Corp,Bo Chen,,,,,keen,,\n"  # line 5: bad stage
        + "Acme Corp,Cy Diaz,,cy-at-acme,,,,,\n"  # line 6: bad e-mail
        + "Nowhere,Di Eve,,,,,,,\n"  # line 7: no such account
        + "Globex,,,,,,,,\n"  # line 8: no name
        + "Globex,Ed Fox,,jane@acme.example,,,,,\n",  # line 9: Jane's e-mail, at another account
    )
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (4, "“buyer” is not a buying role. Roles: `economic-buyer`, `decision-maker`, `champion`, `influencer`, "
            "`technical-evaluator`, `user`, `procurement`, `blocker`."),
        (5, "“keen” is not a readiness stage. Stages, first to last: `unaware`, `problem-aware`, "
            "`exploring-solutions`, `evaluating`, `validating`, `ready-to-decide`, `bought`."),
        (6, "email `cy-at-acme` is not an e-mail address, e.g. jane@acme.example."),
        (7, "no account is called “Nowhere”; import or add the account first"),
        (8, "the name is empty"),
        (9, "`jane@acme.example` is Jane Doe's e-mail, a contact at Acme Corp, not Globex"),
    ]  # fmt: skip
    found = contacts(acme)
    jane, tom = found["1:Jane Doe"], found["1:Tom Lee"]
    assert (jane.title, jane.email, jane.role, jane.stage, jane.owner_id) == (
        "VP Finance", "jane@acme.example", "economic buyer", "evaluating", "U0BOB",
    )  # fmt: skip
    assert (tom.role, tom.stage, tom.notes) == ("procurement", "problem aware", "needs a DPA")
    with acme.db() as s:
        history = s.execute(
            select(ContactStageChange.from_stage, ContactStageChange.to_stage, ContactStageChange.reason)
        ).all()
    assert sorted(history) == [(None, "evaluating", "import"), (None, "problem aware", "import")]


def test_reimport_updates_matching_on_e_mail_else_account_and_name(acme: Harness) -> None:
    run(acme, HEADER + "Acme Corp,Jane Doe,,jane@acme.example,,,,,\nAcme Corp,Tom Lee,,,,,,,\n")
    report = run(
        acme,
        HEADER
        + "Acme Corp,Jane Doe-Smith,,JANE@acme.example,,,validating,,\n"  # renamed: found by e-mail
        + "Acme Corp,tom lee,,tom@acme.example,,user,,,\n"  # found by name, gets an e-mail
        + "Acme Corp,Tom Lee,,tom@acme.example,,user,,,\n",  # the same again: unchanged
    )
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 2, 1, [])
    found = contacts(acme)
    assert set(found) == {"1:Jane Doe-Smith", "1:Tom Lee"}
    assert found["1:Jane Doe-Smith"].stage == "validating" and found["1:Tom Lee"].email == "tom@acme.example"
    with acme.db() as s:
        moves = s.execute(select(ContactStageChange.from_stage, ContactStageChange.to_stage)).all()
    assert ("unaware", "validating") in moves
    dry = run(acme, HEADER + "Acme Corp,New Person,,,,,,,\n", dry_run=True)
    assert dry.created == 1 and len(contacts(acme)) == 2


def test_a_file_without_account_or_name_is_refused() -> None:
    with pytest.raises(ImportFileError, match="no `account` column"):
        read_rows(io.StringIO("name,title\nJane,CFO\n"))


def test_export_is_the_import_s_columns_and_imports_back_unchanged(
    acme: Harness,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    acme.command(
        "/contact",
        'add Acme Corp "Jane Doe" role:economic-buyer email:jane@acme.example notes:"likes, commas"',
    )
    acme.command("/log", "meeting Acme Corp with Jane: pricing")
    out = io.StringIO()
    with acme.db() as s:
        assert export_contacts(s, out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == [
        "account",
        "name",
        "title",
        "email",
        "phone",
        "role",
        "stage",
        "owner",
        "notes",
        "last_touched",
    ]
    assert rows[1] == ["Acme Corp", "Jane Doe", "", "jane@acme.example", "", "economic buyer", "unaware", "U0ALICE",
                       "likes, commas", "2026-11-23T09:00:00Z"]  # fmt: skip
    path = tmp_path / "contacts.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SALESBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert main(["import", "contacts", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "0 created, 0 updated, 1 unchanged, 0 rejected." and captured.err == ""
    assert main(["export", "contacts"]) == 0
    assert capsys.readouterr().out == out.getvalue()


def test_imported_stage_moves_are_audited_on_the_contacts_account(db_bot: Harness) -> None:
    """On every backend: the moves are written in bulk, their ids read back in order."""
    acme = db_bot
    acme.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    run(acme, HEADER + "Acme Corp,Jane Doe,,,,champion,evaluating,,\n")
    run(acme, HEADER + "Acme Corp,Jane Doe,,,,champion,validating,,\n")  # a move by a later import
    with acme.db() as s:
        account_id = s.scalars(select(Account.id).where(Account.name == "Acme Corp")).one()
        moves = list(s.scalars(select(ContactStageChange).order_by(ContactStageChange.id)))
        entries = list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.record_type == "contact stage change")
                .order_by(AuditEntry.id)
            )
        )
    assert [(e.record_id, e.surface, e.account_id, e.changes["to_stage"]) for e in entries] == [
        (str(moves[0].id), "import", account_id, [None, "evaluating"]),
        (str(moves[1].id), "import", account_id, [None, "validating"]),
    ]
    assert entries[1].changes["from_stage"] == [None, "evaluating"]
