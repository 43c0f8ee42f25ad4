"""Follow-up reminders: queue them at the due time (deferred to working hours), render them at delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.blocks.followups import channel_reminder_blocks, reminder_blocks, reminder_text
from bot.domain.followups import KIND
from bot.domain.workhours import next_working_start
from bot.people import cached_person
from bot.playbook import Playbook, WorkingHours
from bot.reminders.notify import account_channel, enqueue_notice
from bot.reminders.outbox import OutgoingMessage
from bot.storage.models import Account, Reminder, Task

if TYPE_CHECKING:
    from bot.services import Services

REMINDER_KIND = "followup_due"
CHANNEL_FEATURE = "followup"  # the [channels] key in the playbook


@dataclass(frozen=True)
class Scheduled:
    deliver_at: datetime  # when the reminder goes out (the due time, or the next working start)
    channel_id: str | None  # where it is also posted


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def dedupe_key(task: Task) -> str:
    return f"{REMINDER_KIND}:{task.id}:{_instant(task.due_at)}"


def schedule(
    session: Session,
    task: Task,
    account: Account,
    *,
    tz: ZoneInfo,
    hours: WorkingHours,
    playbook: Playbook,
    now: datetime,
) -> Scheduled:
    """Queue the DM to the assignee (and the channel post) for the task's current due time."""
    deliver_at = next_working_start(task.due_at, hours, tz)
    channel = task.channel_id or account_channel(playbook, account, CHANNEL_FEATURE)
    enqueue_notice(
        session,
        kind=REMINDER_KIND,
        recipient_id=task.assignee_id,
        channel_id=channel,
        due_at=deliver_at,
        now=now,
        dedupe_key=dedupe_key(task),
        task_id=task.id,
        payload={"due": _instant(task.due_at)},
    )
    return Scheduled(deliver_at, channel)


def render_followup_due(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    """The DM (or channel post); ``None`` when the task was closed or moved since it was queued."""
    task = session.get(Task, reminder.task_id) if reminder.task_id else None
    if task is None or task.kind != KIND or task.status != "open":
        return None
    queued_for = (reminder.payload or {}).get("due")
    if not queued_for or datetime.fromisoformat(queued_for) != task.due_at:
        return None
    account = session.get(Account, task.account_id)
    if account is None:
        return None
    text = reminder_text(task, account)
    person = cached_person(session, task.assignee_id, services.playbook)
    now = services.clock.now()
    if reminder.channel_id:
        blocks = channel_reminder_blocks(task, account, tz=person.tz, now=now)
        return OutgoingMessage(reminder.channel_id, text, blocks)
    return OutgoingMessage(
        task.assignee_id, text, reminder_blocks(task, account, assignee_tz=person.tz, now=now)
    )
