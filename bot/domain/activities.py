"""Activities: log, undo, list, export."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain.dates import When, local_datetime
from bot.domain.errors import UserError
from bot.domain.events import ActivityLogged, ActivityUndone, TaskCancelled, record
from bot.storage.models import Account, Activity, ActivityContact, Contact, Task

LOG_EXAMPLE = "/log call Acme Corp: discussed renewal, wants pricing for 20 more seats"
MAX_NOTES = 3000
_FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little


@dataclass
class Logged:
    activity: Activity
    account: Account
    # Lines describing what logging the activity set in motion (follow-ups scheduled, visit satisfied…).
    consequences: list[str]


# Called inside the same unit of work after an activity is stored; returns lines for the confirmation.
ActivityHook = Callable[[Session, Activity, Account], list[str]]


def occurred_at(when: When, now: datetime) -> datetime:
    """The instant to record for a typed date: a bare day means noon that day, or now if noon is later."""
    if when.has_time:
        return when.at
    tz = when.at.tzinfo
    assert isinstance(tz, ZoneInfo), "When.at carries the person's zone"
    noon = local_datetime(when.at.date(), time(12), tz)
    return min(noon, now) if when.at.date() == now.astimezone(tz).date() else noon


@dataclass
class LogForm:
    """What the log modal sent back, as plain values (``None`` when a field was left empty)."""

    account_id: str | None
    activity_type: str | None
    day: str | None  # YYYY-MM-DD
    at: str | None  # HH:MM
    notes: str
    contact_ids: tuple[int, ...] = ()  # who took part (the account's contacts)


def check_form(form: LogForm, *, types: dict[str, str], now: datetime, tz: ZoneInfo) -> dict[str, str]:
    """Per-field problems with a submitted log form (empty when it can be stored).

    Keys are the form's fields: account, type, date, time, notes.
    """
    errors: dict[str, str] = {}
    if not (form.account_id and form.account_id.isdigit()):
        errors["account"] = "Pick an account (type a few letters of its name)."
    if form.activity_type not in types:
        errors["type"] = "Pick a type: " + ", ".join(types) + "."
    if len(form.notes) > MAX_NOTES:
        errors["notes"] = f"{len(form.notes)} characters; {MAX_NOTES} at most."
    if not form.day:
        errors["date"] = "Pick the day it happened."
        return errors
    try:
        at = form_occurred_at(form, now=now, tz=tz)
    except ValueError:
        errors["date"] = "That is not a date I can read."
        return errors
    if at > now + _FUTURE_SLACK:
        later_day = date.fromisoformat(form.day) > now.astimezone(tz).date()
        errors["date" if later_day else "time"] = (
            "That is in the future: log what already happened, or use /followup for what's next."
        )
    return errors


def form_occurred_at(form: LogForm, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The instant a submitted form describes: its day and time in ``tz`` (no time: as ``occurred_at``)."""
    assert form.day is not None
    day = date.fromisoformat(form.day)
    if form.at:
        return local_datetime(day, time.fromisoformat(form.at), tz)
    return occurred_at(When(local_datetime(day, time(0), tz), False), now)


def log_activity(
    session: Session,
    *,
    account: Account,
    activity_type: str,
    user_id: str,
    occurred_at: datetime,
    notes: str,
    source: str,
    now: datetime,
    permalink: str | None = None,
    hooks: list[ActivityHook] | tuple[ActivityHook, ...] = (),
    contacts: list[Contact] | tuple[Contact, ...] = (),
) -> Logged:
    permissions.require(session, user_id, permissions.WRITE, team_id=account.team_id)
    if len(notes) > MAX_NOTES:
        raise UserError(
            f"That note is {len(notes):,} characters; {MAX_NOTES:,} at most. Log a summary, "
            "or use the “Log as activity” message shortcut on the message that holds the details.",
            LOG_EXAMPLE,
        )
    if occurred_at > now.replace(microsecond=0) + _FUTURE_SLACK:
        raise UserError(
            "That time is in the future. Log what already happened; use /followup for what's next.",
            LOG_EXAMPLE,
        )
    activity = Activity(
        account_id=account.id,
        type=activity_type,
        user_id=user_id,
        occurred_at=occurred_at,
        notes=notes.strip(),
        source=source,
        permalink=permalink,
        created_at=now,
    )
    session.add(activity)
    session.flush()
    for contact in contacts:  # who took part: their "last touched" is this activity from now on
        if contact.account_id != account.id:
            raise UserError(f"{contact.name} is not a contact at {account.name}.", LOG_EXAMPLE)
        session.add(ActivityContact(activity_id=activity.id, contact_id=contact.id))
    if contacts:
        session.flush()
    record(session, ActivityLogged(activity, account))
    consequences: list[str] = []
    for hook in hooks:
        consequences.extend(hook(session, activity, account))
    return Logged(activity, account, consequences)


def undo_activity(session: Session, activity_id: int, *, user_id: str, now: datetime) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise UserError("That activity no longer exists.")
    permissions.require(session, user_id, permissions.CHANGE, activity)
    if activity.undone_at is not None:
        raise UserError("That activity was already undone.")
    activity.undone_at = now
    record(session, ActivityUndone(activity))
    # What logging it set in motion (automatic follow-ups) goes too.
    for task in session.scalars(
        select(Task).where(Task.source_activity_id == activity.id, Task.status == "open")
    ):
        task.status = "cancelled"
        task.completed_at = now
        record(session, TaskCancelled(task.id))
    return activity


def recent(session: Session, account_id: int, limit: int = 5) -> list[Activity]:
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.account_id == account_id, Activity.undone_at.is_(None))
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )


def last_activity_at(
    session: Session, account_id: int, types: tuple[str, ...] | None = None
) -> datetime | None:
    """The last (not undone) activity on the account, of ``types`` when given.

    ``MAX`` over the index on (account_id, type, occurred_at): the cost does not grow with the
    account's history (an ``ORDER BY … LIMIT 1`` filtered by type walks every newer activity).
    """
    stmt = select(func.max(Activity.occurred_at)).where(
        Activity.account_id == account_id, Activity.undone_at.is_(None)
    )
    if types:
        stmt = stmt.where(Activity.type.in_(types))
    last = session.scalar(stmt)
    return None if last is None else _aware(last)


def last_activity_by_type(
    session: Session, types: tuple[str, ...] | None = None, *, accounts: Collection[int] | None = None
) -> dict[tuple[int, str], datetime]:
    """The last (not undone) activity of each type (of ``types``, or all) on each account (of
    ``accounts``, or all), in one query."""
    stmt = select(Activity.account_id, Activity.type, func.max(Activity.occurred_at)).where(
        Activity.undone_at.is_(None)
    )
    if types:
        stmt = stmt.where(Activity.type.in_(types))
    if accounts is not None:
        stmt = stmt.where(Activity.account_id.in_(accounts))
    rows = session.execute(stmt.group_by(Activity.account_id, Activity.type)).all()
    # func.max bypasses the column type on SQLite: make sure each is an aware UTC datetime.
    return {(account_id, kind): _aware(at) for account_id, kind, at in rows}


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
