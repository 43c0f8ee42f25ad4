"""Deliver due reminders exactly once.

A pass *claims* due rows (one transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, then a
conditional ``UPDATE … WHERE status='pending'`` guard on every database, so only one instance moves a
row to ``claimed``). A claim carries a lease: if the instance dies, the lease expires and another pass
takes the row.

Before a send, ``attempts`` is raised and committed. So a row claimed again with ``attempts > 0`` may
have been delivered already (the process died after ``chat.postMessage``, or the call timed out): it
is re-sent only after the target conversation's history proves it wasn't (see ``recovery``).

Slack errors: 429 → back to pending until ``Retry-After`` has passed (the rest of the pass waits too;
nothing sleeps); 5xx, timeouts, connection errors → retried with exponential backoff, at most
``MAX_ATTEMPTS`` times; anything else Slack rejects → ``failed`` with the reason, for admins to see.

A row for a person who is off work now (the bot was down, a backlog, a zone that changed) goes back
to pending until their next working start (``recipient_hours``). Reminders for one person due at the
same moment (or late after downtime) are sent as one message (``grouping``), and every row records
that message's ``ts``.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import ColumnElement, func, literal, or_, select, update

from bot.reminders import grouping
from bot.reminders.outbox import OutgoingMessage
from bot.reminders.recipient_hours import wait_until
from bot.reminders.recovery import find_posted, metadata_for
from bot.reminders.slack_errors import CallFailure, Outcome, classify
from bot.services import Services
from bot.storage.models import Reminder, UTCDateTime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# A reminder this far past its due time when claimed is "late" (the bot was down or stuck).
LATE_AFTER = timedelta(minutes=10)


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)  # transient error: back to pending with backoff
    deferred: list[int] = field(default_factory=list)  # rate limited: back to pending until Retry-After
    recovered: list[int] = field(default_factory=list)  # found already delivered (also in ``sent``)
    waiting: list[int] = field(default_factory=list)  # outside the recipient's hours: back until their start
    messages: int = 0  # chat.postMessage calls that succeeded

    def summary(self) -> str:
        recovered = f" ({len(self.recovered)} found already delivered)" if self.recovered else ""
        return (
            f"{len(self.sent)} sent{recovered} in {self.messages} messages, {len(self.retrying)} retrying, "
            f"{len(self.deferred)} rate-limited, {len(self.failed)} failed, {len(self.cancelled)} cancelled"
            + (f", {len(self.waiting)} waiting for working hours" if self.waiting else "")
        )


@dataclass
class _Ready:
    """A claimed row, rendered and about to be sent."""

    reminder_id: int
    message: OutgoingMessage
    late: bool
    due_at: datetime


@dataclass
class _Paused:
    """Slack said 429: nothing more is sent in this pass."""

    retry_after: int


def default_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_CAP)


def sending_client(client: WebClient) -> WebClient:
    """The same client without the SDK's automatic retries: a retried post after a lost response
    would be a duplicate. Unknown outcomes are ours to resolve (see ``recovery``)."""
    if not isinstance(client, WebClient):
        return client
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers or {}),
        logger=client.logger,
        retry_handlers=[],
    )


class Dispatcher:
    def __init__(self, services: Services, *, instance_id: str | None = None, batch_size: int = 50) -> None:
        self.services = services
        self.instance_id = instance_id or default_instance_id()
        self.batch_size = batch_size
        self.sender = sending_client(services.client)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.services.playbook.claim_lease_seconds)

    # -- one pass ------------------------------------------------------------------------------
    def run_once(self, now: datetime | None = None) -> DispatchReport:
        now = now or self.services.clock.now()
        report = DispatchReport()
        claimed = self.claim(now)
        ready: list[_Ready] = []
        for index, reminder_id in enumerate(claimed):
            result = self._prepare(reminder_id, now, report)
            if isinstance(result, _Paused):
                rest = claimed[index:] + [r.reminder_id for r in ready]  # this one included
                self._release(rest, now, result.retry_after, report)
                return report
            if result is not None:
                ready.append(result)
        units = self._units(ready)
        for index, unit in enumerate(units):
            retry_after = self._send(unit, now, report)
            if retry_after is not None:
                rest = [r.reminder_id for u in units[index + 1 :] for r in u]
                self._release(rest, now, retry_after, report)
                break
        return report

    # -- claiming ------------------------------------------------------------------------------
    def _due(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            (Reminder.status == "pending")
            & (Reminder.due_at <= now)
            & (Reminder.next_attempt_at.is_(None) | (Reminder.next_attempt_at <= now)),
            (Reminder.status == "claimed") & (Reminder.lease_until < now),
        )

    def claim(self, now: datetime) -> list[int]:
        """Atomically take up to ``batch_size`` due rows (or rows whose lease expired)."""
        due = self._due(now)
        with self.services.uow() as session:
            query = select(Reminder.id).where(due).order_by(Reminder.due_at, Reminder.id)
            query = query.limit(self.batch_size)
            if session.get_bind().dialect.name == "postgresql":
                # Rows another instance is claiming right now are skipped, not waited for.
                query = query.with_for_update(skip_locked=True)
            candidates = list(session.scalars(query))
            if not candidates:
                return []
            result = session.execute(
                update(Reminder)
                .where(Reminder.id.in_(candidates), due)  # the same guard: never take a row twice
                .values(
                    status="claimed",
                    claimed_by=self.instance_id,
                    lease_until=now + self.lease,
                    first_claimed_at=func.coalesce(
                        Reminder.first_claimed_at, literal(now, type_=UTCDateTime())
                    ),
                )
                .returning(Reminder.id)
                .execution_options(synchronize_session=False)
            )
            taken = set(result.scalars())
        return [rid for rid in candidates if rid in taken]

    # -- before sending: recovery and rendering ------------------------------------------------
    def _prepare(self, reminder_id: int, now: datetime, report: DispatchReport) -> _Ready | _Paused | None:
        with self.services.uow() as session:
            reminder = session.get(Reminder, reminder_id)
            if reminder is None or reminder.claimed_by != self.instance_id or reminder.status != "claimed":
                return None
            wait = wait_until(self.services, session, reminder, now)
            unconfirmed = reminder.attempts > 0
            target = reminder.attempt_channel or reminder.recipient_id or reminder.channel_id
            since = reminder.first_claimed_at or reminder.created_at
        if wait is not None:  # the recipient is off work: back to pending until their next start
            self._update([reminder_id], {"status": "pending", "lease_until": None, "next_attempt_at": wait})
            report.waiting.append(reminder_id)
            return None
        if unconfirmed and target:
            try:
                found = find_posted(self.services.client, target, reminder_id, since)
            except Exception as exc:
                failure = classify(exc)
                log.warning("reminder %s: history check failed: %s", reminder_id, failure.reason)
                if failure.outcome is Outcome.RATE_LIMITED:
                    return _Paused(failure.retry_after or 0)
                reason = f"could not check whether an earlier attempt was delivered: {failure.reason}"
                self._after_failure(
                    [reminder_id], now, CallFailure(failure.outcome, reason), report, count_attempt=True
                )
                return None
            if found is not None:
                log.info("reminder %s was already delivered (ts %s)", reminder_id, found.ts)
                self._mark_sent([reminder_id], ts=found.ts, channel=found.channel, now=now)
                report.sent.append(reminder_id)
                report.recovered.append(reminder_id)
                return None
        try:
            with self.services.uow() as session:
                reminder = session.get(Reminder, reminder_id)
                assert reminder is not None
                renderer = self.services.renderers.get(reminder.kind)
                message = renderer(self.services, session, reminder) if renderer else None
                late = reminder.due_at <= now - LATE_AFTER
                due_at = reminder.due_at
        except Exception as exc:
            log.exception("renderer for reminder %s failed", reminder_id)
            self._finish(
                [reminder_id], status="failed", error=f"renderer failed: {type(exc).__name__}: {exc}"
            )
            report.failed.append(reminder_id)
            return None
        if renderer is None:
            self._finish([reminder_id], status="failed", error="no renderer for this kind of reminder")
            report.failed.append(reminder_id)
            return None
        if message is None:
            self._finish([reminder_id], status="cancelled")
            report.cancelled.append(reminder_id)
            return None
        return _Ready(reminder_id, message, late, due_at)

    def _units(self, ready: list[_Ready]) -> list[list[_Ready]]:
        """One message per reminder, except several for one person at once (see ``grouping``)."""
        return grouping.units(ready)

    # -- sending -------------------------------------------------------------------------------
    def _send(self, unit: list[_Ready], now: datetime, report: DispatchReport) -> int | None:
        """Send one message for ``unit``; returns Retry-After seconds when Slack rate-limited it."""
        channel = unit[0].message.channel
        with self.services.uow() as session:
            result = session.execute(
                update(Reminder)
                .where(*self._mine([r.reminder_id for r in unit]))
                .values(attempts=Reminder.attempts + 1, attempt_channel=channel)
                .returning(Reminder.id)
                .execution_options(synchronize_session=False)
            )
            still_mine = set(result.scalars())  # committed before the send: an unknown outcome is visible
        unit = [r for r in unit if r.reminder_id in still_mine]
        if not unit:
            return None
        ids = [r.reminder_id for r in unit]
        message = grouping.message_for(unit)
        try:
            response = self.sender.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks or None,
                metadata=metadata_for(ids),
            )
        except Exception as exc:
            failure = classify(exc)
            log.warning("reminders %s: chat.postMessage failed: %s", ids, failure.reason)
            if failure.outcome is Outcome.RATE_LIMITED:
                self._release(ids, now, failure.retry_after or 0, report, undo_attempt=True)
                return failure.retry_after or 0
            self._after_failure(ids, now, failure, report)
            return None
        self._mark_sent(ids, ts=response.get("ts"), channel=response.get("channel"), now=now)
        report.sent += ids
        report.messages += 1
        return None

    # -- recording outcomes --------------------------------------------------------------------
    def _mine(self, ids: Iterable[int]) -> tuple[ColumnElement[bool], ...]:
        return (
            Reminder.id.in_(list(ids)),
            Reminder.claimed_by == self.instance_id,
            Reminder.status == "claimed",
        )

    def _mark_sent(self, ids: list[int], *, ts: str | None, channel: str | None, now: datetime) -> None:
        self._finish(ids, status="sent", ts=ts, channel=channel, now=now)

    def _finish(
        self,
        ids: list[int],
        *,
        status: str,
        error: str | None = None,
        ts: str | None = None,
        channel: str | None = None,
        now: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "last_error": error, "lease_until": None}
        if status == "sent":
            values.update(sent_ts=ts, sent_channel=channel, sent_at=now, next_attempt_at=None)
        self._update(ids, values)

    def _update(self, ids: list[int], values: dict[str, Any]) -> None:
        if not ids:
            return
        with self.services.uow() as session:
            session.execute(
                update(Reminder)
                .where(*self._mine(ids))
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def _release(
        self,
        ids: list[int],
        now: datetime,
        retry_after: int,
        report: DispatchReport,
        *,
        undo_attempt: bool = False,
    ) -> None:
        """Back to pending until Slack's Retry-After has passed. A 429 means nothing was posted, so
        the attempt it cost is given back (rate limits never make a reminder fail)."""
        values: dict[str, Any] = {
            "status": "pending",
            "lease_until": None,
            "next_attempt_at": now + timedelta(seconds=retry_after),
        }
        if undo_attempt:
            values["attempts"] = Reminder.attempts - 1
            values["last_error"] = f"ratelimited (retry after {retry_after}s)"
        self._update(ids, values)
        report.deferred += ids

    def _after_failure(
        self,
        ids: list[int],
        now: datetime,
        failure: CallFailure,
        report: DispatchReport,
        *,
        count_attempt: bool = False,
    ) -> None:
        if failure.outcome is Outcome.PERMANENT:
            self._finish(ids, status="failed", error=failure.reason)
            report.failed += ids
            return
        with self.services.uow() as session:
            rows = session.scalars(select(Reminder).where(*self._mine(ids))).all()
            for row in rows:
                row.lease_until = None
                row.attempts += 1 if count_attempt else 0  # a failed history check counts towards the cap
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    row.last_error = f"{failure.reason} (gave up after {row.attempts} attempts)"
                    report.failed.append(row.id)
                else:
                    row.status = "pending"
                    row.last_error = failure.reason
                    row.next_attempt_at = now + backoff(row.attempts)
                    report.retrying.append(row.id)
