"""Activities: log, undo, list, export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.errors import UserError
from bot.reminders.outbox import cancel_for_task
from bot.storage.models import Account, Activity, Task

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
) -> Logged:
    if len(notes) > MAX_NOTES:
        raise UserError(f"That note is {len(notes)} characters; {MAX_NOTES} at most.", LOG_EXAMPLE)
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
    consequences: list[str] = []
    for hook in hooks:
        consequences.extend(hook(session, activity, account))
    return Logged(activity, account, consequences)


def undo_activity(session: Session, activity_id: int, *, user_id: str, now: datetime) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or activity.undone_at is not None:
        raise UserError("That activity was already undone.")
    if activity.user_id != user_id:
        raise UserError("Only the person who logged an activity can undo it.")
    activity.undone_at = now
    # What logging it set in motion (automatic follow-ups) goes too.
    for task in session.scalars(
        select(Task).where(Task.source_activity_id == activity.id, Task.status == "open")
    ):
        task.status = "cancelled"
        task.completed_at = now
        cancel_for_task(session, task.id)
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
    stmt = select(Activity.occurred_at).where(Activity.account_id == account_id, Activity.undone_at.is_(None))
    if types:
        stmt = stmt.where(Activity.type.in_(types))
    return session.scalar(stmt.order_by(Activity.occurred_at.desc()).limit(1))
