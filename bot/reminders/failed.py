"""Failed deliveries, for admins: list them, and put one back in the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.storage.models import Reminder

LIST_LIMIT = 20


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    kind: str
    recipient_id: str | None
    channel_id: str | None
    due_at: datetime
    reason: str
    attempts: int


def _view(r: Reminder) -> FailedDelivery:
    return FailedDelivery(
        r.id, r.kind, r.recipient_id, r.channel_id, r.due_at, r.last_error or "unknown", r.attempts
    )


def list_failed(session: Session, *, limit: int = LIST_LIMIT) -> tuple[list[FailedDelivery], int]:
    """The most recently due failed deliveries (at most ``limit``) and how many there are in all."""
    rows = session.scalars(
        select(Reminder)
        .where(Reminder.status == "failed")
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).where(Reminder.status == "failed")) or 0
    return [_view(r) for r in rows], int(total)


def retry(session: Session, reminder_id: int) -> FailedDelivery | None:
    """Back to pending (due now, since it is overdue). ``None`` if it isn't a failed delivery (any more).

    ``attempts`` is kept: an earlier send whose outcome was unknown is still looked for before sending.
    """
    result = session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == "failed")
        .values(status="pending", next_attempt_at=None, lease_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    reminder = session.get(Reminder, reminder_id)
    assert reminder is not None
    session.refresh(reminder)
    return _view(reminder)


def status_of(session: Session, reminder_id: int) -> str | None:
    return session.scalar(select(Reminder.status).where(Reminder.id == reminder_id))
