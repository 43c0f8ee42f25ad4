"""The outbox contract shared by every feature that sends something later.

A feature *enqueues* a ``Reminder`` row (kind, due time, destination, payload) inside its own unit of
work, and registers a *renderer* for its kind. The dispatcher claims due rows, asks the renderer
for the message, sends it, and records the Slack ``ts``. A renderer returning ``None`` means "no
longer relevant" (the task was done meanwhile): the row is cancelled, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.storage.models import Reminder

if TYPE_CHECKING:
    from bot.services import Services


@dataclass
class OutgoingMessage:
    """What to post. ``channel`` is a channel id, or a user id for a DM."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


Renderer = Callable[["Services", Session, Reminder], OutgoingMessage | None]


def enqueue(
    session: Session,
    *,
    kind: str,
    due_at: datetime,
    now: datetime,
    recipient_id: str | None = None,
    channel_id: str | None = None,
    task_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> Reminder | None:
    """Queue a message. With a ``dedupe_key`` already queued, nothing is added and ``None`` returned."""
    if recipient_id is None and channel_id is None:
        raise ValueError("a reminder needs a recipient or a channel")
    if dedupe_key is not None:
        existing = session.scalar(select(Reminder.id).where(Reminder.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    reminder = Reminder(
        kind=kind,
        due_at=due_at,
        recipient_id=recipient_id,
        channel_id=channel_id,
        task_id=task_id,
        payload=payload or {},
        dedupe_key=dedupe_key,
        status="pending",
        attempts=0,
        created_at=now,
    )
    session.add(reminder)
    session.flush()
    return reminder


def cancel_for_task(session: Session, task_id: int) -> int:
    """Cancel every not-yet-sent reminder of a task (done, cancelled, rescheduled)."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.task_id == task_id, Reminder.status == "pending")
        .values(status="cancelled")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
