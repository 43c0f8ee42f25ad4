"""Queue a person's reminder as a DM and, optionally, a post in a channel that mentions them.

Any feature can use it::

    channel = account_channel(playbook, account, "visit_announcement")
    enqueue_notice(session, kind="visit_announce", recipient_id=rep, channel_id=channel,
                   due_at=at, now=now, dedupe_key=f"visit_announce:{task.id}", task_id=task.id)

Two outbox rows of the same ``kind`` are queued: the DM (``recipient_id`` only) and the channel post
(``channel_id`` set, ``recipient_id`` = the person to mention). The kind's renderer tells them apart
by ``reminder.channel_id``.

Dedupe: while a row with the key is queued or sent, the same notice is not queued again. A row that
was *cancelled* (e.g. the task was moved away and back to the same time) does not block a new one:
the new row gets the key with a ``#n`` suffix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.playbook import Playbook
from bot.reminders.outbox import enqueue
from bot.storage.models import Account, Reminder

_MAX_REQUEUES = 50


def account_channel(playbook: Playbook, account: Account, feature: str) -> str | None:
    """The account's linked channel when ``[channels] <feature> = true`` in the playbook."""
    return account.channel_id if playbook.channel_posts.get(feature, False) else None


def enqueue_notice(
    session: Session,
    *,
    kind: str,
    recipient_id: str,
    due_at: datetime,
    now: datetime,
    dedupe_key: str,
    channel_id: str | None = None,
    task_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> list[Reminder]:
    """Queue the DM and, with ``channel_id``, the channel post. Returns the rows actually queued."""
    targets: list[tuple[str | None, str]] = [(None, dedupe_key)]
    if channel_id:
        targets.append((channel_id, f"{dedupe_key}:channel:{channel_id}"))
    queued: list[Reminder] = []
    for channel, key in targets:
        free_key = _free_key(session, key)
        if free_key is None:
            continue
        row = enqueue(
            session,
            kind=kind,
            due_at=due_at,
            now=now,
            recipient_id=recipient_id,
            channel_id=channel,
            task_id=task_id,
            payload=dict(payload or {}),
            dedupe_key=free_key,
        )
        if row is not None:
            queued.append(row)
    return queued


def _free_key(session: Session, key: str) -> str | None:
    """``key`` if unused; ``None`` if a live row holds it; a suffixed key if only cancelled rows do."""
    for n in range(_MAX_REQUEUES):
        candidate = key if n == 0 else f"{key}#{n}"
        status = session.scalar(select(Reminder.status).where(Reminder.dedupe_key == candidate))
        if status is None:
            return candidate
        if status != "cancelled":
            return None
    return None
