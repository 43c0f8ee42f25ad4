"""Reading the audit trail (``audit_entries``, written by ``bot/storage/audit.py``) and undoing a change.

``/account history Acme Corp`` shows every change to the account and to what belongs to it
(activities, follow-ups, visit plans, signals, opportunities), newest first, a page at a time;
``/opportunity history 12`` the changes of one record. Undo puts back the fields of *your* last
change to a record, when nobody changed the record since and every field it touched is reversible
(``@audited(..., reversible=...)``): an account's tier, owner or MRR, an opportunity's stage or amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain.errors import UserError
from bot.storage.audit import from_json, jsonable
from bot.storage.models import AUDITED, AuditEntry, Base, Role, Target, Task, TeamMember, TeamSetting

PAGE = 10
HISTORY_EXAMPLE = "/account history Acme Corp"


@dataclass
class Page:
    entries: list[AuditEntry]
    more: bool  # older entries exist (ask with ``before`` = the last entry's id)
    latest: dict[tuple[str, str], int]  # (record type, record id) → id of its newest entry
    # How a record reads to people when its row id is not what they know it by: a follow-up is its
    # assignee's number (``follow-up <@U0ALICE> #3``), not the row id.
    labels: dict[tuple[str, str], str] = dataclass_field(default_factory=dict)


def model_of(record_type: str) -> type[Base] | None:
    for model, spec in AUDITED.items():
        if spec.record_type == record_type:
            return model
    return None


def for_account(session: Session, account_id: int, *, before: int | None = None, limit: int = PAGE) -> Page:
    return _page(session, AuditEntry.account_id == account_id, before, limit)


def for_record(
    session: Session, record_type: str, record_id: str, *, before: int | None = None, limit: int = PAGE
) -> Page:
    where = (AuditEntry.record_type == record_type) & (AuditEntry.record_id == record_id)
    return _page(session, where, before, limit)


def _page(session: Session, where: Any, before: int | None, limit: int) -> Page:
    stmt = select(AuditEntry).where(where)
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    rows = list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    entries = rows[:limit]
    return Page(entries, len(rows) > limit, latest_of(session, entries), labels_of(session, entries))


def labels_of(session: Session, entries: Iterable[AuditEntry]) -> dict[tuple[str, str], str]:
    """Follow-ups by their assignee's number, other tasks by their kind, in one query."""
    ids = {int(e.record_id) for e in entries if e.record_type == "task" and e.record_id.isdigit()}
    if not ids:
        return {}
    rows = session.execute(select(Task.id, Task.kind, Task.number, Task.assignee_id).where(Task.id.in_(ids)))
    return {
        ("task", str(task_id)): (
            f"follow-up <@{assignee}> #{number}" if kind == "followup" and number else f"{kind} task"
        )
        for task_id, kind, number, assignee in rows
    }


def latest_of(session: Session, entries: Iterable[AuditEntry]) -> dict[tuple[str, str], int]:
    """The newest entry id of each record the entries are about, in one grouped query."""
    keys = {(e.record_type, e.record_id) for e in entries}
    if not keys:
        return {}
    rows = session.execute(
        select(AuditEntry.record_type, AuditEntry.record_id, func.max(AuditEntry.id))
        .where(
            AuditEntry.record_type.in_({t for t, _ in keys}), AuditEntry.record_id.in_({i for _, i in keys})
        )
        .group_by(AuditEntry.record_type, AuditEntry.record_id)
    )
    return {(t, i): int(m) for t, i, m in rows if (t, i) in keys}


def why_not_undoable(entry: AuditEntry, user_id: str, latest: dict[tuple[str, str], int]) -> str | None:
    """``None`` when ``user_id`` may undo ``entry`` now, else the reason (as a sentence)."""
    if entry.actor_id != user_id:
        return "Only the person who made a change can undo it."
    if entry.action != "update" or entry.undo_of is not None:
        return "Only a change of fields can be undone (not a creation, a deletion or an undo)."
    model = model_of(entry.record_type)
    spec = AUDITED.get(model) if model else None
    if spec is None or not set(entry.changes) <= spec.reversible:
        return "That change cannot be undone from here: it set other things in motion."
    if latest.get((entry.record_type, entry.record_id)) != entry.id:
        return "That record changed again since; only the last change to a record can be undone."
    return None


@dataclass
class Undone:
    entry: AuditEntry
    record_type: str
    account_id: int | None
    fields: list[str]


def undo(session: Session, entry_id: int, *, user_id: str, now: datetime) -> Undone:
    """Put back the fields ``entry_id`` changed; the undo is itself a new entry (``undo_of``)."""
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise UserError("That change is not in the history any more.")
    reason = why_not_undoable(entry, user_id, latest_of(session, [entry]))
    if reason:
        raise UserError(reason)
    model = model_of(entry.record_type)
    assert model is not None  # why_not_undoable checked it
    record = session.get(model, _primary_key(model, entry.record_id))
    if record is None:
        raise UserError(f"That {entry.record_type} no longer exists.")
    _require_may_change(session, user_id, record)
    for field, (_before, after) in entry.changes.items():
        if jsonable(getattr(record, field)) != after:
            raise UserError(f"The {entry.record_type} changed since; nothing was undone.")
    for field, (before, _after) in entry.changes.items():
        setattr(record, field, from_json(model, field, before))
    if hasattr(record, "updated_at"):
        record.updated_at = now
    session.info["audit_undo_of"] = entry.id
    session.flush()
    return Undone(entry, entry.record_type, entry.account_id, sorted(entry.changes))


def _require_may_change(session: Session, user_id: str, record: Any) -> None:
    """Undo is a change like any other: the same rules (``permissions``) as changing the record now."""
    if isinstance(record, Role):
        permissions.require(session, user_id, permissions.MANAGE_ROLES, team_id=record.team_id)
    elif isinstance(record, TeamMember | TeamSetting):
        permissions.require(session, user_id, permissions.TEAM, record.manager_id, team_id=record.team_id)
    elif isinstance(record, Target):
        action = permissions.TEAM if record.scope == "team" else permissions.TARGETS
        permissions.require(session, user_id, action, record.subject_id, team_id=record.team_id)
    else:
        permissions.require(session, user_id, permissions.CHANGE, record)


def _primary_key(model: type[Base], record_id: str) -> tuple[Any, ...]:
    columns = model.__mapper__.primary_key
    parts = record_id.split(":", len(columns) - 1)
    if len(parts) != len(columns):
        raise UserError("That change is not in the history any more.")
    try:
        return tuple(
            int(p) if isinstance(c.type, Integer) else p for c, p in zip(columns, parts, strict=True)
        )
    except ValueError:
        raise UserError("That change is not in the history any more.") from None
