"""``salesbot import contacts FILE.csv`` and ``salesbot export contacts``: the buying team in bulk.

The same rules as the accounts import: a header names the columns (``account`` and ``name``
required), each row is checked with the ``/contact`` rules (roles and stages from the playbook, a
well-formed e-mail), a bad row is reported with its line number and reason and skipped, the good ones
are written. A row matches an existing contact on its e-mail, else on account + name, and updates it
(a stage change is recorded in the contact's history, "by import"); other rows create contacts.
Existing accounts and contacts are read once into dictionaries, so no row costs a query.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.domain import contacts as ct
from bot.domain.accounts import name_key
from bot.domain.errors import UserError
from bot.exporter import run_csv_export, write_csv
from bot.importer import (
    AccountImporter,
    EmailLookup,
    ImportFileError,
    ImportReport,
    Rejected,
    numbered_rows,
    run_import_command,
)
from bot.playbook import Playbook
from bot.settings import Settings
from bot.storage import audit
from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.models import Account, Contact, ContactStageChange
from bot.storage.tenancy import current_team

COLUMNS = ("account", "name", "title", "email", "phone", "role", "stage", "owner", "notes")
DATA = ("name", "title", "email", "phone", "role", "stage", "owner_id", "notes")
ALIASES = {"e-mail": "email", "job title": "title", "company": "account", "readiness": "stage"}
EXPORT_ONLY = ("last_touched",)  # written by the export, read back without a word
BATCH = 2000
IMPORT_REASON = "import"


@dataclass
class _Known:
    accounts: dict[str, tuple[int, str]] = field(default_factory=dict)  # name key → (id, name)
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # contact id (new ones < 0) → columns
    by_email: dict[str, int] = field(default_factory=dict)
    by_name: dict[tuple[int, str], int] = field(default_factory=dict)  # (account id, name key) → id
    changed: dict[int, None] = field(default_factory=dict)
    stage_moves: list[tuple[int, str | None, str]] = field(default_factory=list)  # id, from, to
    next_new: int = -1


def read_rows(stream: TextIO) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty; the first line must name the columns") from None
    columns = [ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header]
    missing = [c for c in ("account", "name") if c not in columns]
    if missing:
        raise ImportFileError(
            f"no `{'` or `'.join(missing)}` column. The first line must name the columns, e.g. "
            + ",".join(COLUMNS)
        )
    return columns, list(numbered_rows(reader, columns))


class ContactImporter:
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
        team_id = team_id or current_team()
        self.sessions = session_factory
        self.playbook = playbook
        self.now = now
        self.team_id = team_id
        # Owners are people like an account's owner: the same lookup (ids, mentions, e-mails).
        self.people = AccountImporter(
            session_factory, playbook, now=now, lookup_email=lookup_email, team_id=team_id, offline=offline
        )

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        """The filled-in cells as column values; ``UserError`` says what is wrong, worded for a file."""
        if not row.get("name"):
            raise UserError("the name is empty")
        fields = {k: row[k] for k in ("title", "email", "phone", "role", "stage", "notes") if row.get(k)}
        try:
            values = ct.validate({**fields, "name": row["name"]}, self.playbook, "")
        except UserError as err:  # worded for a file: "email `x` …, e.g. jane@acme.example"
            message = re.sub(r"e\.g\. `(?:email|phone):([^`]*)`", r"e.g. \1", err.message)
            raise UserError(re.sub(r"`(email|phone):([^`]*)`", r"\1 `\2`", message)) from None
        if row.get("owner"):
            values["owner_id"] = self.people.person(row["owner"], "owner")
        return values

    def run(self, rows: Iterable[tuple[int, dict[str, str]]], *, dry_run: bool = False) -> ImportReport:
        report = ImportReport(dry_run=dry_run)
        known = self._load()
        for line, row in rows:
            try:
                self._apply(known, row, report)
            except UserError as err:
                report.rejected.append(Rejected(line, err.message))
        if not dry_run:
            self._write(known)
        return report

    def _load(self) -> _Known:
        known = _Known()
        with unit_of_work(self.sessions) as session:
            for aid, name, key in session.execute(
                select(Account.id, Account.name, Account.name_key).where(Account.team_id == self.team_id)
            ):
                known.accounts[key] = (aid, name)
            columns = [getattr(Contact, c) for c in ("id", "account_id", "name_key", *DATA)]
            stmt = (
                select(*columns)
                .join(Account, Account.id == Contact.account_id)
                .where(Account.team_id == self.team_id)
            )
            for r in session.execute(stmt):
                data = r._asdict()
                known.rows[data["id"]] = data
                known.by_name[(data["account_id"], data["name_key"])] = data["id"]
                if data["email"]:
                    known.by_email[data["email"]] = data["id"]
        return known

    def _apply(self, known: _Known, row: dict[str, str], report: ImportReport) -> None:
        typed_account = row.get("account", "")
        if not typed_account:
            raise UserError("the account is empty")
        account = known.accounts.get(name_key(typed_account))
        if account is None:
            raise UserError(f"no account is called “{typed_account}”; import or add the account first")
        account_id, account_name = account
        values = self.parse(row)
        key = name_key(values["name"])
        email = values.get("email")
        contact_id = known.by_email.get(email) if email else None
        if contact_id is not None and known.rows[contact_id]["account_id"] != account_id:
            other = known.rows[contact_id]
            other_account = next(n for i, n in known.accounts.values() if i == other["account_id"])
            raise UserError(
                f"`{email}` is {other['name']}'s e-mail, a contact at {other_account}, not {account_name}"
            )
        if contact_id is None:  # no e-mail, or a new one: the same person at the account, by name
            contact_id = known.by_name.get((account_id, key))
            if contact_id is not None:
                values.pop("name")  # matched by name: keep its spelling ("tom lee" stays "Tom Lee")
                key = known.rows[contact_id]["name_key"]
        if contact_id is None:
            self._create(known, account_id, key, values)
            report.created += 1
            return
        current = known.rows[contact_id]
        clash = known.by_name.get((account_id, key))
        if clash is not None and clash != contact_id:
            raise UserError(
                f"another contact at {account_name} is already called {known.rows[clash]['name']}"
            )
        changes = {c: v for c, v in values.items() if current.get(c) != v}
        if not changes:
            report.unchanged += 1
            return
        if "name" in changes:
            del known.by_name[(account_id, current["name_key"])]
            known.by_name[(account_id, key)] = contact_id
            current["name_key"] = key
        if "email" in changes:
            if current["email"]:
                known.by_email.pop(current["email"], None)
            if changes["email"]:
                known.by_email[changes["email"]] = contact_id
        if "stage" in changes:
            known.stage_moves.append((contact_id, current["stage"], changes["stage"]))
        current.update(changes)
        if contact_id > 0:
            known.changed[contact_id] = None
        report.updated += 1

    def _create(self, known: _Known, account_id: int, key: str, values: dict[str, Any]) -> None:
        new_id = known.next_new
        known.next_new -= 1
        stage = values.get("stage") or self.playbook.buying_team.stages[0]
        known.rows[new_id] = {
            "id": new_id,
            "account_id": account_id,
            "name_key": key,
            "name": values["name"],
            "title": values.get("title"),
            "email": values.get("email"),
            "phone": values.get("phone"),
            "role": values.get("role"),
            "stage": stage,
            "owner_id": values.get("owner_id"),
            "notes": values.get("notes", ""),
        }
        known.by_name[(account_id, key)] = new_id
        if values.get("email"):
            known.by_email[values["email"]] = new_id
        known.stage_moves.append((new_id, None, stage))

    def _write(self, known: _Known) -> None:
        now = self.now
        with unit_of_work(self.sessions) as session:
            updates = [
                {"id": i, **{c: known.rows[i][c] for c in (*DATA, "name_key")}, "updated_at": now}
                for i in known.changed
            ]
            for start in range(0, len(updates), BATCH):
                session.execute(update(Contact), updates[start : start + BATCH])
            new_ids = self._insert(session, known)
            moved = {i for i, _, _ in known.stage_moves if i > 0}
            if moved:
                session.execute(
                    update(Contact),
                    [{"id": i, "stage_changed_at": now, "stage_changed_by": None} for i in moved],
                )
            history = [
                {"contact_id": new_ids.get(i, i), "from_stage": old, "to_stage": new, "changed_by": None,
                 "reason": IMPORT_REASON, "changed_at": now}
                for i, old, new in known.stage_moves
            ]  # fmt: skip
            for start in range(0, len(history), BATCH):
                batch = history[start : start + BATCH]
                written = session.execute(
                    insert(ContactStageChange).returning(ContactStageChange.id, sort_by_parameter_order=True),
                    batch,
                ).scalars()
                self._audit_moves(session, known, new_ids, list(zip(written, batch, strict=True)))

    def _audit_moves(
        self,
        session: Session,
        known: _Known,
        new_ids: dict[int, int],
        written: list[tuple[int, dict[str, Any]]],
    ) -> None:
        """Each stage move the import wrote gets its audit entry (surface ``import``) on the contact's
        account, like a move made with ``/contact set``."""
        account_of = {new_ids.get(i, i): row["account_id"] for i, row in known.rows.items()}
        entries = [
            audit.entry(
                ContactStageChange,
                move_id,
                "create",
                {
                    k: (None, row[k])
                    for k in ("contact_id", "from_stage", "to_stage", "reason")
                    if row[k] is not None
                },
                account_id=account_of.get(row["contact_id"]),
            )
            for move_id, row in written
        ]
        audit.write(session, entries, at=self.now, team_id=self.team_id)

    def _insert(self, session: Session, known: _Known) -> dict[int, int]:
        """Create the new contacts; returns their ids by the negative ids this import gave them."""
        new = [(i, r) for i, r in known.rows.items() if i < 0]
        ids: dict[int, int] = {}
        for start in range(0, len(new), BATCH):
            chunk = new[start : start + BATCH]
            objects = [
                Contact(
                    **{c: r[c] for c in ("account_id", "name_key", *DATA)},
                    stage_changed_at=self.now,
                    stage_changed_by=None,
                    created_by=None,
                    created_at=self.now,
                    updated_at=self.now,
                )
                for _, r in chunk
            ]
            session.add_all(objects)
            session.flush()
            ids.update({i: obj.id for (i, _), obj in zip(chunk, objects, strict=True)})
        return ids


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
        columns, rows = read_rows(stream)
    importer = ContactImporter(session_factory, playbook, now=now, lookup_email=lookup_email, offline=offline)
    report = importer.run(rows, dry_run=dry_run)
    report.ignored_columns = [c for c in columns if c not in (*COLUMNS, *EXPORT_ONLY)]
    return report


def run_import_contacts(
    settings: Settings,
    path: str,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The CLI: 0 when every row was imported, 1 when some were rejected, 2 when the file was refused."""
    return run_import_command(settings, path, import_file, dry_run=dry_run, out=out, err=err)


# -- export ------------------------------------------------------------------------------------------
def export_contacts(session: Session, out: TextIO, *, team_id: str | None = None) -> int:
    """Every contact, by account and name, in the columns the import reads, plus when each was last
    touched (read with one ``GROUP BY``; ignored when the file is imported again)."""
    team_id = team_id or current_team()
    touched = ct.last_touched(session)
    stmt: Any = (
        select(Contact, Account.name)
        .join(Account, Account.id == Contact.account_id)
        .where(Account.team_id == team_id)
        .order_by(Account.name_key, Contact.name_key, Contact.id)
        .execution_options(yield_per=1000)
    )
    rows = (
        (account_name, contact.name, contact.title or "", contact.email or "", contact.phone or "",
         contact.role or "", contact.stage, contact.owner_id or "", contact.notes or "",
         at.strftime("%Y-%m-%dT%H:%M:%SZ") if (at := touched.get(contact.id)) else "")
        for contact, account_name in session.execute(stmt)
    )  # fmt: skip
    return write_csv(out, (*COLUMNS, *EXPORT_ONLY), rows)


def run_export_contacts(settings: Settings, *, out: TextIO | None = None) -> int:
    return run_csv_export(settings, export_contacts, out=out)
