"""Follow-up tasks: create, complete, cancel, move, list. Who may change what.

Tasks are ``Task`` rows of kind ``followup``; their reminders are outbox rows queued by
listeners of ``FollowUpScheduled`` (``bot/domain/events.py``). Any change of due time or status cancels pending reminders;
the renderer also checks the task again at delivery, so a stale reminder is never sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.events import TaskCancelled, TaskDone, TaskMoved, record
from bot.domain.followup_text import DONE_EXAMPLE
from bot.storage.models import Account, Task

KIND = "followup"
LIST_LIMIT = 50


def create(
    session: Session,
    *,
    account: Account,
    title: str,
    assignee_id: str,
    created_by: str | None,
    due_at: datetime,
    all_day: bool,
    now: datetime,
    channel_id: str | None = None,
    source_activity_id: int | None = None,
) -> Task:
    if created_by is not None:  # a person: viewers only read
        permissions.require(session, created_by, permissions.WRITE, team_id=account.team_id)
    task = Task(
        kind=KIND,
        account_id=account.id,
        title=title,
        assignee_id=assignee_id,
        created_by=created_by,
        due_at=due_at,
        all_day=all_day,
        status="open",
        channel_id=channel_id,
        source_activity_id=source_activity_id,
        created_at=now,
    )
    session.add(task)
    session.flush()
    return task


def find(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or task.kind != KIND:
        raise UserError(f"There is no follow-up #{task_id}. `/followup list` shows yours.", DONE_EXAMPLE)
    return task


def for_change(session: Session, task_id: int, user_id: str) -> Task:
    """The open task, if ``user_id`` may change it (its assignee, whoever asked for it, the account's
    people, their managers, an admin: ``permissions``)."""
    task = find(session, task_id)
    permissions.require(session, user_id, permissions.CHANGE, task)
    if task.status != "open":
        raise UserError(f"Follow-up #{task_id} is already {task.status}.")
    return task


def complete(session: Session, task_id: int, *, user_id: str, now: datetime) -> Task:
    task = for_change(session, task_id, user_id)
    _close(session, task, "done", now)
    return task


def cancel(session: Session, task_id: int, *, user_id: str, now: datetime) -> Task:
    task = for_change(session, task_id, user_id)
    _close(session, task, "cancelled", now)
    return task


def _close(session: Session, task: Task, status: str, now: datetime) -> None:
    task.status = status
    task.completed_at = now
    record(session, TaskDone(task.id) if status == "done" else TaskCancelled(task.id))


def move(session: Session, task: Task, due_at: datetime, *, all_day: bool) -> None:
    """A new due time; pending reminders for the old one are cancelled (the caller schedules anew)."""
    task.due_at = due_at
    task.all_day = all_day
    record(session, TaskMoved(task.id))


def open_for_assignee(
    session: Session, user_id: str, *, limit: int = LIST_LIMIT
) -> list[tuple[Task, Account]]:
    rows = session.execute(
        select(Task, Account)
        .join(Account, Account.id == Task.account_id)
        .where(Task.kind == KIND, Task.assignee_id == user_id, Task.status == "open")
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    ).all()
    return [(t, a) for t, a in rows]


def count_open_for_assignee(session: Session, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.count(Task.id)).where(
                Task.kind == KIND, Task.assignee_id == user_id, Task.status == "open"
            )
        )
        or 0
    )


def open_for_account(session: Session, account_id: int, *, limit: int = 10) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.kind == KIND, Task.account_id == account_id, Task.status == "open")
            .order_by(Task.due_at, Task.id)
            .limit(limit)
        )
    )
