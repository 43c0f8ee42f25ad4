"""The delivery machinery's reactions to domain events (``bot/domain/events.py``), in the same transaction.

Scheduling a task queues its outbox rows; closing or moving it calls off the pending ones. Installed on
the application's message bus by ``build_services``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.domain import events
from bot.playbook import Playbook
from bot.reminders.followups import schedule
from bot.reminders.outbox import cancel_for_task
from bot.reminders.visit_schedule import (
    NOSHOW_TASK,
    schedule_booked_visit,
    schedule_noshow,
    schedule_visit_task,
)
from bot.storage.models import Reminder


def install(bus: events.MessageBus, playbook_of: Playbook | Callable[[], Playbook]) -> None:
    """``playbook_of``: the playbook, or a function giving the current workspace's."""
    current = playbook_of if callable(playbook_of) else (lambda: playbook_of)

    def followup_scheduled(session: Session, event: events.FollowUpScheduled) -> None:
        schedule(
            session,
            event.task,
            event.account,
            tz=event.tz,
            hours=event.hours,
            playbook=current(),
            now=event.now,
        )

    def visit_task_scheduled(session: Session, event: events.VisitTaskScheduled) -> None:
        schedule_visit_task(
            session,
            event.task,
            event.account,
            event.occurrence,
            playbook=current(),
            now=event.now,
            tz=event.tz,
            hours=event.hours,
        )

    def noshow_recorded(session: Session, event: events.NoShowRecorded) -> None:
        schedule_noshow(
            session,
            event.task,
            event.account,
            playbook=current(),
            now=event.now,
            tz=event.tz,
            hours=event.hours,
        )

    bus.subscribe(events.FollowUpScheduled, followup_scheduled)
    bus.subscribe(events.VisitTaskScheduled, visit_task_scheduled)
    bus.subscribe(events.NoShowRecorded, noshow_recorded)
    bus.subscribe(events.VisitBooked, visit_booked)
    for closed in (events.TaskDone, events.TaskCancelled, events.TaskMoved):
        bus.subscribe(closed, call_off_reminders)
    bus.subscribe(events.NoShowSlotsProposed, call_off_noshow_task)


def visit_booked(session: Session, event: events.VisitBooked) -> None:
    schedule_booked_visit(session, event.task, now=event.now, tz=event.tz, hours=event.hours)


def call_off_reminders(
    session: Session, event: events.TaskDone | events.TaskCancelled | events.TaskMoved
) -> None:
    cancel_for_task(session, event.task_id)


def call_off_noshow_task(session: Session, event: events.NoShowSlotsProposed) -> None:
    """Only the "propose new slots" DM: the chase stays until a meeting is logged."""
    session.execute(
        update(Reminder)
        .where(Reminder.task_id == event.task_id, Reminder.status == "pending", Reminder.kind == NOSHOW_TASK)
        .values(status="cancelled")
    )
