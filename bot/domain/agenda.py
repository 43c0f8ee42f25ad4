"""A person's agenda: their open tasks of every kind (follow-ups, visits, no-shows), by day, in their zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.domain.dates import local_datetime
from bot.domain.text import titled
from bot.storage.models import Account, Task

MAX_ITEMS = 40


@dataclass
class AgendaItem:
    task_id: int
    kind: str
    title: str
    account_id: int
    account_name: str
    due_at: datetime
    all_day: bool
    overdue: bool


@dataclass
class Agenda:
    user_id: str
    tz: ZoneInfo
    start: datetime  # 00:00 today, local
    end: datetime  # exclusive
    overdue: list[AgendaItem]
    upcoming: list[AgendaItem]
    more: int = 0  # items left off

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.upcoming


def window(now: datetime, tz: ZoneInfo, days: int) -> tuple[datetime, datetime]:
    today = now.astimezone(tz).date()
    return local_datetime(today, time(0), tz), local_datetime(today + timedelta(days=days), time(0), tz)


def _items(
    session: Session, stmt: Select[tuple[Task, str]], now: datetime, start: datetime
) -> list[AgendaItem]:
    out = []
    for task, name in session.execute(stmt):
        out.append(
            AgendaItem(
                task.id,
                task.kind,
                titled(task.title, name),
                task.account_id,
                name,
                task.due_at,
                task.all_day,
                overdue=task.due_at < start or (not task.all_day and task.due_at < now),
            )
        )
    return out


def agenda(session: Session, user_id: str, *, now: datetime, tz: ZoneInfo, days: int = 1) -> Agenda:
    """Overdue items (due before today) and items due from today for ``days`` days."""
    start, end = window(now, tz, days)
    base = (
        select(Task, Account.name)
        .join(Account, Account.id == Task.account_id)
        .where(Task.assignee_id == user_id, Task.status == "open")
    )
    late, coming = Task.due_at < start, (Task.due_at >= start) & (Task.due_at < end)
    overdue = _items(session, base.where(late).order_by(Task.due_at, Task.id).limit(MAX_ITEMS), now, start)
    upcoming = _items(
        session,
        base.where(coming).order_by(Task.due_at, Task.id).limit(max(0, MAX_ITEMS - len(overdue))),
        now,
        start,
    )
    # How many are left off: counted in SQL, never read (overdue items pile up with history).
    total = session.scalar(
        select(func.count(Task.id)).where(
            Task.assignee_id == user_id, Task.status == "open", Task.due_at < end
        )
    )
    return Agenda(user_id, tz, start, end, overdue, upcoming, int(total or 0) - len(overdue) - len(upcoming))


def next_visits(session: Session, owner_id: str, *, limit: int = 10) -> list[AgendaItem]:
    """The planned visit occurrences of the accounts ``owner_id`` owns, soonest first."""
    stmt = (
        select(Task, Account.name)
        .join(Account, Account.id == Task.account_id)
        .where(Account.owner_id == owner_id, Task.kind == "visit", Task.status == "open")
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    far_past = datetime.min.replace(tzinfo=ZoneInfo("UTC"))
    return _items(session, stmt, far_past, far_past)
