"""Domain events: what happened, recorded by domain functions; listeners elsewhere react.

A domain function changes rows and *records* an event (``record(session, FollowUpScheduled(...))``);
it does not know who cares. The application gives each unit of work a ``MessageBus``
(``session.info["bus"]``, set by ``Services.uow``) whose listeners react:

* in the same transaction, as soon as the event is recorded and in order (the delivery machinery
  queues or cancels outbox rows: ``bot/reminders/listeners.py``);
* after the transaction commits, with every event it recorded (e.g. refresh people's App Home).

Without a bus (a bare session in a unit test) events are only collected in ``session.info["events"]``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.playbook import WorkingHours
from bot.storage.models import Account, Activity, Opportunity, Task


class Event:
    """Base class of everything the domain announces."""


@dataclass(frozen=True)
class FollowUpScheduled(Event):
    """A follow-up task was created with a due time: its reminder must be queued."""

    task: Task
    account: Account
    tz: ZoneInfo  # the assignee's zone and working hours, which decide when the reminder goes out
    hours: WorkingHours
    now: datetime


@dataclass(frozen=True)
class TaskDone(Event):
    """A task (follow-up, visit, no-show) was done: its pending reminders are called off."""

    task_id: int


@dataclass(frozen=True)
class TaskCancelled(Event):
    task_id: int


@dataclass(frozen=True)
class TaskMoved(Event):
    """A task got a new due time: reminders queued for the old one are called off."""

    task_id: int


@dataclass(frozen=True)
class VisitTaskScheduled(Event):
    """A visit plan's occurrence became a task: announce it ahead and remind on the day."""

    task: Task
    account: Account
    occurrence: datetime
    tz: ZoneInfo
    hours: WorkingHours
    now: datetime


@dataclass(frozen=True)
class VisitBooked(Event):
    """A planned visit's slot was booked for ``task.booked_at``: remind on that day instead."""

    task: Task
    account: Account
    tz: ZoneInfo
    hours: WorkingHours
    now: datetime


@dataclass(frozen=True)
class NoShowRecorded(Event):
    """A no-show created its "propose new slots" task: tell the assignee now, chase later."""

    task: Task
    account: Account
    tz: ZoneInfo
    hours: WorkingHours
    now: datetime


@dataclass(frozen=True)
class NoShowSlotsProposed(Event):
    """The "propose new slots" task is done; the chase stays until a meeting is logged."""

    task_id: int


@dataclass(frozen=True)
class AccountRoleChanged(Event):
    """Someone changed an account's owner or CSM: the previous and the new holder are told."""

    account: Account
    role: str  # owner | csm
    before: str | None
    after: str | None
    by: str
    now: datetime


@dataclass(frozen=True)
class OpportunityClosed(Event):
    """An opportunity was won or lost by ``by``; its owner is told when it is someone else."""

    opportunity: Opportunity
    before: str  # what it was: "open (proposal)"
    by: str
    now: datetime


@dataclass(frozen=True)
class OpportunityOwnerChanged(Event):
    """Someone changed an opportunity's owner (command or form): the previous and the new owner are told."""

    opportunity: Opportunity
    before: str | None
    after: str | None
    by: str
    now: datetime


@dataclass(frozen=True)
class ActivityLogged(Event):
    activity: Activity
    account: Account


@dataclass(frozen=True)
class ActivityUndone(Event):
    activity: Activity


E = TypeVar("E", bound=Event)
Listener = Callable[[Session, Any], None]
AfterCommit = Callable[[list[Event]], None]


class MessageBus:
    """Listeners per event type. In-transaction ones run when an event is recorded; after-commit
    ones get the list of a committed transaction's events."""

    def __init__(self) -> None:
        self._listeners: dict[type[Event], list[Listener]] = defaultdict(list)
        self._after_commit: list[AfterCommit] = []

    def subscribe(self, event_type: type[E], listener: Callable[[Session, E], None]) -> None:
        if listener not in self._listeners[event_type]:
            self._listeners[event_type].append(listener)

    def after_commit(self, listener: AfterCommit) -> None:
        if listener not in self._after_commit:
            self._after_commit.append(listener)

    def handle(self, session: Session, event: Event) -> None:
        for cls in type(event).__mro__:
            for listener in self._listeners.get(cls, ()):  # type: ignore[call-overload]
                listener(session, event)

    def committed(self, events: list[Event]) -> None:
        if not events:
            return
        for listener in self._after_commit:
            listener(list(events))


def record(session: Session, event: Event) -> None:
    """Announce ``event``: listeners on the session's bus react now, in this transaction."""
    session.info.setdefault("events", []).append(event)
    bus = session.info.get("bus")
    if isinstance(bus, MessageBus):
        bus.handle(session, event)


def recorded(session: Session) -> list[Event]:
    """The events recorded in this session so far."""
    return list(session.info.get("events", []))
