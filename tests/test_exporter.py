"""salesbot export activities: CSV on stdout, undone activities left out, filters, clear errors."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import Engine, select

from bot.exporter import HEADER, run_export
from bot.settings import Settings
from bot.storage.models import Activity
from tests.helpers import Harness


def export(engine: Engine, **options: str) -> tuple[int, list[dict[str, str]], str]:
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    code = run_export(settings, out=out, err=err, **options)
    rows = list(csv.DictReader(io.StringIO(out.getvalue()))) if code == 0 else []
    return code, rows, err.getvalue()


def test_export_activities(bot: Harness, engine: Engine) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "add Globex")
    bot.command("/log", 'call Acme Corp: said "hi", then\nleft')
    bot.command("/log", "email Globex: quote sent")
    bot.click("Undo")  # the e-mail is undone
    bot.clock.advance(days=2)
    bot.command("/log", "meeting Globex: kickoff")
    code, rows, _ = export(engine)
    assert code == 0
    assert list(rows[0]) == list(HEADER)
    assert [(r["account"], r["type"], r["source"]) for r in rows] == [
        ("Acme Corp", "call", "command"),
        ("Globex", "meeting", "command"),
    ]
    assert rows[0]["notes"] == 'said "hi", then\nleft'
    assert rows[0]["occurred_at"] == "2026-11-23T09:00:00Z"
    assert rows[0]["user_id"] == "U0ALICE" and rows[0]["permalink"] == ""
    with bot.db() as s:
        assert int(rows[0]["id"]) == s.scalars(select(Activity.id).where(Activity.type == "call")).one()

    since = (bot.clock.now() - timedelta(days=1)).date().isoformat()
    _, rows, _ = export(engine, since=since)
    assert [r["type"] for r in rows] == ["meeting"]
    _, rows, _ = export(engine, account="acme corp")
    assert [r["type"] for r in rows] == ["call"]


def test_unknown_account_and_bad_date_exit_2(bot: Harness, engine: Engine) -> None:
    bot.command("/account", "add Acme Corp")
    code, _, err = export(engine, account="Acme Crop")
    assert code == 2 and "no account called 'Acme Crop'. Did you mean “Acme Corp”?" in err
    code, _, err = export(engine, since="yesterday")
    assert code == 2 and "--since 'yesterday' is not a date" in err
