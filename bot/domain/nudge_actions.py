"""What a button on a morning line does besides opening things: mark a follow-up done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.events import TaskDone, record
from bot.storage.models import Task


def complete_followup(session: Session, task_id: int, *, user_id: str, now: datetime) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise UserError("That follow-up no longer exists.")
    permissions.require(session, user_id, permissions.CHANGE, task)
    if task.status != "open":
        raise UserError(f"That follow-up is already {task.status}.")
    task.status = "done"
    task.completed_at = now
    record(session, TaskDone(task.id))
    return task
