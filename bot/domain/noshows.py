"""No-shows: logged as an activity of type ``noshow`` (``/log noshow Acme Corp`` or a No-show button).

A no-show creates a "Propose 3 new slots" task for the account owner (one per account while it is
open), due at their next working start. On a visit or meeting reminder, No-show also closes that
occurrence: it leaves the agenda and the card's "Next planned", and a recurring plan moves on. If no meeting or visit
is logged for the account within ``noshow.chase_after_working_days`` working days, the owner is
chased. Logging a meeting or a visit after the no-show closes the task and calls off the chase.
Undoing the no-show activity cancels its task (it is the task's ``source_activity_id``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import events
from bot.domain.text import ACCOUNT_SLOT
from bot.domain.visits import PlanningContext
from bot.domain.workhours import next_working_start_after
from bot.storage.models import Account, Activity, Task

NOSHOW = "noshow"
LOG_TYPES = (NOSHOW,)  # extra words /log accepts besides the playbook's activity types
MEETING_TYPES = ("meeting", "visit")  # what counts as "a new meeting" after a no-show


def record(session: Session, ctx: PlanningContext, activity: Activity, account: Account) -> Task:
    """The "propose 3 new slots" task and its reminders, for a no-show activity just stored.

    Exactly one per account: while one is open, a further no-show is added to it. It is due at the
    assignee's next working start (never "now", which would be overdue at once)."""
    assignee = account.owner_id or activity.user_id
    open_task = session.scalar(
        select(Task)
        .where(Task.account_id == account.id, Task.kind == "noshow", Task.status == "open")
        .order_by(Task.id)
        .limit(1)
    )
    if open_task is not None:
        return open_task
    tz, hours = ctx.person(assignee)
    task = Task(
        kind="noshow",
        account_id=account.id,
        title=f"Propose 3 new slots to {ACCOUNT_SLOT}",
        assignee_id=assignee,
        created_by=activity.user_id,
        due_at=next_working_start_after(ctx.now, hours, tz),
        all_day=False,
        status="open",
        channel_id=account.channel_id,
        source_activity_id=activity.id,
        created_at=ctx.now,
    )
    session.add(task)
    session.flush()
    events.record(session, events.NoShowRecorded(task, account, tz, hours, ctx.now))
    return task


def meeting_since(session: Session, account_id: int, since: datetime) -> bool:
    """Was a meeting or visit that happened after ``since`` logged for the account?"""
    found = session.scalar(
        select(Activity.id)
        .where(
            Activity.account_id == account_id,
            Activity.type.in_(MEETING_TYPES),
            Activity.undone_at.is_(None),
            Activity.occurred_at > since,
        )
        .limit(1)
    )
    return found is not None


def close_after_meeting(session: Session, activity: Activity, now: datetime) -> list[Task]:
    """A meeting/visit was logged: open no-show tasks of the account from before it are done, chase off."""
    closed = []
    for task in session.scalars(
        select(Task).where(
            Task.account_id == activity.account_id, Task.kind == "noshow", Task.status == "open"
        )
    ):
        source = session.get(Activity, task.source_activity_id) if task.source_activity_id else None
        if source is not None and activity.occurred_at <= source.occurred_at:
            continue  # a meeting from before the no-show is not a new meeting
        task.status = "done"
        task.completed_at = now
        events.record(session, events.TaskDone(task.id))
        closed.append(task)
    return closed


def mark_task_done(session: Session, task: Task, now: datetime) -> None:
    """Slots proposed: the task is done, but the chase stays until a meeting is logged."""
    task.status = "done"
    task.completed_at = now
    events.record(session, events.NoShowSlotsProposed(task.id))


# A bound on occurred_at that every row meets: with it, SQLite walks the index on (account_id, type,
# occurred_at), i.e. only the no-shows, where the workspace filter made it walk the whole history.
EVER = datetime(1, 1, 2, tzinfo=UTC)


def count(session: Session, account_id: int) -> int:
    """The account's no-shows (not undone); costs what they are, not the account's history."""
    return int(
        session.scalar(
            select(func.count(Activity.id)).where(
                Activity.account_id == account_id,
                Activity.type == NOSHOW,
                Activity.occurred_at >= EVER,
                Activity.undone_at.is_(None),
            )
        )
        or 0
    )
