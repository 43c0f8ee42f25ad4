"""When visit and no-show reminders go out: outbox rows with dedupe keys (see ``outbox.enqueue``).

* ``visit_announce``: ``announce_days_ahead`` days before the occurrence, at the owner's working start
  ("book the slot"); also in the account's channel when ``channels.visit_announcement`` is on.
* ``visit_due``: on the day, at the owner's working start (or the visit's time, if earlier: then it
  goes out at that time even before working hours).
* ``noshow_task``: right away after a no-show; ``noshow_chase``: after
  ``noshow.chase_after_working_days`` working days if no meeting or visit was logged meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.dates import local_datetime
from bot.domain.workhours import add_working_days, next_working_start
from bot.playbook import Playbook, WorkingHours
from bot.reminders.notify import account_channel, enqueue_notice
from bot.reminders.outbox import cancel_for_task, enqueue
from bot.storage.models import Account, Reminder, Task

VISIT_ANNOUNCE = "visit_announce"
VISIT_DUE = "visit_due"
NOSHOW_TASK = "noshow_task"
NOSHOW_CHASE = "noshow_chase"


def schedule_visit_task(
    session: Session,
    task: Task,
    account: Account,
    occurrence: datetime,
    *,
    playbook: Playbook,
    now: datetime,
    tz: ZoneInfo,
    hours: WorkingHours,
) -> None:
    day = occurrence.date()  # the occurrence's own (plan) zone decides the day
    if day < now.astimezone(occurrence.tzinfo).date():
        # Already overdue when planned (e.g. a tier cadence on an account not seen for months): no
        # "today" reminder for a day long gone; the morning message tells the owner once (overdue_visit).
        return
    on_day = local_datetime(day, hours.start, tz)
    if not task.all_day:
        on_day = min(on_day, occurrence)
    if on_day < now:
        on_day = next_working_start(now, hours, tz)
    _enqueue_day_of(
        session, task, on_day, local_datetime(day, hours.start, tz), now, f"{VISIT_DUE}:{task.id}"
    )
    if playbook.announce_days_ahead <= 0:
        return
    announce = local_datetime(day - timedelta(days=playbook.announce_days_ahead), hours.start, tz)
    if announce < now:
        announce = next_working_start(now, hours, tz)
    if announce.astimezone(tz).date() >= on_day.astimezone(tz).date():
        return  # too late to announce: the on-the-day reminder says it all
    if _already_announced(session, account, task, on_day.astimezone(tz).date(), tz):
        return  # the plan changed, the occurrence did not: one announcement is enough
    enqueue_notice(
        session,
        kind=VISIT_ANNOUNCE,
        recipient_id=task.assignee_id,
        channel_id=account_channel(playbook, account, "visit_announcement"),
        due_at=announce,
        now=now,
        task_id=task.id,
        dedupe_key=f"{VISIT_ANNOUNCE}:{task.id}",
    )


def schedule_noshow(
    session: Session,
    task: Task,
    account: Account,
    *,
    playbook: Playbook,
    now: datetime,
    tz: ZoneInfo,
    hours: WorkingHours,
) -> datetime:
    """The task DM right away, and the chase later. Returns when the chase is due."""
    enqueue(
        session,
        kind=NOSHOW_TASK,
        due_at=now,
        now=now,
        recipient_id=task.assignee_id,
        task_id=task.id,
        dedupe_key=f"{NOSHOW_TASK}:{task.id}",
    )
    chase_at = next_working_start(
        add_working_days(now, playbook.noshow_chase_after_working_days, hours, tz)
        if playbook.noshow_chase_after_working_days
        else now,
        hours,
        tz,
    )
    enqueue_notice(
        session,
        kind=NOSHOW_CHASE,
        recipient_id=task.assignee_id,
        channel_id=account_channel(playbook, account, "noshow_chase"),
        due_at=chase_at,
        now=now,
        task_id=task.id,
        dedupe_key=f"{NOSHOW_CHASE}:{task.id}",
    )
    return chase_at


def schedule_booked_visit(
    session: Session, task: Task, *, now: datetime, tz: ZoneInfo, hours: WorkingHours
) -> None:
    """The slot was booked: pending reminders of the occurrence are replaced by one on the booked day,
    at the working start (or the visit's own time, if earlier)."""
    cancel_for_task(session, task.id)
    at = task.booked_at or task.due_at
    start = local_datetime(at.astimezone(tz).date(), hours.start, tz)
    on_day = max(min(start, at), now)
    _enqueue_day_of(session, task, on_day, start, now, f"{VISIT_DUE}:{task.id}:booked:{at.isoformat()}")


def _enqueue_day_of(
    session: Session, task: Task, on_day: datetime, working_start: datetime, now: datetime, dedupe_key: str
) -> None:
    """The day-of reminder; a visit before the working start is reminded at its own time, not after it."""
    enqueue(
        session,
        kind=VISIT_DUE,
        due_at=on_day,
        now=now,
        recipient_id=task.assignee_id,
        task_id=task.id,
        dedupe_key=dedupe_key,
        payload={"any_hour": True} if on_day < working_start else None,
    )


def _already_announced(session: Session, account: Account, task: Task, day: date, tz: ZoneInfo) -> bool:
    """Was a visit of this account on ``day`` already announced (by a task the plan change replaced)?"""
    start = local_datetime(day, time(0), tz)
    end = local_datetime(day + timedelta(days=1), time(0), tz)
    found = session.scalar(
        select(Reminder.id)
        .join(Task, Task.id == Reminder.task_id)
        .where(
            Task.account_id == account.id,
            Task.kind == "visit",
            Task.id != task.id,
            Task.due_at >= start,
            Task.due_at < end,
            Reminder.kind == VISIT_ANNOUNCE,
            Reminder.status.in_(("sent", "claimed")),
        )
        .limit(1)
    )
    return found is not None
