"""``salesbot export accounts|activities|audit``: CSV on standard output.

``accounts`` writes the columns ``salesbot import accounts`` reads, so a file exported, edited and
imported again changes exactly what was edited. ``activities`` writes logged activities (undone ones
left out), oldest first, with notes as people read them. ``audit`` writes the audit trail, oldest
first, one change per line with its fields before → after as JSON.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import accounts as acc
from bot.domain.text import as_read
from bot.importer import COLUMNS as ACCOUNT_COLUMNS
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.models import Account, Activity, AuditEntry, UserProfile
from bot.storage.tenancy import current_team

HEADER = ("id", "occurred_at", "account", "type", "user_id", "notes", "source", "permalink")
AUDIT_HEADER = (
    "id", "at", "actor_id", "surface", "record_type", "record_id", "account_id", "action", "changes", "undo_of",
)  # fmt: skip


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


def find_account(session: Session, name: str, *, team_id: str | None = None) -> Account:
    team_id = team_id or current_team()
    found = acc.resolve(session, name, team_id=team_id)
    if found.account:
        return found.account
    if found.candidates:
        names = ", ".join(f"“{a.name}”" for a in found.candidates)
        raise ExportError(f"--account {name!r} matches several accounts: {names}. Give the full name.")
    if found.suggestions:
        hint = f" Did you mean {', '.join(f'“{s}”' for s in found.suggestions)}?"
    else:
        closest = acc.suggest(session, name, team_id=team_id, cutoff=0)
        hint = (
            f" The closest names: {', '.join(f'“{s}”' for s in closest)}."
            if closest
            else " There are no accounts yet."
        )
    raise ExportError(f"no account called {name!r}.{hint} `salesbot export accounts` lists every account.")


def iso_utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_activities(
    session: Session,
    out: TextIO,
    *,
    since: datetime | None = None,
    account_id: int | None = None,
    team_id: str | None = None,
) -> int:
    """Write the CSV (header first); returns how many activities were written."""
    team_id = team_id or current_team()
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
    names = people_names(session, team_id)
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
                as_read(activity.notes, names),
                activity.source,
                activity.permalink or "",
            )
        )
        count += 1
    return count


def people_names(session: Session, team_id: str | None = None) -> dict[str, str]:
    """Display names of the people the bot knows, by user id (one row per person, not per activity)."""
    team_id = team_id or current_team()
    rows = session.execute(
        select(UserProfile.user_id, UserProfile.display_name).where(
            UserProfile.team_id == team_id, UserProfile.display_name.is_not(None)
        )
    )
    return {user_id: name for user_id, name in rows}


def account_row(account: Account) -> tuple[str, ...]:
    """One account in the import's columns (``bot.importer.COLUMNS``); an empty cell is "none"."""
    cells = {
        "name": account.name,
        "status": account.status,
        "tier": account.tier or "",
        "tags": ", ".join(account.tags or []),
        "owner": account.owner_id or "",
        "csm": account.csm_id or "",
        "channel": account.channel_id or "",
        "mrr": "" if account.mrr is None else str(account.mrr),
        "renewal_date": account.renewal_date.isoformat() if account.renewal_date else "",
        "external_id": account.external_id or "",
    }
    return tuple(cells[c] for c in ACCOUNT_COLUMNS)


def export_accounts(session: Session, out: TextIO, *, team_id: str | None = None) -> int:
    """Every account, by name, in the columns ``salesbot import accounts`` reads; returns how many."""
    team_id = team_id or current_team()
    stmt: Any = (
        select(Account)
        .where(Account.team_id == team_id)
        .order_by(Account.name_key, Account.id)
        .execution_options(yield_per=1000)
    )
    return write_csv(out, ACCOUNT_COLUMNS, (account_row(a) for a in session.scalars(stmt)))


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """``header`` then ``rows`` as CSV on ``out``; returns how many rows were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def run_csv_export(
    settings: Settings, export: Callable[[Session, TextIO], int], *, out: TextIO | None = None
) -> int:
    """The CLI for a CSV export: ``export`` (e.g. ``export_accounts``) writes on ``out``."""
    out = out or sys.stdout
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with unit_of_work(make_session_factory(engine)) as session:
            export(session, out)
    finally:
        engine.dispose()
    return 0


def run_export_accounts(settings: Settings, *, out: TextIO | None = None) -> int:
    """The CLI: every account as CSV on ``out``."""
    return run_csv_export(settings, export_accounts, out=out)


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


def export_audit(
    session: Session, out: TextIO, *, since: datetime | None = None, team_id: str | None = None
) -> int:
    """The audit trail as CSV, oldest first; ``changes`` is JSON ``{field: [before, after]}``."""
    team_id = team_id or current_team()
    stmt: Any = (
        select(AuditEntry)
        .where(AuditEntry.team_id == team_id)
        .order_by(AuditEntry.id)
        .execution_options(yield_per=1000)
    )
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_HEADER)
    count = 0
    for entry in session.scalars(stmt):
        writer.writerow(
            (
                entry.id,
                iso_utc(entry.at),
                entry.actor_id or "",
                entry.surface,
                entry.record_type,
                entry.record_id,
                "" if entry.account_id is None else entry.account_id,
                entry.action,
                json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
                "" if entry.undo_of is None else entry.undo_of,
            )
        )
        count += 1
    return count


def run_export_audit(
    settings: Settings, *, since: str | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """The CLI: the audit trail as CSV on ``out``; a bad ``--since`` on ``err`` with exit status 2."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        since_at = parse_since(since) if since else None
    except ExportError as exc:
        print(f"salesbot: {exc}", file=err)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with unit_of_work(make_session_factory(engine)) as session:
            export_audit(session, out, since=since_at)
    finally:
        engine.dispose()
    return 0
