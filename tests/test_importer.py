"""salesbot import accounts: validation with line numbers, updates instead of duplicates, e-mail owners."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot import importer
from bot.cli import main
from bot.importer import PROGRESS_FROM, AccountImporter, ImportFileError, import_file, read_rows, run_import
from bot.settings import Settings
from bot.storage.models import Account, AuditEntry
from tests.helpers import FakeSlack, FakeUser, Harness

HEADER = "name,status,tier,tags,owner,csm,mrr,renewal_date,external_id\n"


def run(bot: Harness, csv_text: str, *, dry_run: bool = False, lookup: bool = True) -> Any:
    _, rows = read_rows(io.StringIO(csv_text))
    importer = AccountImporter(
        bot.session_factory,
        bot.services.playbook,
        now=bot.clock.now(),
        lookup_email=bot.services.people.lookup_by_email if lookup else None,
    )
    return importer.run(rows, dry_run=dry_run)


def accounts(bot: Harness) -> dict[str, Account]:
    with bot.db() as s:
        return {a.name: a for a in s.scalars(select(Account))}


def test_good_rows_are_written_and_bad_rows_reported_by_line(bot: Harness) -> None:
    report = run(
        bot,
        HEADER
        + 'Acme Corp,customer,gold,"Retail, North",U0ALICE,bob@example.com,4.2k,2027-03-31,CRM-1\n'
        + "Globex,hot-prospect,,,,,,,\n"
        + "Initech,nonsense,gold,,,,,,\n"  # line 4: bad status
        + "\n"
        + ",customer,,,,,,,\n"  # line 6: no name
        + "Umbrella,,platinum,,,,,,\n"  # line 7: bad tier
        + "Hooli,,,,nobody@example.com,,,,\n"  # line 8: unknown e-mail
        + "Soylent,,,,,,lots,,\n"  # line 9: bad mrr
        + "Wonka,,,,,,,31/12/2027,\n",  # line 10: bad date
    )
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [4, 6, 7, 8, 9, 10]
    assert "`nonsense` is not a status" in reasons[4]
    assert "name is empty" in reasons[6]
    assert "`platinum` is not a tier" in reasons[7]
    assert "no Slack user has the e-mail `nobody@example.com`" in reasons[8]
    assert reasons[9] == "mrr `lots` is not an amount: use a number like 4200, 4.2k or $4,200"
    assert reasons[10].startswith("renewal_date `31/12/2027` is not a date: use YYYY-MM-DD")
    # Worded for a file: no slash-command syntax such as `mrr:4200` or `status:"hot prospect"`.
    assert not any(":4200" in r or "status:" in r or "renewal:" in r for r in reasons.values())
    stored = accounts(bot)
    assert set(stored) == {"Acme Corp", "Globex"}
    acme = stored["Acme Corp"]
    assert (acme.status, acme.tier, acme.tags, acme.owner_id, acme.csm_id) == (
        "customer", "gold", ["north", "retail"], "U0ALICE", "U0BOB",
    )  # fmt: skip
    assert (acme.mrr, acme.renewal_date, acme.external_id) == (4200, date(2027, 3, 31), "CRM-1")
    assert stored["Globex"].status == "hot prospect"


def test_reimport_updates_instead_of_duplicating(bot: Harness) -> None:
    text = HEADER + "Acme Corp,customer,gold,,U0ALICE,,100,,CRM-1\nGlobex,prospect,,,,,,,\n"
    run(bot, text)
    again = run(bot, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(bot, HEADER + "Acme Corp,customer,silver,,U0ALICE,,200,,CRM-1\n")
    assert (changed.created, changed.updated) == (0, 1)
    stored = accounts(bot)
    assert len(stored) == 2
    assert (stored["Acme Corp"].tier, stored["Acme Corp"].mrr) == ("silver", 200)
    assert stored["Globex"].status == "prospect"  # untouched


def test_a_dash_clears_every_optional_field(bot: Harness) -> None:
    run(bot, HEADER + 'Acme Corp,customer,gold,"retail, north",U0ALICE,U0BOB,4200,2027-03-31,CRM-1\n')
    report = run(bot, HEADER + "Acme Corp,,-,-,-,-,-,-,-\n")
    assert report.rejected == [] and report.updated == 1
    acme = accounts(bot)["Acme Corp"]
    assert (
        acme.tier,
        acme.tags,
        acme.owner_id,
        acme.csm_id,
        acme.mrr,
        acme.renewal_date,
        acme.external_id,
    ) == (
        None,
        [],
        None,
        None,
        None,
        None,
        None,
    )
    assert acme.status == "customer"  # an empty cell keeps it


def test_external_id_wins_over_name_and_renames(bot: Harness) -> None:
    run(bot, HEADER + "Acme Corp,,,,,,,,CRM-1\nGlobex,,,,,,,,\n")
    report = run(
        bot,
        HEADER
        + "Acme Corporation,,,,,,,,CRM-1\n"  # same external id, new name: a rename
        + "  GLOBEX ,,silver,,,,,,CRM-2\n"  # no match on external id; the name matches (folded)
        + "Globex,,,,,,,,CRM-9\n",  # the name is Globex's, whose external id is now CRM-2
    )
    assert (report.created, report.updated) == (0, 2)
    reasons = {r.line: r.reason for r in report.rejected}
    assert "whose external_id is `CRM-2`, not `CRM-9`" in reasons[4]
    clash = run(bot, HEADER + "Globex,,,,,,,,CRM-1\n")  # renaming CRM-1 to a name another account has
    assert "another account is already called “Globex”" in clash.rejected[0].reason
    stored = accounts(bot)
    assert set(stored) == {"Acme Corporation", "Globex"}
    assert stored["Acme Corporation"].name_key == "acme corporation"
    assert (stored["Globex"].tier, stored["Globex"].external_id) == ("silver", "CRM-2")


def test_email_lookups_go_through_slack_once_per_address(bot: Harness) -> None:
    report = run(
        bot,
        HEADER
        + "A1,,,,carol@example.com,CAROL@example.com,,,\n"
        + "A2,,,,carol@example.com,,,,\n"
        + "A3,,,,-,<@U0BOB|bob>,,,\n",
    )
    assert report.rejected == []
    assert len(bot.fake.calls("users.lookupByEmail")) == 1
    stored = accounts(bot)
    assert (stored["A1"].owner_id, stored["A1"].csm_id, stored["A2"].owner_id) == ("U0CAROL",) * 3
    assert (stored["A3"].owner_id, stored["A3"].csm_id) == (None, "U0BOB")


def test_without_a_token_email_owners_are_rejected_with_the_reason(bot: Harness) -> None:
    report = run(bot, HEADER + "A1,,,,carol@example.com,,,,\n", lookup=False)
    assert "set SLACK_BOT_TOKEN" in report.rejected[0].reason
    assert accounts(bot) == {}


def test_dry_run_writes_nothing(bot: Harness) -> None:
    report = run(bot, HEADER + "A1,,,,,,,,\nA2,,gold,,,,,,\n", dry_run=True)
    assert report.created == 2 and "Dry run: 2 would be created" in report.summary()
    assert accounts(bot) == {}


def test_the_same_external_id_twice_in_one_file_rejects_both_rows(bot: Harness) -> None:
    report = run(bot, HEADER + "Acme,,,,,,,,X1\nGlobex,,,,,,,,X2\nAcme,,gold,,,,,,X1\n")
    assert (report.created, report.updated) == (1, 0)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (2, "external_id `X1` is on lines 2 and 4; keep one row per account and import again"),
        (4, "external_id `X1` is on lines 2 and 4; keep one row per account and import again"),
    ]
    assert set(accounts(bot)) == {"Globex"}


def test_a_file_without_a_name_column_is_refused() -> None:
    with pytest.raises(ImportFileError, match="no `name` column"):
        read_rows(io.StringIO("company,tier\nAcme,gold\n"))


def test_cli_reports_lines_and_summary(tmp_path: Path, engine: Engine, bot: Harness) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(
        HEADER + "Acme Corp,customer,gold,,alice@example.com,,,,C1\nBad,,wood,,,,,,\n", encoding="utf-8"
    )
    settings = Settings(
        bot_token="xoxb-test",
        slack_api_url=bot.fake.api_url,
        database_url=engine.url.render_as_string(hide_password=False),
    )
    out, err = io.StringIO(), io.StringIO()
    assert run_import(settings, str(path), out=out, err=err) == 1
    assert out.getvalue().strip() == "1 created, 0 updated, 0 unchanged, 1 rejected."
    assert "line 3: `wood` is not a tier" in err.getvalue()
    assert accounts(bot)["Acme Corp"].owner_id == "U0ALICE"
    missing = io.StringIO()
    assert run_import(settings, str(tmp_path / "nope.csv"), out=out, err=missing) == 2
    assert "no such file" in missing.getvalue()
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(HEADER.encode() + "Soci\xe9t\xe9 G\xe9n\xe9rale,,,,,,,,\n".encode("latin-1"))
    refused = io.StringIO()
    assert run_import(settings, str(latin), out=out, err=refused) == 2
    assert "is not UTF-8 text" in refused.getvalue() and "CSV UTF-8" in refused.getvalue()


def test_large_files_show_progress_while_reading_and_writing(
    tmp_path: Path, bot: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        HEADER + "".join(f"Company {i},,,,,,,,C{i}\n" for i in range(PROGRESS_FROM)), encoding="utf-8"
    )
    report = import_file(
        path, bot.session_factory, bot.services.playbook, now=bot.clock.now(), lookup_email=None
    )
    assert report.created == PROGRESS_FROM
    err = capsys.readouterr().err
    assert "Importing: 100%" in err and "Writing: 100%" in err and f"{PROGRESS_FROM}/{PROGRESS_FROM}" in err


def cli_import(
    path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """``salesbot import accounts PATH`` through main(), without a Slack token; (status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SALESBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    code = main(["import", "accounts", str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_reimporting_an_unchanged_file_changes_nothing(
    bot: Harness,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot.command("/account", "add Acme Corp tier:gold")
    path = tmp_path / "crm.csv"
    path.write_text(
        HEADER
        + 'ACME  corp,customer,gold,"Retail, North",alice@example.com,U0BOB,4.2k,2027-03-31,CRM-1\n'
        + "Globex,hot-prospect,,,,,,,CRM-2\n",
        encoding="utf-8",
    )
    assert cli_import(path, engine, monkeypatch, capsys)[:2] == (
        0,
        "1 created, 1 updated, 0 unchanged, 0 rejected.\n",
    )
    before = {name: a.updated_at for name, a in accounts(bot).items()}
    bot.clock.advance(days=1)
    for _ in range(2):
        assert cli_import(path, engine, monkeypatch, capsys)[:2] == (
            0,
            "0 created, 0 updated, 2 unchanged, 0 rejected.\n",
        )
    stored = accounts(bot)
    assert {name: a.updated_at for name, a in stored.items()} == before
    # Matched on the name, then on its external_id: the spelling stored is never rewritten.
    assert set(stored) == {"Acme Corp", "Globex"}
    assert (stored["Acme Corp"].external_id, stored["Acme Corp"].owner_id) == ("CRM-1", "U0ALICE")


def test_without_a_token_emails_of_people_the_bot_knows_resolve(
    session_factory: Any,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dave = FakeUser("U0DAVE", "dave", tz="Europe/Berlin", email="Dave@Corp.example")
    fake = FakeSlack([dave]).start()
    try:
        bot = Harness.create(fake, session_factory)
        bot.command("/agenda", user="U0DAVE")  # dave has used the bot: his profile is known
    finally:
        fake.stop()
    path = tmp_path / "crm.csv"
    path.write_text(
        HEADER
        + "Acme Corp,,,,dave@corp.example,carol@example.com,,,\n"  # carol: the console's workspace
        + "Globex,,,,eve@corp.example,,,,\n",
        encoding="utf-8",
    )
    code, out, err = cli_import(path, engine, monkeypatch, capsys)
    assert (code, out) == (1, "1 created, 0 updated, 0 unchanged, 1 rejected.\n")
    assert "line 3: owner: nobody the bot knows has the e-mail `eve@corp.example`; set SLACK_BOT_TOKEN" in err
    acme = accounts(bot)["Acme Corp"]
    assert (acme.owner_id, acme.csm_id) == ("U0DAVE", "U0CAROL")


def test_created_accounts_are_audited_with_every_field_they_were_given(db_bot: Harness) -> None:
    """On SQLite and PostgreSQL: the database builds the entries (``importer.created_changes``)."""
    bot = db_bot
    run(
        bot,
        HEADER
        + 'Acme Corp,customer,gold,"Retail, North",U0ALICE,U0BOB,4.2k,2027-03-31,CRM-1\n'
        + "Globex,,,-,,,0,,\n",
    )
    stored = accounts(bot)
    with bot.db() as s:
        created = {
            e.account_id: e for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "create"))
        }
    acme, globex = created[stored["Acme Corp"].id], created[stored["Globex"].id]
    assert acme.changes == {
        "name": [None, "Acme Corp"],
        "status": [None, "customer"],
        "tier": [None, "gold"],
        "tags": [None, ["north", "retail"]],
        "owner_id": [None, "U0ALICE"],
        "csm_id": [None, "U0BOB"],
        "mrr": [None, 4200],
        "renewal_date": [None, "2027-03-31"],
        "external_id": [None, "CRM-1"],
    }
    default = bot.services.playbook.default_status
    assert globex.changes == {"name": [None, "Globex"], "status": [None, default], "mrr": [None, 0]}
    assert {(e.record_type, e.record_id, e.surface, e.actor_id, e.team_id) for e in (acme, globex)} == {
        ("account", str(stored["Acme Corp"].id), "import", None, stored["Acme Corp"].team_id),
        ("account", str(stored["Globex"].id), "import", None, stored["Globex"].team_id),
    }
    assert acme.at == globex.at == stored["Acme Corp"].created_at


def test_rows_match_accounts_written_by_earlier_batches_of_the_same_file(
    db_bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = db_bot
    monkeypatch.setattr(importer, "BATCH", 2)  # every two rows are checked, matched and written together
    bot.command("/account", "add Initech tier:gold")
    run(bot, HEADER + "Acme Corp,,,,,,,,CRM-1\n")
    report = run(
        bot,
        HEADER
        + "Globex,,,,,,,,\n"  # batch 1: creates
        + "Acme Renamed,,,,,,,,CRM-1\n"  # renames Acme Corp
        + "ACME corp,,silver,,,,,,\n"  # batch 2: the name given up in batch 1: a new account, as spelled
        + "globex,,gold,,,,,,\n"  # the account batch 1 created
        + "Initech,,bronze,,,,,,CRM-2\n",  # batch 3: an account that was there before
    )
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 3, 0, [])
    stored = accounts(bot)
    assert set(stored) == {"Acme Renamed", "ACME corp", "Globex", "Initech"}
    assert (stored["Acme Renamed"].tier, stored["Acme Renamed"].external_id) == (None, "CRM-1")
    assert (stored["ACME corp"].tier, stored["ACME corp"].external_id) == ("silver", None)
    assert stored["Globex"].tier == "gold"
    assert (stored["Initech"].tier, stored["Initech"].external_id) == ("bronze", "CRM-2")


def test_an_import_that_fails_half_way_writes_nothing(
    db_bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = db_bot
    monkeypatch.setattr(importer, "BATCH", 2)
    real = AccountImporter._write
    written: list[int] = []

    def fail_on_the_third_batch(self: AccountImporter, session: Any, batch: Any, report: Any) -> None:
        if len(written) == 2:
            raise RuntimeError("the database went away")
        real(self, session, batch, report)
        written.append(len(batch.lines))

    monkeypatch.setattr(AccountImporter, "_write", fail_on_the_third_batch)
    with pytest.raises(RuntimeError):
        run(bot, HEADER + "".join(f"Company {i},,,,,,,,C{i}\n" for i in range(6)))
    assert written == [2, 2]  # two batches were written inside the import's transaction …
    assert accounts(bot) == {}  # … and rolled back with it
    with bot.db() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_short_and_long_rows_and_unknown_columns(tmp_path: Path, bot: Harness) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        "name,notes,tier\nAcme Corp,call back,gold,one cell too many\nGlobex\n , \nInitech,,silver\n",
        encoding="utf-8",
    )
    report = import_file(
        path, bot.session_factory, bot.services.playbook, now=bot.clock.now(), lookup_email=None
    )
    assert (report.created, report.rejected, report.ignored_columns) == (3, [], ["notes"])
    assert {name: a.tier for name, a in accounts(bot).items()} == {
        "Acme Corp": "gold",
        "Globex": None,
        "Initech": "silver",
    }
