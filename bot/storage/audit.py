"""The audit trail, written once for every audited model (``@audited`` in ``bot/storage/models.py``).

Session events do the work, so no handler writes audit rows by hand:

* ``before_flush`` reads each changed row's attribute history (fields before → after) and notes new
  and deleted rows;
* ``after_flush`` (primary keys now known) inserts the ``audit_entries`` rows on the same connection,
  so they commit or roll back with the change itself.

Who and from where come from the *actor*: set per Slack request by ``SalesbotApp.dispatch``
(``bot/app.py``), by ``salesbot import`` (surface ``import``), or left at its default (the
bot itself, surface ``automation``: planning passes, escalations). ``Services.uow`` puts the clock on
the session (``session.info["now"]``) so entries carry the same time as the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.storage.models import (
    AUDITED,
    Account,
    AuditEntry,
    AuditSpec,
    Base,
    Contact,
    Opportunity,
)
from bot.storage.tenancy import current_team

SURFACES = ("command", "button", "modal", "shortcut", "event", "import", "automation", "cli")


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    surface: str


AUTOMATION = Actor(None, "automation")
_actor: ContextVar[Actor] = ContextVar("salesbot_actor", default=AUTOMATION)


@contextmanager
def acting_as(user_id: str | None, surface: str) -> Iterator[Actor]:
    """Changes made inside are attributed to ``user_id`` via ``surface``."""
    actor = Actor(user_id, surface)
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get()


def jsonable(value: Any) -> Any:
    """A column value as it is stored in ``changes`` (JSON)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def from_json(model: type[Base], field: str, value: Any) -> Any:
    """The inverse of ``jsonable`` for a column of ``model`` (to put an old value back)."""
    if value is None:
        return None
    column_type = inspect(model).columns[field].type
    if isinstance(column_type, DateTime) or isinstance(getattr(column_type, "impl", None), DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, Numeric):
        return Decimal(value)
    return value


def record_id_of(obj: Base) -> str:
    """The row's primary key as text; a composite key's parts joined by ":"."""
    key = inspect(type(obj)).primary_key_from_instance(obj)
    return ":".join(str(part) for part in key)


def _spec(obj: object) -> AuditSpec | None:
    return AUDITED.get(type(obj))  # type: ignore[arg-type]


def _fields(obj: Base, spec: AuditSpec) -> list[str]:
    return [attr.key for attr in inspect(type(obj)).column_attrs if attr.key not in spec.ignore]


def _diff(obj: Base, spec: AuditSpec) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for key in _fields(obj, spec):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before != after:
            changes[key] = [jsonable(before), jsonable(after)]
    return changes


def _snapshot(obj: Base, spec: AuditSpec, *, after: bool) -> dict[str, list[Any]]:
    values = inspect(obj).dict
    return {
        key: ([None, jsonable(values[key])] if after else [jsonable(values[key]), None])
        for key in _fields(obj, spec)
        if values.get(key) is not None
    }


# Rows without an account_id of their own (a contact's stage change, an opportunity's team member)
# belong to the account of the row they point at, so the account's history shows them too.
_PARENTS: tuple[tuple[str, type[Contact] | type[Opportunity]], ...] = (
    ("contact_id", Contact),
    ("opportunity_id", Opportunity),
)


def _account_of(session: Session, obj: Base) -> int | None:
    if isinstance(obj, Account):
        return obj.id
    if (account_id := getattr(obj, "account_id", None)) is not None:
        return int(account_id)
    for attribute, parent in _PARENTS:
        if (key := getattr(obj, attribute, None)) is not None:
            found = session.connection().scalar(select(parent.account_id).where(parent.id == key))
            return int(found) if found is not None else None
    return None


def _before_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    pending: list[tuple[str, Base, dict[str, list[Any]] | None]] = session.info.setdefault(
        "audit_pending", []
    )
    for obj in session.new:
        if _spec(obj):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        spec = _spec(obj)
        if spec and session.is_modified(obj, include_collections=False):
            changes = _diff(obj, spec)
            if changes:
                pending.append(("update", obj, changes))
    for obj in session.deleted:
        spec = _spec(obj)
        if spec:
            pending.append(("delete", obj, _snapshot(obj, spec, after=False)))


def _after_flush(session: Session, _flush: UOWTransaction | None) -> None:
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    actor = session.info.get("actor") or current_actor()
    now_of: Callable[[], datetime] | None = session.info.get("now")
    at = now_of() if now_of else datetime.now(UTC)
    undo_of = session.info.pop("audit_undo_of", None)
    rows = []
    for action, obj, changes in pending:
        spec = AUDITED[type(obj)]
        if action == "create":
            changes = _snapshot(obj, spec, after=True)
        account_id = _account_of(session, obj)
        rows.append(
            {
                "team_id": getattr(obj, "team_id", None) or current_team(),
                "at": at,
                "actor_id": actor.user_id,
                "surface": actor.surface,
                "record_type": spec.record_type,
                "record_id": record_id_of(obj),
                "account_id": account_id,
                "action": action,
                "changes": changes or {},
                "undo_of": undo_of if action == "update" else None,
            }
        )
    session.connection().execute(insert(AuditEntry.__table__), rows)


IMPORT = Actor(None, "import")


def entry(
    model: type[Base],
    record_id: object,
    action: str,
    changes: dict[str, list[Any]],
    *,
    account_id: int | None,
) -> dict[str, Any]:
    """An entry for a change made with a bulk statement (no session events): ``write`` stores it."""
    return {
        "record_type": AUDITED[model].record_type,
        "record_id": str(record_id),
        "account_id": account_id,
        "action": action,
        "changes": {field: [jsonable(before), jsonable(after)] for field, (before, after) in changes.items()},
        "undo_of": None,
    }


def write(
    session: Session, entries: list[dict[str, Any]], *, at: datetime, team_id: str, actor: Actor = IMPORT
) -> None:
    """Store entries made with ``entry`` (``salesbot import`` writes accounts in bulk)."""
    if entries:
        rows = [
            {**e, "team_id": team_id, "at": at, "actor_id": actor.user_id, "surface": actor.surface}
            for e in entries
        ]
        session.execute(insert(AuditEntry.__table__), rows)


def _bulk_delete(state: ORMExecuteState) -> None:
    """``session.execute(delete(Model).where(...))`` on an audited model: the rows it is about to
    delete are read first and get "delete" entries like ``session.delete`` would."""
    if not state.is_delete or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    spec = AUDITED.get(model)
    where = getattr(state.statement, "whereclause", None)
    if spec is None or state.execution_options.get("audit_read"):
        return
    query = select(model).execution_options(audit_read=True)
    if where is not None:
        query = query.where(where)
    doomed = list(state.session.scalars(query, state.parameters))
    if doomed:
        pending = state.session.info.setdefault("audit_pending", [])
        pending.extend(("delete", obj, _snapshot(obj, spec, after=False)) for obj in doomed)
        _after_flush(state.session, None)  # type: ignore[arg-type]


_installed = False


def install() -> None:
    """Listen on every session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _bulk_delete)
    _installed = True


install()
