"""``salesbot import accounts FILE.csv``: create or update accounts in bulk.

Rows match an existing account on ``external_id``, else on the name (case and spaces folded), and
update it; other rows create accounts. Each row is checked with the same rules as ``/account``
(statuses and tiers from the playbook); a bad row is reported with its line number and skipped.
Existing accounts are loaded once into dictionaries and changes are written in batches, so a file
of 100,000 rows takes seconds.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tqdm import tqdm

from bot.domain.accounts import name_key, validate_fields
from bot.domain.errors import UserError
from bot.domain.grammar import channel_id_of
from bot.people import People
from bot.playbook import Playbook
from bot.settings import Settings
from bot.storage import audit
from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.keys import search_key
from bot.storage.models import Account
from bot.storage.tenancy import current_team

COLUMNS = ("name", "status", "tier", "tags", "owner", "csm", "channel", "mrr", "renewal_date", "external_id")
ALIASES = {"renewal": "renewal_date", "external id": "external_id", "externalid": "external_id"}
# Columns compared to decide whether an existing account changes.
DATA_COLUMNS = (
    "name", "status", "tier", "tags", "owner_id", "csm_id", "channel_id", "mrr", "renewal_date", "external_id",
)  # fmt: skip
BATCH = 2000
PROGRESS_FROM = 5000  # rows; smaller files finish before a bar would help
_USER_ID = re.compile(r"[UW][A-Z0-9]{3,}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9_]{3,}")

# What a cell of these columns must look like, for the reason given when it does not.
CELL_FORMATS = {
    "mrr": "an amount: use a number like 4200, 4.2k or $4,200",
    "renewal_date": "a date: use YYYY-MM-DD, e.g. 2027-03-31, or - for none",
}

EmailLookup = Callable[[str], str | None]


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, no header, no name column)."""


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        return (
            f"{'Dry run: ' if self.dry_run else ''}{self.created} {verb}created, {self.updated} {verb}updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected."
        )


@dataclass
class _Known:
    """Accounts by id (existing ones positive, those this import creates negative) and their indexes."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_external: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    changed: dict[int, None] = field(default_factory=dict)  # existing ids to write, in order
    before: dict[int, dict[str, Any]] = field(default_factory=dict)  # stored values of changed fields
    next_new: int = -1


def read_rows(stream: TextIO) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The normalised header and an iterator of (line number, row) for non-empty rows."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty; the first line must name the columns") from None
    columns = [ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header]
    if "name" not in columns:
        raise ImportFileError(
            "no `name` column. The first line must name the columns, e.g. " + ",".join(COLUMNS)
        )

    return columns, numbered_rows(reader, columns)


def numbered_rows(reader: Any, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each non-empty record left in ``reader``; missing cells are empty."""
    line = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            yield line, {c: (record[i].strip() if i < len(record) else "") for i, c in enumerate(columns)}
        line = reader.line_num + 1


def repeated_external_ids(rows: list[tuple[int, dict[str, str]]]) -> dict[int, str]:
    """Rows whose ``external_id`` another row of the file has too, with the reason they are refused:
    the file does not say which of them is right, so neither is imported."""
    lines: dict[str, list[int]] = {}
    for line, row in rows:
        external = row.get("external_id", "")
        if external and external.lower() not in ("-", "none"):
            lines.setdefault(external, []).append(line)
    reasons: dict[int, str] = {}
    for external, found in lines.items():
        if len(found) > 1:
            listed = ", ".join(str(n) for n in found[:-1]) + f" and {found[-1]}"
            for line in found:
                reasons[line] = (
                    f"external_id `{external}` is on lines {listed}; keep one row per account and import again"
                )
    return reasons


class AccountImporter:
    def __init__(
        self,
        session_factory: SessionFactory,
        playbook: Playbook,
        *,
        now: datetime,
        lookup_email: EmailLookup | None,
        team_id: str | None = None,
        offline: bool = False,
    ) -> None:
        """``offline``: ``lookup_email`` only knows the people the bot has met (no Slack token)."""
        team_id = team_id or current_team()
        self.sessions = session_factory
        self.offline = offline
        self.playbook = playbook
        self.now = now
        self.lookup_email = lookup_email
        self.team_id = team_id
        self._emails: dict[str, str | None] = {}
        self._choices: dict[tuple[str, str], dict[str, Any]] = {}

    unknown_email_hint = (
        "set SLACK_BOT_TOKEN so e-mails of people the bot has not met yet are looked up in Slack, "
        "or give their Slack user id (U…)"
    )

    # -- one row ---------------------------------------------------------------------------------
    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        """Column values for the cells that were filled in; ``UserError`` names the bad one."""
        raw_name = row.get("name", "")
        if not raw_name:
            raise UserError("the name is empty")
        values = validate_fields({"name": raw_name}, self.playbook)
        if len(values["name"]) > 200:
            raise UserError("the name is longer than 200 characters")
        for column in ("status", "tier"):
            cell = row.get(column, "")
            if cell:
                key = (column, cell)
                if key not in self._choices:  # few distinct values: check each once
                    self._choices[key] = self._cell(column, column, cell)
                values.update(self._choices[key])
        simple = {"tags": "tags", "mrr": "mrr", "renewal_date": "renewal", "external_id": "external_id"}
        for column, typed in simple.items():
            if row.get(column):
                values.update(self._cell(column, typed, row[column]))
        for column in ("owner", "csm"):
            cell = row.get(column, "")
            if cell:
                values[f"{column}_id"] = self.person(cell, column)
        if row.get("channel"):
            values["channel_id"] = self.channel(row["channel"])
        if "external_id" in values and values["external_id"] and len(values["external_id"]) > 120:
            raise UserError("external_id is longer than 120 characters")
        return values

    def _cell(self, column: str, field_name: str, cell: str) -> dict[str, Any]:
        """One cell checked with the ``/account`` rules; a refusal is worded for a CSV file, not a command."""
        try:
            return validate_fields({field_name: cell}, self.playbook)
        except UserError:
            if column in CELL_FORMATS:
                raise UserError(f"{column} `{cell}` is not {CELL_FORMATS[column]}") from None
            if column == "status":
                raise UserError(
                    f"`{cell}` is not a status. Statuses: {', '.join(self.playbook.statuses)}."
                ) from None
            raise

    def person(self, cell: str, column: str) -> str | None:
        """A Slack user id from an id, a mention, ``-``/``none``, or an e-mail (looked up once per address)."""
        if "@" in cell and not cell.startswith("<"):
            email = cell.lower()
            if email not in self._emails:
                if self.lookup_email is None:
                    raise UserError(f"{column} `{cell}` is an e-mail: {self.unknown_email_hint}")
                try:
                    self._emails[email] = self.lookup_email(email)
                except Exception as exc:  # network trouble: say so on the row, keep going
                    raise UserError(f"{column} `{cell}`: the Slack lookup failed ({exc})") from None
            user_id = self._emails[email]
            if user_id is None:
                if self.offline:
                    raise UserError(
                        f"{column}: nobody the bot knows has the e-mail `{cell}`; {self.unknown_email_hint}"
                    )
                raise UserError(f"{column}: no Slack user has the e-mail `{cell}`")
            return user_id
        if _USER_ID.fullmatch(cell):
            return cell
        try:
            return validate_fields({column: cell}, self.playbook)[f"{column}_id"]
        except UserError:
            raise UserError(
                f"{column} `{cell}` is not a Slack user id (U…), an e-mail, or `-` for nobody"
            ) from None

    def channel(self, cell: str) -> str | None:
        """A channel id (``C0123ABCD``), a channel link, or ``-``/``none``."""
        if _CHANNEL_ID.fullmatch(cell):
            return cell
        if cell.lower() in ("-", "none") or channel_id_of(cell):
            return validate_fields({"channel": cell}, self.playbook)["channel_id"]
        raise UserError(f"channel `{cell}` is not a Slack channel id (C…), or `-` for none")

    # -- the file --------------------------------------------------------------------------------
    def run(
        self, rows: Iterable[tuple[int, dict[str, str]]], *, dry_run: bool = False, total: int | None = None
    ) -> ImportReport:
        report = ImportReport(dry_run=dry_run)
        known = self._load()
        show = total is not None and total >= PROGRESS_FROM
        listed = list(rows)  # read whole first: a repeated external_id refuses every row that has it
        repeated = repeated_external_ids(listed)
        bar = tqdm(
            listed,
            total=len(listed),
            unit=" rows",
            file=sys.stderr,
            disable=not show,
            desc="Importing",
        )
        for line, row in bar:
            try:
                if line in repeated:
                    raise UserError(repeated[line])
                self._apply(known, row, report)
            except UserError as err:
                report.rejected.append(Rejected(line, err.message))
        if not dry_run:
            self._write(known, progress=show)
        return report

    def _load(self) -> _Known:
        known = _Known()
        columns = [getattr(Account, c) for c in ("id", "name_key", *DATA_COLUMNS)]
        with unit_of_work(self.sessions) as session:
            for r in session.execute(select(*columns).where(Account.team_id == self.team_id)):
                data = r._asdict()
                known.rows[data["id"]] = data
                known.by_key[data["name_key"]] = data["id"]
                if data["external_id"]:
                    known.by_external[data["external_id"]] = data["id"]
        return known

    def _apply(self, known: _Known, row: dict[str, str], report: ImportReport) -> None:
        values = self.parse(row)
        name = values["name"]
        key = name_key(name)
        external = values.get("external_id")
        account_id = known.by_external.get(external) if external else None
        if account_id is not None and key == known.rows[account_id]["name_key"]:
            values.pop("name")  # the same name written differently is no rename: the stored spelling stays
        if account_id is None:
            account_id = known.by_key.get(key)
            values.pop("name")  # matched by name: keep its spelling ("ACME corp" stays "Acme Corp")
            if account_id is not None and external:
                other = known.rows[account_id]["external_id"]
                if other and other != external:
                    raise UserError(
                        f"the name matches “{known.rows[account_id]['name']}”, whose external_id is "
                        f"`{other}`, not `{external}`"
                    )
        if account_id is None:
            self._create(known, key, {**values, "name": name})
            report.created += 1
            return
        current = known.rows[account_id]
        if "name" in values and key != current["name_key"]:
            clash = known.by_key.get(key)
            if clash is not None and clash != account_id:
                raise UserError(f"another account is already called “{known.rows[clash]['name']}”")
        changes = {c: v for c, v in values.items() if current.get(c) != v}
        if not changes:
            report.unchanged += 1
            return
        if "name" in changes:
            del known.by_key[current["name_key"]]
            known.by_key[key] = account_id
            current["name_key"] = key
        if changes.get("external_id"):
            known.by_external[changes["external_id"]] = account_id
        if account_id > 0:
            stored = known.before.setdefault(account_id, {})
            for column in changes:
                stored.setdefault(column, current.get(column))
        current.update(changes)
        if account_id > 0:
            known.changed[account_id] = None
            report.updated += 1
        else:
            report.updated += 1  # a later row of this file changes an account it creates

    def _create(self, known: _Known, key: str, values: dict[str, Any]) -> None:
        new_id = known.next_new
        known.next_new -= 1
        known.rows[new_id] = {
            "id": new_id,
            "name_key": key,
            "name": values["name"],
            "status": values.get("status", self.playbook.default_status),
            "tier": values.get("tier"),
            "tags": values.get("tags", []),
            "owner_id": values.get("owner_id"),
            "csm_id": values.get("csm_id"),
            "channel_id": values.get("channel_id"),
            "mrr": values.get("mrr"),
            "renewal_date": values.get("renewal_date"),
            "external_id": values.get("external_id"),
        }
        known.by_key[key] = new_id
        if values.get("external_id"):
            known.by_external[values["external_id"]] = new_id

    def _write(self, known: _Known, *, progress: bool = False) -> None:
        updates = [
            {
                "id": i,
                **{c: known.rows[i][c] for c in (*DATA_COLUMNS, "name_key")},
                "search_key": search_key(known.rows[i]["name"]),
                "updated_at": self.now,
            }
            for i in known.changed
        ]
        inserts = [
            {
                **{c: r[c] for c in (*DATA_COLUMNS, "name_key")},
                "search_key": search_key(r["name"]),
                "team_id": self.team_id,
                "created_by": None,
                "created_at": self.now,
                "updated_at": self.now,
            }
            for i, r in known.rows.items()
            if i < 0
        ]
        # Writing takes as long as reading on big files: a second bar, so the wait is not silent.
        bar = tqdm(
            total=len(updates) + len(inserts),
            unit=" rows",
            file=sys.stderr,
            disable=not progress,
            desc="Writing",
        )
        with bar, unit_of_work(self.sessions) as session:
            # Updates first: a row may take a name another account gave up in this same file.
            for start in range(0, len(updates), BATCH):
                session.execute(update(Account), updates[start : start + BATCH])
                bar.update(len(updates[start : start + BATCH]))
            # Core, not ORM, insert: one executemany per batch whatever the None pattern of each row.
            table = Account.__table__
            for start in range(0, len(inserts), BATCH):
                batch = inserts[start : start + BATCH]
                session.execute(insert(table), batch)
                self._audit_created(session, batch)
                bar.update(len(batch))
            self._audit_updated(session, known)

    def _audit_updated(self, session: Session, known: _Known) -> None:
        """One audit entry per updated account (surface ``import``): its fields before → after."""
        entries = []
        for account_id in known.changed:
            row, stored = known.rows[account_id], known.before.get(account_id, {})
            changes = {
                c: [before, row[c]] for c, before in stored.items() if c in DATA_COLUMNS and before != row[c]
            }
            if changes:
                entries.append(audit.entry(Account, account_id, "update", changes, account_id=account_id))
        audit.write(session, entries, at=self.now, team_id=self.team_id)

    def _audit_created(self, session: Session, batch: list[dict[str, Any]]) -> None:
        keys = [r["name_key"] for r in batch]
        found = session.execute(
            select(Account.name_key, Account.id).where(
                Account.team_id == self.team_id, Account.name_key.in_(keys)
            )
        )
        ids = {key: account_id for key, account_id in found}
        entries = [
            audit.entry(
                Account,
                ids[r["name_key"]],
                "create",
                {c: [None, r[c]] for c in DATA_COLUMNS if r.get(c) not in (None, [], "")},
                account_id=ids[r["name_key"]],
            )
            for r in batch
        ]
        audit.write(session, entries, at=self.now, team_id=self.team_id)


def import_file(
    path: str | Path,
    session_factory: SessionFactory,
    playbook: Playbook,
    *,
    now: datetime,
    lookup_email: EmailLookup | None,
    dry_run: bool = False,
    offline: bool = False,
) -> ImportReport:
    with open(path, newline="", encoding="utf-8-sig") as stream:
        total = sum(1 for _ in stream) - 1
        stream.seek(0)
        columns, rows = read_rows(stream)
        importer = AccountImporter(
            session_factory, playbook, now=now, lookup_email=lookup_email, offline=offline
        )
        report = importer.run(rows, dry_run=dry_run, total=total)
    report.ignored_columns = [c for c in columns if c not in COLUMNS]
    return report


def known_people(people: People) -> EmailLookup:
    """E-mails resolved without Slack: people the bot has met (their cached profiles), and the
    console's workspace (@alice, @bob, @carol), which is the only Slack there is without a token."""
    from bot.console.world import DEMO_USERS

    workspace = {u.email.lower(): u.id for u in DEMO_USERS if u.email}

    def lookup(email: str) -> str | None:
        return people.known_by_email(email) or workspace.get(email.strip().lower())

    return lookup


def run_import(
    settings: Settings,
    path: str,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The CLI: 0 when every row was imported, 1 when some were rejected, 2 when the file was refused."""
    return run_import_command(settings, path, import_file, dry_run=dry_run, out=out, err=err)


def run_import_command(
    settings: Settings,
    path: str,
    import_path: Callable[..., ImportReport],
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Runs ``import_path`` (an ``import_file``) on ``path`` for the CLI and reports on ``out``/``err``:
    0 when every row was imported, 1 when some were rejected, 2 when the file was refused."""
    from bot.runner import open_services

    out = out or sys.stdout
    err = err or sys.stderr
    if not Path(path).is_file():
        print(f"salesbot: no such file: {path}", file=err)
        return 2
    engine, services = open_services(settings)
    lookup = services.people.lookup_by_email if settings.bot_token else known_people(services.people)
    try:
        report = import_path(
            path,
            services.session_factory,
            services.playbook,
            now=services.clock.now(),
            lookup_email=lookup,
            dry_run=dry_run,
            offline=not settings.bot_token,
        )
    except UnicodeDecodeError as exc:
        print(
            f"salesbot: cannot import {path}: it is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f'position {exc.start}). Save it as CSV in UTF-8 (e.g. "CSV UTF-8" in Excel) and try again.',
            file=err,
        )
        return 2
    except (ImportFileError, csv.Error) as exc:
        print(f"salesbot: cannot import {path}: {exc}", file=err)
        return 2
    except IntegrityError as exc:
        print(f"salesbot: nothing was imported; the database refused the changes: {exc.orig}", file=err)
        return 2
    finally:
        engine.dispose()
    if report.ignored_columns:
        print(f"Ignored unknown columns: {', '.join(report.ignored_columns)}", file=err)
    for rejected in report.rejected:
        print(f"line {rejected.line}: {rejected.reason}", file=err)
    print(report.summary(), file=out)
    return 1 if report.rejected else 0
