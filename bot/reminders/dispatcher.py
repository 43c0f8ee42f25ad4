"""Deliver due reminders exactly once.

Each pass *claims* due rows with a conditional update (only one instance can move a row from
``pending`` to ``claimed``), renders and sends them, then records the Slack ``ts``. A claim carries a
lease: if the instance dies before marking the row, the lease expires and another pass takes it.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update

from bot.reminders.outbox import OutgoingMessage
from bot.services import Services
from bot.storage.models import Reminder

log = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)


def default_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(self, services: Services, *, instance_id: str | None = None, batch_size: int = 50) -> None:
        self.services = services
        self.instance_id = instance_id or default_instance_id()
        self.batch_size = batch_size

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.services.playbook.claim_lease_seconds)

    def run_once(self, now: datetime | None = None) -> DispatchReport:
        now = now or self.services.clock.now()
        report = DispatchReport()
        for reminder_id in self.claim(now):
            self.deliver(reminder_id, now, report)
        return report

    def claim(self, now: datetime) -> list[int]:
        """Atomically take up to ``batch_size`` due rows (or rows whose lease expired)."""
        due = or_(
            (Reminder.status == "pending") & (Reminder.due_at <= now),
            (Reminder.status == "claimed") & (Reminder.lease_until < now),
        )
        claimed: list[int] = []
        with self.services.uow() as session:
            candidates = list(
                session.scalars(
                    select(Reminder.id)
                    .where(due)
                    .order_by(Reminder.due_at, Reminder.id)
                    .limit(self.batch_size)
                )
            )
        for reminder_id in candidates:
            with self.services.uow() as session:
                result = session.execute(
                    update(Reminder)
                    .where(Reminder.id == reminder_id, due)
                    .values(status="claimed", claimed_by=self.instance_id, lease_until=now + self.lease)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(reminder_id)
        return claimed

    def deliver(self, reminder_id: int, now: datetime, report: DispatchReport) -> None:
        with self.services.uow() as session:
            reminder = session.get(Reminder, reminder_id)
            if reminder is None or reminder.claimed_by != self.instance_id:
                return
            renderer = self.services.renderers.get(reminder.kind)
            if renderer is None:
                self._finish(reminder_id, status="failed", error=f"no renderer for kind {reminder.kind!r}")
                report.failed.append(reminder_id)
                return
            message: OutgoingMessage | None = renderer(self.services, session, reminder)
            reminder.attempts += 1
        if message is None:
            self._finish(reminder_id, status="cancelled")
            report.cancelled.append(reminder_id)
            return
        try:
            response = self.services.client.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks or None,
                metadata={"event_type": "salesbot_reminder", "event_payload": {"reminder_id": reminder_id}},
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc)
            self._finish(reminder_id, status="failed", error=error)
            report.failed.append(reminder_id)
            return
        self._finish(
            reminder_id, status="sent", ts=response.get("ts"), channel=response.get("channel"), now=now
        )
        report.sent.append(reminder_id)

    def _finish(
        self,
        reminder_id: int,
        *,
        status: str,
        error: str | None = None,
        ts: str | None = None,
        channel: str | None = None,
        now: datetime | None = None,
    ) -> None:
        with self.services.uow() as session:
            session.execute(
                update(Reminder)
                .where(
                    Reminder.id == reminder_id,
                    Reminder.claimed_by == self.instance_id,
                    Reminder.status == "claimed",
                )
                .values(
                    status=status,
                    last_error=error,
                    sent_ts=ts,
                    sent_channel=channel,
                    sent_at=now,
                    lease_until=None,
                )
            )
