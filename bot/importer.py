"""``salesbot import accounts FILE.csv``: create or update accounts in bulk.

Rows match an existing account on ``external_id``, else on the name (case and spaces folded), and
update it; other rows create accounts. Each row is checked with the same rules as ``/account``
(statuses and tiers from the playbook); a bad row is reported with its line number and skipped.

The file is read once and checked a column at a time, in batches of ``BATCH`` rows: each distinct
status, tier, tag list, date, channel and person is checked once, not once per cell. Then one
transaction writes every batch: one query finds the existing accounts the batch names (by
``external_id`` or name), then one UPDATE and one multi-row INSERT (ids returned) write the batch,
with its audit entries (surface ``import``) in one more. Nothing is written unless the whole file
is (a dry run does the same work and rolls it back), so a file of 100,000 rows takes seconds.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tqdm import tqdm

from bot.domain.accounts import validate_fields
from bot.domain.errors import UserError
from bot.domain.grammar import channel_id_of
from bot.people import People
from bot.playbook import Playbook
from bot.settings import Settings
from bot.storage import audit
from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.keys import search_key
from bot.storage.models import AUDITED, Account, AuditEntry
from bot.storage.tenancy import current_team

COLUMNS = ("name", "status", "tier", "tags", "owner", "csm", "channel", "mrr", "renewal_date", "external_id")
ALIASES = {"renewal": "renewal_date", "external id": "external_id", "externalid": "external_id"}
# Columns compared to decide whether an existing account changes.
DATA_COLUMNS = (
    "name", "status", "tier", "tags", "owner_id", "csm_id", "channel_id", "mrr", "renewal_date", "external_id",
)  # fmt: skip
# The columns a row may set besides its name, in the order a row's cells are checked (the first
# bad one is the reason given).
VALUE_COLUMNS = (
    "status", "tier", "tags", "mrr", "renewal_date", "external_id", "owner_id", "csm_id", "channel_id",
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


class _Missing:
    """An empty cell: the column keeps its value (or its default, for a new account)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, no header, no name column)."""


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction: everything it wrote is rolled back."""


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
class _Batch:
    """Up to ``BATCH`` rows, checked: one list per column (``MISSING`` for an empty cell)."""

    lines: list[int]
    names: list[str]
    keys: list[str]  # name_key of each name
    values: dict[str, list[Any]]  # VALUE_COLUMNS → one value per row
    errors: dict[int, str]  # row index → why it is refused


@dataclass
class _Matched:
    """The accounts one batch names: existing ones (positive ids) and those it creates (negative)."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_external: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    created: list[int] = field(default_factory=list)  # row indexes of the batch that create accounts
    changed: dict[int, None] = field(default_factory=dict)  # existing ids to write, in order
    before: dict[int, dict[str, Any]] = field(default_factory=dict)  # stored values of changed fields


def read_rows(stream: TextIO) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The normalised header and an iterator of (line number, row) for non-empty rows."""
    columns, records = read_records(stream)
    return columns, (
        (line, {c: (record[i].strip() if i < len(record) else "") for i, c in enumerate(columns)})
        for line, record in records
    )


def read_records(stream: TextIO) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The normalised header and an iterator of (line number, cells) for non-empty records."""
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
    return columns, numbered_records(reader)


def numbered_records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each record left in ``reader`` with a filled-in cell."""
    line = reader.line_num + 1
    for record in reader:
        if "".join(record).strip():  # some cell is filled in
            yield line, record
        line = reader.line_num + 1


def numbered_rows(reader: Any, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each non-empty record left in ``reader``; missing cells are empty."""
    for line, record in numbered_records(reader):
        yield line, {c: (record[i].strip() if i < len(record) else "") for i, c in enumerate(columns)}


def repeated_external_ids(lines_by_external: dict[str, list[int]]) -> dict[int, str]:
    """Rows whose ``external_id`` another row of the file has too, with the reason they are refused:
    the file does not say which of them is right, so neither is imported."""
    reasons: dict[int, str] = {}
    for external, found in lines_by_external.items():
        if len(found) > 1:
            listed = ", ".join(str(n) for n in found[:-1]) + f" and {found[-1]}"
            for line in found:
                reasons[line] = (
                    f"external_id `{external}` is on lines {listed}; keep one row per account and import again"
                )
    return reasons


def among(column: ColumnElement[str], values: set[str], dialect: str) -> ColumnElement[bool]:
    """``column IN values`` with the values in one parameter: a batch's thousands of names would
    otherwise be rendered as thousands of parameters on every execution."""
    if dialect == "postgresql":
        return column == func.any(literal(sorted(values), ARRAY(String())))
    if dialect == "sqlite":
        listed = select(literal_column("value")).select_from(func.json_each(json.dumps(sorted(values))))
        return column.in_(listed)
    return column.in_(values)


def created_changes(dialect: str) -> ColumnElement[Any]:
    """SQL for a new account's audit ``changes``: ``{column: [null, value]}`` for every column of
    ``DATA_COLUMNS`` that has a value (what ``audit.entry`` stores), built by the database."""
    t = Account.__table__.c
    if dialect == "postgresql":
        array, obj, tags = func.json_build_array, func.json_build_object, t.tags
        strip: Callable[[ColumnElement[Any]], ColumnElement[Any]] = func.json_strip_nulls
    else:  # SQLite: a merge patch drops the members whose value is null
        array, obj, tags = func.json_array, func.json_object, func.json(t.tags)
        strip = lambda o: func.json_patch("{}", o)  # noqa: E731
    members: list[ColumnElement[Any]] = []
    for name in DATA_COLUMNS:
        column = t[name]
        empty = column.is_(None)
        if name == "tags":
            empty = or_(empty, func.json_array_length(column) == 0)
        value = array(null(), tags if name == "tags" else column)
        members += [literal_column(f"'{name}'"), case((empty, null()), else_=value)]
    return strip(obj(*members))


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
        # column → cell → (True, value) or (False, reason): each distinct cell is checked once.
        self._checked: dict[str, dict[str, tuple[bool, Any]]] = {}

    unknown_email_hint = (
        "set SLACK_BOT_TOKEN so e-mails of people the bot has not met yet are looked up in Slack, "
        "or give their Slack user id (U…)"
    )

    # -- cells -----------------------------------------------------------------------------------
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

    def _mrr(self, cell: str) -> int | None:
        if cell.isascii() and cell.isdigit() and len(cell) <= 12:
            return int(cell)  # what parse_mrr gives for plain digits, without its float round trip
        return self._cell("mrr", "mrr", cell)["mrr"]

    @staticmethod
    def _external(cell: str) -> str | None:
        return None if cell.lower() in ("none", "-") else cell

    def _converters(self) -> dict[str, tuple[str, Callable[[str], Any], bool]]:
        """VALUE_COLUMNS → (the file's column, what checks a cell, whether results are kept for the
        whole file). People are kept per batch only: a failed Slack lookup is tried again later."""
        return {
            "status": ("status", lambda c: self._cell("status", "status", c)["status"], True),
            "tier": ("tier", lambda c: self._cell("tier", "tier", c)["tier"], True),
            "tags": ("tags", lambda c: self._cell("tags", "tags", c)["tags"], True),
            "mrr": ("mrr", self._mrr, False),
            "renewal_date": (
                "renewal_date",
                lambda c: self._cell("renewal_date", "renewal", c)["renewal_date"],
                True,
            ),
            "external_id": ("external_id", self._external, False),
            "owner_id": ("owner", lambda c: self.person(c, "owner"), False),
            "csm_id": ("csm", lambda c: self.person(c, "csm"), False),
            "channel_id": ("channel", self.channel, True),
        }

    # -- checking a batch, a column at a time ---------------------------------------------------
    def _check(
        self, index: dict[str, int], records: Sequence[tuple[int, list[str]]], refused: dict[int, str]
    ) -> _Batch:
        lines = [line for line, _ in records]
        errors = {j: refused[line] for j, line in enumerate(lines) if line in refused}
        width = len(index) and max(index.values()) + 1
        # Short rows padded, long ones cut to the columns read: one tuple of cells per column.
        rows = [r if len(r) == width else (r + [""] * (width - len(r)))[:width] for _, r in records]
        by_column = dict(zip(range(width), zip(*rows, strict=True), strict=False)) if rows else {}

        def cells(column: str) -> list[str]:
            i = index.get(column)
            if i is None or i not in by_column:
                return [""] * len(records)
            return list(map(str.strip, by_column[i]))

        names: list[str] = []
        keys: list[str] = []
        for j, raw in enumerate(cells("name")):
            name = ""
            if j in errors:
                pass
            elif not raw:
                errors[j] = "the name is empty"
            elif len(raw) > 200:
                try:
                    validate_fields({"name": raw}, self.playbook)
                except UserError as err:
                    errors[j] = err.message
                else:
                    errors[j] = "the name is longer than 200 characters"
            else:
                name = " ".join(raw.split())  # clean_name: white space runs are one space
            names.append(name)
            keys.append(name.casefold())
        values: dict[str, list[Any]] = {}
        for column, (source, convert, whole_file) in self._converters().items():
            column_cells = cells(source)
            # Each distinct cell once (cells of refused rows are not even looked at: no Slack lookup).
            distinct = (
                set(column_cells)
                if not errors
                else {c for j, c in enumerate(column_cells) if j not in errors}
            )
            distinct.discard("")
            checked = self._checked.setdefault(column, {}) if whole_file else {}
            failed: dict[str, str] = {}
            for cell in distinct:
                if cell not in checked:
                    try:
                        checked[cell] = (True, convert(cell))
                    except UserError as err:
                        checked[cell] = (False, err.message)
                ok, result = checked[cell]
                if not ok:
                    failed[cell] = result
            converted = {cell: checked[cell][1] for cell in distinct if cell not in failed}
            converted[""] = MISSING
            out = list(map(converted.get, column_cells))  # None only where the cell failed
            if failed:
                for j, cell in enumerate(column_cells):
                    if cell in failed:
                        out[j] = MISSING
                        errors.setdefault(j, failed[cell])
            values[column] = out
        for j, external in enumerate(values["external_id"]):
            if j not in errors and external and external is not MISSING and len(external) > 120:
                errors[j] = "external_id is longer than 120 characters"
        return _Batch(lines, names, keys, values, errors)

    # -- the file --------------------------------------------------------------------------------
    def run(
        self, rows: Iterable[tuple[int, dict[str, str]]], *, dry_run: bool = False, total: int | None = None
    ) -> ImportReport:
        """Import rows as ``read_rows`` gives them."""
        records = [(line, [row.get(c, "") for c in COLUMNS]) for line, row in rows]
        return self.run_records(list(COLUMNS), records, dry_run=dry_run, total=total)

    def run_records(
        self,
        columns: list[str],
        records: Sequence[tuple[int, list[str]]],
        *,
        dry_run: bool = False,
        total: int | None = None,
    ) -> ImportReport:
        """Import records as ``read_records`` gives them (cells in the order of ``columns``)."""
        report = ImportReport(dry_run=dry_run)
        total = len(records) if total is None else total
        show = total >= PROGRESS_FROM
        index = {c: i for i, c in enumerate(columns) if c in COLUMNS}
        refused = self._repeated(index.get("external_id"), records)
        batches: list[_Batch] = []
        with tqdm(
            total=len(records), unit=" rows", file=sys.stderr, disable=not show, desc="Importing"
        ) as bar:
            for start in range(0, len(records), BATCH):
                chunk = records[start : start + BATCH]
                batches.append(self._check(index, chunk, refused))
                bar.update(len(chunk))
        accepted = sum(len(b.lines) - len(b.errors) for b in batches)
        # Writing takes as long as reading on big files: a second bar, so the wait is not silent.
        with tqdm(total=accepted, unit=" rows", file=sys.stderr, disable=not show, desc="Writing") as bar:
            try:
                with unit_of_work(self.sessions) as session:
                    for batch in batches:
                        checked = len(batch.lines) - len(batch.errors)
                        self._write(session, batch, report)
                        bar.update(checked)
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                pass
        for batch in batches:
            report.rejected.extend(Rejected(batch.lines[j], reason) for j, reason in batch.errors.items())
        report.rejected.sort(key=lambda r: r.line)
        return report

    @staticmethod
    def _repeated(column: int | None, records: Sequence[tuple[int, list[str]]]) -> dict[int, str]:
        if column is None:
            return {}
        lines: dict[str, list[int]] = {}
        for line, record in records:
            external = record[column].strip() if column < len(record) else ""
            if external and external.lower() not in ("-", "none"):
                lines.setdefault(external, []).append(line)
        return repeated_external_ids(lines)

    # -- one batch, inside the import's transaction -----------------------------------------------
    def _match(self, session: Session, batch: _Batch) -> _Matched:
        """The existing accounts the batch names, by name or external_id: one query."""
        ok = [j for j in range(len(batch.lines)) if j not in batch.errors]
        keys = {batch.keys[j] for j in ok}
        externals = {e for e in (batch.values["external_id"][j] for j in ok) if e and e is not MISSING}
        matched = _Matched()
        if not keys:
            return matched
        table = Account.__table__
        columns = [table.c[c] for c in ("id", "name_key", *DATA_COLUMNS)]
        # Two indexed lookups in one statement (an OR of the two would scan the team's accounts).
        dialect = session.get_bind().dialect.name
        query: Any = select(*columns).where(
            table.c.team_id == self.team_id, among(table.c.name_key, keys, dialect)
        )
        if externals:
            by_external = select(*columns).where(
                table.c.team_id == self.team_id, among(table.c.external_id, externals, dialect)
            )
            query = union_all(query, by_external)
        for r in session.execute(query):
            data = r._asdict()
            matched.rows[data["id"]] = data
            matched.by_key[data["name_key"]] = data["id"]
            if data["external_id"]:
                matched.by_external[data["external_id"]] = data["id"]
        return matched

    def _write(self, session: Session, batch: _Batch, report: ImportReport) -> None:
        matched = self._match(session, batch)
        for j in range(len(batch.lines)):
            if j in batch.errors:
                continue
            try:
                self._apply(matched, batch, j, report)
            except UserError as err:
                batch.errors[j] = err.message
        # Updates first: a row may take a name another account gave up in this same file.
        if matched.changed:
            session.execute(
                update(Account),
                [
                    {
                        "id": i,
                        **{c: matched.rows[i][c] for c in (*DATA_COLUMNS, "name_key")},
                        "search_key": search_key(matched.rows[i]["name"]),
                        "updated_at": self.now,
                    }
                    for i in matched.changed
                ],
            )
        if matched.created:
            self._insert(session, batch, matched)
        self._audit_updated(session, matched)

    def _apply(self, matched: _Matched, batch: _Batch, j: int, report: ImportReport) -> None:
        name, key = batch.names[j], batch.keys[j]
        external = batch.values["external_id"][j]
        external = None if external is MISSING else external
        rename = True  # the row's name is a new name for the account it matches
        account_id = matched.by_external.get(external) if external else None
        if account_id is not None and key == self._current(matched, batch, account_id)["name_key"]:
            rename = False  # the same name written differently is no rename: the stored spelling stays
        if account_id is None:
            account_id = matched.by_key.get(key)
            rename = False  # matched by name: keep its spelling ("ACME corp" stays "Acme Corp")
            if account_id is not None and external:
                other = self._current(matched, batch, account_id)["external_id"]
                if other and other != external:
                    raise UserError(
                        f"the name matches “{self._current(matched, batch, account_id)['name']}”, whose "
                        f"external_id is `{other}`, not `{external}`"
                    )
        if account_id is None:
            matched.created.append(j)
            matched.by_key[key] = -1 - j
            if external:
                matched.by_external[external] = -1 - j
            report.created += 1
            return
        current = self._current(matched, batch, account_id)
        if rename and key != current["name_key"]:
            clash = matched.by_key.get(key)
            if clash is not None and clash != account_id:
                raise UserError(
                    f"another account is already called “{self._current(matched, batch, clash)['name']}”"
                )
        changes: dict[str, Any] = {"name": name} if rename and current["name"] != name else {}
        for c in VALUE_COLUMNS:
            v = batch.values[c][j]
            if v is not MISSING and current.get(c) != v:
                changes[c] = v
        if not changes:
            report.unchanged += 1
            return
        if "name" in changes:
            del matched.by_key[current["name_key"]]
            matched.by_key[key] = account_id
            current["name_key"] = key
        if changes.get("external_id"):
            matched.by_external[changes["external_id"]] = account_id
        if account_id > 0:
            stored = matched.before.setdefault(account_id, {})
            for column in changes:
                stored.setdefault(column, current.get(column))
            matched.changed[account_id] = None
        current.update(changes)
        report.updated += 1  # also when a later row of this batch changes an account it creates

    def _current(self, matched: _Matched, batch: _Batch, account_id: int) -> dict[str, Any]:
        """The account's values as this batch has left them so far (a created one's from its row)."""
        if account_id not in matched.rows:  # created by row -1 - account_id of this batch
            j = -1 - account_id
            given = {c: batch.values[c][j] for c in VALUE_COLUMNS}
            matched.rows[account_id] = {
                "id": account_id,
                "name_key": batch.keys[j],
                "name": batch.names[j],
                **{c: None if v is MISSING else v for c, v in given.items()},
                "status": self.playbook.default_status if given["status"] is MISSING else given["status"],
                "tags": [] if given["tags"] is MISSING else given["tags"],
            }
        return matched.rows[account_id]

    def _insert(self, session: Session, batch: _Batch, matched: _Matched) -> None:
        """One multi-row INSERT for the batch's new accounts (their ids returned), and their audit entries."""
        default = self.playbook.default_status
        values = batch.values
        rows = []
        for j in matched.created:
            if -1 - j in matched.rows:  # a later row of the batch changed it
                r = matched.rows[-1 - j]
                row = {c: r[c] for c in (*DATA_COLUMNS, "name_key")}
            else:
                row = {c: None if (v := values[c][j]) is MISSING else v for c in VALUE_COLUMNS}
                row["name"], row["name_key"] = batch.names[j], batch.keys[j]
                if row["status"] is None:
                    row["status"] = default
                if row["tags"] is None:
                    row["tags"] = []
            row["search_key"] = search_key(row["name"])
            row["team_id"] = self.team_id
            row["created_by"] = None
            row["created_at"] = row["updated_at"] = self.now
            rows.append(row)
        # One executemany, as a bare insert would do; then their audit entries in one INSERT … SELECT
        # of the rows above the largest id before (on SQLite this transaction holds the write lock;
        # on PostgreSQL the creation time and "created by nobody" leave out anyone else's new rows).
        table = Account.__table__
        since = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        session.execute(insert(table), rows)
        created = select(
            table.c.team_id,
            literal(self.now, AuditEntry.__table__.c.at.type),
            literal(audit.IMPORT.user_id, String()),
            literal(audit.IMPORT.surface, String()),
            literal(AUDITED[Account].record_type, String()),
            cast(table.c.id, String()),
            table.c.id,
            literal("create", String()),
            created_changes(session.get_bind().dialect.name),
            null(),
        ).where(
            table.c.id > since,
            table.c.team_id == self.team_id,
            table.c.created_by.is_(None),
            table.c.created_at == literal(self.now, table.c.created_at.type),
        )
        columns = ("team_id", "at", "actor_id", "surface", "record_type", "record_id", "account_id", "action")
        session.execute(insert(AuditEntry.__table__).from_select([*columns, "changes", "undo_of"], created))

    def _audit_updated(self, session: Session, matched: _Matched) -> None:
        """One audit entry per updated account (surface ``import``): its fields before → after."""
        entries = []
        for account_id in matched.changed:
            row, stored = matched.rows[account_id], matched.before.get(account_id, {})
            changes = {
                c: [before, row[c]] for c, before in stored.items() if c in DATA_COLUMNS and before != row[c]
            }
            if changes:
                entries.append(audit.entry(Account, account_id, "update", changes, account_id=account_id))
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
        columns, records = read_records(stream)
        listed = list(records)  # the cells as the csv module gives them: no dictionary per row
    importer = AccountImporter(session_factory, playbook, now=now, lookup_email=lookup_email, offline=offline)
    report = importer.run_records(columns, listed, dry_run=dry_run)
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
