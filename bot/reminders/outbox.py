"""The outbox contract shared by every feature that sends something later.

A feature *enqueues* a ``Reminder`` row (kind, due time, destination, payload) inside its own unit of
work, and registers a *renderer* for its kind. The dispatcher claims due rows, asks the renderer
for the message, sends it, and records the Slack ``ts``. A renderer returning ``None`` means "no
longer relevant" (the task was done meanwhile): the row is cancelled, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
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


# Rows per INSERT in ``enqueue_many``: memory stays flat however many are queued.
BULK_CHUNK = 5000


def enqueue_many(session: Session, rows: Iterable[Mapping[str, Any]], *, now: datetime) -> int:
    """Queue many messages at once (a campaign, a migration): one multi-row INSERT per chunk of
    ``BULK_CHUNK`` rows, no ORM objects. Each row has ``kind``, ``due_at`` and a ``recipient_id``
    and/or ``channel_id``; optionally ``task_id``, ``payload`` and ``dedupe_key``. A row whose
    ``dedupe_key`` is already queued (or repeated among ``rows``) is skipped, as with ``enqueue``.
    Returns how many were queued."""
    queued = 0
    chunk: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for row in rows:
        if row.get("recipient_id") is None and row.get("channel_id") is None:
            raise ValueError("a reminder needs a recipient or a channel")
        chunk.append(row)
        if len(chunk) >= BULK_CHUNK:
            queued += _insert_chunk(session, chunk, now, seen)
            chunk = []
    if chunk:
        queued += _insert_chunk(session, chunk, now, seen)
    return queued


def _insert_chunk(session: Session, chunk: list[Mapping[str, Any]], now: datetime, seen: set[str]) -> int:
    keys = [k for r in chunk if (k := r.get("dedupe_key"))]
    if keys:
        seen.update(session.scalars(select(Reminder.dedupe_key).where(Reminder.dedupe_key.in_(keys))))
    values = []
    for r in chunk:
        key = r.get("dedupe_key")
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        values.append(
            {
                "kind": r["kind"],
                "due_at": r["due_at"],
                "recipient_id": r.get("recipient_id"),
                "channel_id": r.get("channel_id"),
                "task_id": r.get("task_id"),
                "payload": r.get("payload") or {},
                "dedupe_key": key,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
        )
    if values:
        session.execute(insert(Reminder.__table__), values)
    return len(values)
