"""Messages for due visit and no-show reminders. ``None`` = no longer relevant (done, cancelled)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.blocks.common import fallback_text
from bot.blocks.visits import (
    day_label,
    noshow_chase_blocks,
    noshow_task_blocks,
    visit_announce_blocks,
    visit_due_blocks,
    when_label,
)
from bot.domain import noshows
from bot.domain.text import titled
from bot.reminders.outbox import OutgoingMessage, Renderer
from bot.reminders.visit_schedule import NOSHOW_CHASE, NOSHOW_TASK, VISIT_ANNOUNCE, VISIT_DUE
from bot.storage.models import Account, Activity, Reminder, Task

if TYPE_CHECKING:
    from bot.services import Services


def _open_task(session: Session, reminder: Reminder) -> tuple[Task, Account] | None:
    task = session.get(Task, reminder.task_id) if reminder.task_id else None
    if task is None or task.status != "open":
        return None
    account = session.get(Account, task.account_id)
    return (task, account) if account is not None else None


def _message(channel: str, blocks: list[dict[str, Any]]) -> OutgoingMessage:
    return OutgoingMessage(channel, fallback_text(blocks), blocks)


def render_announce(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _open_task(session, reminder)
    if found is None:
        return None
    task, account = found
    tz = services.people.get_in(session, task.assignee_id).tz
    when = when_label(task.due_at, tz, all_day=task.all_day, now=services.clock.now())
    if reminder.channel_id:
        blocks = visit_announce_blocks(
            titled(task.title, account.name), when, task.id, account.id, owner=task.assignee_id
        )
        return _message(reminder.channel_id, blocks)
    return _message(
        task.assignee_id, visit_announce_blocks(titled(task.title, account.name), when, task.id, account.id)
    )


def render_due(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _open_task(session, reminder)
    if found is None:
        return None
    task, account = found
    tz = services.people.get_in(session, task.assignee_id).tz
    when = "all day" if task.all_day else f"{task.due_at.astimezone(tz):%H:%M}"
    return _message(
        task.assignee_id, visit_due_blocks(titled(task.title, account.name), when, task.id, account.id)
    )


def render_noshow_task(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _open_task(session, reminder)
    if found is None:
        return None
    task, account = found
    return _message(
        task.assignee_id,
        noshow_task_blocks(account.name, titled(task.title, account.name), task.id, account.id),
    )


def render_noshow_chase(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    task = session.get(Task, reminder.task_id) if reminder.task_id else None
    if task is None or task.status == "cancelled":
        return None
    account = session.get(Account, task.account_id)
    source = session.get(Activity, task.source_activity_id) if task.source_activity_id else None
    if account is None or source is None or source.undone_at is not None:
        return None
    if noshows.meeting_since(session, account.id, source.occurred_at):
        return None
    tz = services.people.get_in(session, task.assignee_id).tz
    since = day_label(source.occurred_at, tz, now=services.clock.now())
    if reminder.channel_id:
        return _message(
            reminder.channel_id, noshow_chase_blocks(account.name, since, account.id, owner=task.assignee_id)
        )
    return _message(task.assignee_id, noshow_chase_blocks(account.name, since, account.id))


RENDERERS: dict[str, Renderer] = {
    VISIT_ANNOUNCE: render_announce,
    VISIT_DUE: render_due,
    NOSHOW_TASK: render_noshow_task,
    NOSHOW_CHASE: render_noshow_chase,
}
