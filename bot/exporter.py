"""``salesbot export activities``: logged activities as CSV (undone ones left out), oldest first."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, date, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import accounts as acc
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.models import LOCAL_TEAM, Account, Activity

HEADER = ("id", "occurred_at", "account", "type", "user_id", "notes", "source", "permalink")


class ExportError(Exception):
    """Bad options (an unknown account, a date that is not one); the message says what to type."""


def parse_since(value: str) -> datetime:
    """``2026-11-01`` (midnight UTC) or an ISO date-time (UTC unless it names its offset)."""
    try:
        if len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(
            f"--since {value!r} is not a date; use YYYY-MM-DD, e.g. --since 2026-11-01"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def find_account(session: Session, name: str, *, team_id: str = LOCAL_TEAM) -> Account:
    found = acc.resolve(session, name, team_id=team_id)
    if found.account:
        return found.account
    if found.candidates:
        names = ", ".join(f"“{a.name}”" for a in found.candidates)
        raise ExportError(f"--account {name!r} matches several accounts: {names}. Give the full name.")
    hint = f" Did you mean {', '.join(f'“{s}”' for s in found.suggestions)}?" if found.suggestions else ""
    raise ExportError(f"no account called {name!r}.{hint}")


def iso_utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_activities(
    session: Session,
    out: TextIO,
    *,
    since: datetime | None = None,
    account_id: int | None = None,
    team_id: str = LOCAL_TEAM,
) -> int:
    """Write the CSV (header first); returns how many activities were written."""
    stmt: Any = (
        select(Activity, Account.name)
        .join(Account, Account.id == Activity.account_id)
        .where(Account.team_id == team_id, Activity.undone_at.is_(None))
        .order_by(Activity.occurred_at, Activity.id)
        .execution_options(yield_per=1000)
    )
    if since is not None:
        stmt = stmt.where(Activity.occurred_at >= since)
    if account_id is not None:
        stmt = stmt.where(Activity.account_id == account_id)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for activity, account_name in session.execute(stmt):
        writer.writerow(
            (
                activity.id,
                iso_utc(activity.occurred_at),
                account_name,
                activity.type,
                activity.user_id,
                activity.notes,
                activity.source,
                activity.permalink or "",
            )
        )
        count += 1
    return count


def run_export(
    settings: Settings,
    *,
    since: str | None = None,
    account: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The CLI: CSV on ``out``; problems on ``err`` with exit status 2."""
    out = out or sys.stdout
    err = err or sys.stderr
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with unit_of_work(make_session_factory(engine)) as session:
            try:
                since_at = parse_since(since) if since else None
                account_id = find_account(session, account).id if account else None
            except ExportError as exc:
                print(f"salesbot: {exc}", file=err)
                return 2
            export_activities(session, out, since=since_at, account_id=account_id)
    finally:
        engine.dispose()
    return 0
