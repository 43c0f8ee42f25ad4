"""Planning marks: what the minute's planning passes must look at again, written with each change.

Without them a pass would re-read every account every minute to find the few that changed. A flush
that changes what a pass reads also inserts rows in ``planning_marks``, in the same transaction:

* ``account`` marks: the visit plans of ``account_id`` must be checked (the account's tier, owner or
  creation date, one of its activities, visit plans or visit tasks changed); with ``user_id``
  instead, those of every account the person owns (their zone changed); with neither, every account
  (a bulk statement whose rows are not known, or a schema just upgraded).
* ``person`` marks: ``user_id`` became an owner, CSM or assignee, and the morning pass may not know
  them yet; with no ``user_id``, it looks at everyone.

A pass reads the marks, brings what they name in step, then deletes exactly the marks it read: a
change committed in the meantime keeps its mark for the next run. A unit of work whose
``session.info`` has ``PLANNING`` set (the visit planning pass) writes no account marks for its own
writes, which are in step by construction; a known person's zone it learns anew from Slack is still
marked (other accounts of theirs were planned with the old one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.storage.models import Account, Activity, PlanningMark, PlanningState, Task, UserProfile, VisitPlan
from bot.storage.tenancy import current_team

ACCOUNT = "account"
PERSON = "person"
PLANNING = "planning_pass"  # session.info key: this unit of work is the planning pass itself
_MET = "planning_met"  # session.info key: people whose profile the planning unit of work created

MANY = 1000  # a bulk write naming more accounts than this marks them all (one full check)
Mark = tuple[str, int | None, str | None]  # (kind, account_id, user_id)

_ACCOUNT_INPUTS = ("tier", "owner_id", "created_at", "team_id")
_ACTIVITY_INPUTS = ("type", "occurred_at", "undone_at", "account_id")
_PEOPLE = {Account: ("owner_id", "csm_id"), Task: ("assignee_id",)}
_TABLES = {m.__tablename__: m for m in (Account, Activity, Task, VisitPlan, UserProfile)}


def _changed(obj: object, attrs: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _before(obj: object, attr: str) -> list[Any]:
    return [v for v in inspect(obj).attrs[attr].history.deleted if v is not None]


def _object_marks(obj: object, *, whole: bool, planning: set[str] | None) -> set[Mark]:
    """The marks one new, deleted (``whole``) or changed object calls for. ``planning``: the people
    first met by this planning unit of work (None outside the planning pass)."""
    marks: set[Mark] = set()
    if isinstance(obj, UserProfile):
        if planning is not None and (whole or obj.user_id in planning):
            planning.add(obj.user_id)  # met while planning: what was planned for them used this zone
        elif whole or _changed(obj, ("tz",)):
            marks.add((ACCOUNT, None, obj.user_id))
        return marks
    for attr in _PEOPLE.get(type(obj), ()):
        if (whole or _changed(obj, (attr,))) and getattr(obj, attr):
            marks.add((PERSON, None, getattr(obj, attr)))
    if planning is not None:
        return marks
    if isinstance(obj, Account):
        if whole or _changed(obj, _ACCOUNT_INPUTS):
            marks.add((ACCOUNT, obj.id, None))
    elif isinstance(obj, Activity):
        if whole or _changed(obj, _ACTIVITY_INPUTS):
            marks.update((ACCOUNT, a, None) for a in {obj.account_id, *_before(obj, "account_id")})
    elif isinstance(obj, VisitPlan):
        marks.update((ACCOUNT, a, None) for a in {obj.account_id, *_before(obj, "account_id")})
    elif isinstance(obj, Task) and (obj.visit_plan_id is not None or _before(obj, "visit_plan_id")):
        marks.add((ACCOUNT, obj.account_id, None))
    return marks


def write(session: Session, marks: Iterable[Mark]) -> None:
    rows = [{"kind": k, "account_id": a, "user_id": u} for k, a, u in sorted(marks, key=repr)]
    if rows:
        session.connection().execute(insert(PlanningMark.__table__), rows)


@event.listens_for(Session, "after_flush")
def _mark_flush(session: Session, _flush: UOWTransaction) -> None:
    planning: set[str] | None = session.info.setdefault(_MET, set()) if session.info.get(PLANNING) else None
    marks: set[Mark] = set()
    for obj in session.new:
        marks |= _object_marks(obj, whole=True, planning=planning)
    for obj in session.deleted:
        marks |= _object_marks(obj, whole=True, planning=planning)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            marks |= _object_marks(obj, whole=False, planning=planning)
    write(session, marks)


@event.listens_for(Session, "do_orm_execute")
def _mark_statement(state: ORMExecuteState) -> None:
    """A bulk INSERT, UPDATE or DELETE on a table the passes read: mark what its rows name, or everything."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    model = _TABLES.get(getattr(getattr(state.statement, "table", None), "name", ""))
    if model is None:
        return
    params = state.parameters
    rows: list[dict[str, Any]] = (
        list(params) if isinstance(params, list) else [params] if isinstance(params, dict) and params else []
    )
    write(state.session, _statement_marks(model, rows, insert=state.is_insert, update=state.is_update))


def _statement_marks(model: type, rows: list[dict[str, Any]], *, insert: bool, update: bool) -> set[Mark]:
    everything: Mark = (ACCOUNT, None, None)
    by_key = bool(rows) and (insert or (update and all("id" in r for r in rows)))
    if not by_key:  # rows chosen by a WHERE clause: nobody knows which
        return {everything, (PERSON, None, None)} if model in _PEOPLE and not update else {everything}
    marks: set[Mark] = set()
    for attr in _PEOPLE.get(model, ()):
        marks.update((PERSON, None, r[attr]) for r in rows if r.get(attr))
    if model is UserProfile:
        marks.update((ACCOUNT, None, r["user_id"]) for r in rows if r.get("user_id"))
    elif model is Account and update:
        marks.update((ACCOUNT, r["id"], None) for r in rows)
    elif insert and all(r.get("account_id") is not None for r in rows):
        if model is not Task:
            marks.update((ACCOUNT, r["account_id"], None) for r in rows)
        else:
            marks.update((ACCOUNT, r["account_id"], None) for r in rows if r.get("visit_plan_id"))
    else:
        marks.add(everything)
    if sum(1 for m in marks if m[0] == ACCOUNT) > MANY:
        marks = {m for m in marks if m[0] != ACCOUNT} | {everything}
    return marks


# -- what the passes call ----------------------------------------------------------------------------
def pending(session: Session, kind: str) -> list[tuple[int, int | None, str | None]]:
    """(id, account_id, user_id) of every mark of ``kind`` committed so far."""
    rows = session.execute(
        select(PlanningMark.id, PlanningMark.account_id, PlanningMark.user_id)
        .where(PlanningMark.kind == kind)
        .order_by(PlanningMark.id)
    ).all()
    return [(i, a, u) for i, a, u in rows]


def clear(session: Session, ids: Sequence[int]) -> None:
    """Delete the marks a pass has handled (exactly those: newer ones wait for the next run)."""
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        condition: ColumnElement[bool] = PlanningMark.id.in_(chunk)
        session.execute(delete(PlanningMark).where(condition).execution_options(synchronize_session=False))


def state_of(session: Session, name: str) -> str | None:
    return session.scalar(select(PlanningState.value).where(PlanningState.name == name))


def set_state(session: Session, name: str, value: str) -> None:
    row = session.get(PlanningState, (current_team(), name))
    if row is None:
        session.add(PlanningState(name=name, value=value))
    else:
        row.value = value
