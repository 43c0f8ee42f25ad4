"""``salesbot export accounts|activities`` through main() and a real pipe: round trips, readable notes."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from bot.cli import main
from bot.importer import COLUMNS
from bot.storage.models import Account, Activity
from tests.helpers import Harness


@pytest.fixture
def cli_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """``salesbot`` pointed at the test database, with no Slack token and the built-in playbook."""
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SALESBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return url


def salesbot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_accounts_edit_and_import_round_trips(
    bot: Harness,
    cli_env: str,
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot.command(
        "/account",
        "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice> csm:<@U0BOB|bob> tags:retail,north "
        "mrr:4.2k renewal:2027-03-31 external_id:CRM-1",
    )
    bot.command("/account", "link Acme Corp <#C0ACME|acme-shared>")
    bot.command("/account", 'add Globex status:"hot prospect"')
    code, exported, _ = salesbot(capsys, "export", "accounts")
    assert code == 0
    rows = list(csv.reader(io.StringIO(exported)))
    assert tuple(rows[0]) == COLUMNS  # the columns the import reads
    assert rows[1:] == [
        ["Acme Corp", "customer", "gold", "north, retail", "U0ALICE", "U0BOB", "C0ACME", "4200", "2027-03-31", "CRM-1"],
        ["Globex", "hot prospect", "", "", "U0ALICE", "", "", "", "", ""],
    ]  # fmt: skip

    # Imported as it is, nothing changes.
    path = tmp_path / "accounts.csv"
    path.write_text(exported, encoding="utf-8")
    assert salesbot(capsys, "import", "accounts", str(path))[:2] == (
        0,
        "0 created, 0 updated, 2 unchanged, 0 rejected.\n",
    )
    # Edited, exactly the edit is applied.
    edited = exported.replace("Globex,hot prospect,,", "Globex,customer,silver,")
    path.write_text(edited, encoding="utf-8")
    assert salesbot(capsys, "import", "accounts", str(path))[:2] == (
        0,
        "0 created, 1 updated, 1 unchanged, 0 rejected.\n",
    )
    assert salesbot(capsys, "export", "accounts")[1] == edited
    # Into an empty database, the file makes the same accounts.
    empty = tmp_path / "empty.db"
    shutil.copy(sqlite_template, empty)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{empty}")
    assert salesbot(capsys, "import", "accounts", str(path))[:2] == (
        0,
        "2 created, 0 updated, 0 unchanged, 0 rejected.\n",
    )
    assert salesbot(capsys, "export", "accounts")[1] == edited


def test_export_activities_writes_notes_as_people_read_them(
    bot: Harness, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bot.command("/agenda", user="U0CAROL")  # the bot has met carol: it knows her name
    bot.command("/account", "add Acme Corp")
    bot.command(
        "/log",
        "call Acme Corp: <@U0BOB|bob> and <@U0CAROL> to send <https://example.com/q|the quote> "
        "in <#C0ACME|acme-team> & tell <!here> a < b",
    )
    code, out, _ = salesbot(capsys, "export", "activities")
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["notes"] == (
        "@bob and @carol to send the quote (https://example.com/q) in #acme-team & tell @here a < b"
    )
    assert row["user_id"] == "U0ALICE"


def test_an_unknown_account_gets_the_closest_names(
    bot: Harness, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = salesbot(capsys, "export", "activities", "--account", "Initech")
    assert code == 2 and "no account called 'Initech'. There are no accounts yet." in err
    for name in ("Acme Corp", "Globex", "Umbrella"):
        bot.command("/account", f"add {name}")
    code, _, err = salesbot(capsys, "export", "activities", "--account", "Acme Crop")
    assert code == 2 and "no account called 'Acme Crop'. Did you mean “Acme Corp”?" in err
    code, out, err = salesbot(capsys, "export", "activities", "--account", "Initech")
    assert (code, out) == (2, "")
    assert "no account called 'Initech'. The closest names: “" in err
    assert "`salesbot export accounts` lists every account." in err


def test_export_ends_quietly_when_its_reader_stops(bot: Harness, engine: Engine, tmp_path: Path) -> None:
    bot.command("/account", "add Acme Corp")
    now = bot.clock.now()
    with bot.db() as s:
        account_id = s.scalars(select(Account.id)).one()
        s.execute(
            insert(Activity),
            [
                {
                    "account_id": account_id,
                    "type": "call",
                    "user_id": "U0ALICE",
                    "occurred_at": now - timedelta(minutes=i),
                    "notes": f"call number {i}: " + "pricing for twenty more seats " * 4,
                    "source": "command",
                    "created_at": now,
                }
                for i in range(1000)  # ~140 kB: more than a pipe holds
            ],
        )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SALESBOT_"))},
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    root = Path(__file__).resolve().parent.parent
    # `salesbot export activities | head -n 2`: the reader takes two lines and closes the pipe.
    export = subprocess.Popen(
        [sys.executable, "-m", "bot", "export", "activities"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout is not None and export.stderr is not None
    head = [export.stdout.readline() for _ in range(2)]
    export.stdout.close()
    err = export.stderr.read().decode()
    assert export.wait(timeout=60) == 0
    assert head[0].startswith(b"id,occurred_at,account")
    assert b"call number 999" in head[1]
    assert err == ""  # no traceback, no "Exception ignored"
