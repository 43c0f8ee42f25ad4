"""Follow-up tasks: create, complete, cancel, move, list. Who may change what.

Tasks are ``Task`` rows of kind ``followup``. Each has a *number* in its assignee's own sequence
(1, 2, 3 … per person, never reused): what people read and type (``/followup done 3``). The row id
stays internal (button values). Numbers are handed out under the unique constraint
(assignee, number): a number taken meanwhile by a concurrent request is retried with the next.

Their reminders are outbox rows queued by
listeners of ``FollowUpScheduled`` (``bot/domain/events.py``). Any change of due time or status cancels pending reminders;
the renderer also checks the task again at delivery, so a stale reminder is never sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.events import TaskCancelled, TaskDone, TaskMoved, record
from bot.domain.followup_text import DONE_EXAMPLE
from bot.storage.models import Account, Task

KIND = "followup"
LIST_LIMIT = 40  # one page of /followup list
NUMBER_ATTEMPTS = 20  # numbers taken meanwhile by concurrent requests before giving up


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
    assign(session, task, assignee_id)
    return task


def assign(session: Session, task: Task, assignee_id: str) -> None:
    """Give ``task`` to ``assignee_id`` with the next number of their sequence (also on a hand-over:
    the number is the new assignee's). A number another request took meanwhile (the unique
    constraint refuses it) is retried with the next one, inside a savepoint."""
    if task.assignee_id == assignee_id and task.number is not None:
        return
    for _attempt in range(NUMBER_ATTEMPTS):
        taken = session.scalar(select(func.max(Task.number)).where(Task.assignee_id == assignee_id))
        try:
            with session.begin_nested():
                task.assignee_id = assignee_id
                task.number = (taken or 0) + 1
                session.flush()
            return
        except IntegrityError:
            continue  # the savepoint is rolled back: read the sequence again
    raise RuntimeError(f"no free follow-up number for {assignee_id} after {NUMBER_ATTEMPTS} attempts")


def find(session: Session, task_id: int) -> Task:
    """A follow-up by its row id (a button's value)."""
    task = session.get(Task, task_id)
    if task is None or task.kind != KIND:
        raise UserError("That follow-up no longer exists. `/followup list` shows yours.", DONE_EXAMPLE)
    return task


def by_number(session: Session, number: int, *, user_id: str, assignee_id: str | None = None) -> Task:
    """The follow-up a person means by ``number``: theirs (``/followup done 3``), or with
    ``assignee_id`` the one of that colleague's sequence (``/followup done @bob 3``)."""
    whose = assignee_id or user_id
    task = session.scalar(
        select(Task).where(Task.kind == KIND, Task.assignee_id == whose, Task.number == number)
    )
    if task is None:
        owner = "of yours" if whose == user_id else "in that colleague's list"
        raise UserError(
            f"There is no follow-up #{number} {owner}. `/followup list` shows yours with their numbers.",
            DONE_EXAMPLE,
        )
    return task


def label(task: Task, viewer_id: str | None = None) -> str:
    """How a follow-up is named to ``viewer_id``: ``#3`` when it is theirs (or nobody in
    particular), ``<@U0BOB> #3`` when it is in a colleague's sequence."""
    own = viewer_id is None or viewer_id == task.assignee_id
    return f"#{task.number}" if own else f"<@{task.assignee_id}> #{task.number}"


def for_change(session: Session, task: Task | int, user_id: str) -> Task:
    """The open task, if ``user_id`` may change it (its assignee, whoever asked for it, the account's
    people, their managers, an admin: ``permissions``)."""
    if isinstance(task, int):
        task = find(session, task)
    permissions.require(session, user_id, permissions.CHANGE, task)
    if task.status != "open":
        raise UserError(f"Follow-up {label(task, user_id)} is already {task.status}.")
    return task


def complete(session: Session, task_id: Task | int, *, user_id: str, now: datetime) -> Task:
    task = for_change(session, task_id, user_id)
    _close(session, task, "done", now)
    return task


def cancel(session: Session, task_id: Task | int, *, user_id: str, now: datetime) -> Task:
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
    session: Session, user_id: str, *, limit: int = LIST_LIMIT, offset: int = 0
) -> list[tuple[Task, Account]]:
    rows = session.execute(
        select(Task, Account)
        .join(Account, Account.id == Task.account_id)
        .where(Task.kind == KIND, Task.assignee_id == user_id, Task.status == "open")
        .order_by(Task.due_at, Task.id)
        .offset(offset)
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


def count_open_for_account(session: Session, account_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Task.id)).where(
                Task.kind == KIND, Task.account_id == account_id, Task.status == "open"
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
