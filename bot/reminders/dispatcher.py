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

Speed: a pass claims a batch, reads and renders it in one read-only unit of work, and sends it in
*waves* of messages to distinct conversations, ``concurrency`` posted in parallel; each wave costs
one ``UPDATE`` before its posts (attempts, and the lease renewed: only the current claim holder with
an unexpired lease may send) and one after (every row marked sent). The waves are pipelined: the
next wave's ``UPDATE`` runs while this wave's posts are in flight. ``Pacer`` keeps Slack's limits:
one message per second per conversation, and after a 429 the whole workspace waits. ``run`` repeats
passes until nothing is due or a time budget is spent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import ColumnElement, bindparam, case, func, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.clock import Deadline, SystemClock
from bot.installs import WorkspaceClient
from bot.oplog import delivery_log
from bot.people import REFRESH_AFTER
from bot.reminders import grouping
from bot.reminders.outbox import OutgoingMessage
from bot.reminders.recipient_hours import wait_until
from bot.reminders.recovery import find_posted, metadata_for
from bot.reminders.slack_errors import CallFailure, Outcome, classify
from bot.services import Services
from bot.slack_client import without_retries
from bot.storage import tenancy
from bot.storage.db import ReadOnlyUnitOfWork
from bot.storage.models import Account, Reminder, Task, UserProfile, UTCDateTime
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed row given back unsent (shutdown): pending again, due as it was, for any instance.
RELEASED: dict[str, Any] = {"status": "pending", "lease_until": None}
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
    drained: bool = False  # ``run`` stopped because nothing more could be sent now (not out of time)

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


@dataclass
class _Posted:
    unit: list[_Ready]
    response: Any = None
    failure: CallFailure | None = None


@dataclass
class _Flight:
    """A wave's posts: done already, or under way on the pool."""

    posts: list[_Posted | Future[_Posted]]

    def wait(self) -> list[_Posted]:
        return [p.result() if isinstance(p, Future) else p for p in self.posts]


class Pacer:
    """Slack's posting limits as seen by one dispatcher: at most one message per ``interval`` seconds
    to one conversation (the next one waits its turn). ``real=False`` (tests, replays with a fixed
    clock) keeps the same order and accounting but waits on a virtual clock instead of sleeping."""

    def __init__(self, interval: float = 1.0, *, real: bool = True) -> None:
        self.interval = interval
        self.real = real
        self._virtual = 0.0
        self._next: dict[str, float] = {}  # conversation → earliest time of its next message
        self._waited: dict[str, float] = {}  # conversation → seconds its messages waited in all
        self._lock = threading.Lock()

    def waited(self, channel: str) -> float:
        return self._waited.get(channel, 0.0)

    def _clock(self) -> float:
        return time.monotonic() if self.real else self._virtual

    def wait(self, channel: str) -> None:
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(channel, now))
            self._next[channel] = at + self.interval
            if len(self._next) > 50_000:  # forget conversations whose turn has long come
                self._next = {c: t for c, t in self._next.items() if t > now}
            if at > now:
                self._waited[channel] = self._waited.get(channel, 0.0) + (at - now)
            if not self.real:
                self._virtual = max(self._virtual, at)
        if self.real and at > now:
            time.sleep(at - now)


def default_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_CAP)


def sending_client(client: WebClient, *, timeout: float | None = None) -> WebClient:
    """The same client without the SDK's automatic retries: a retried post after a lost response
    would be a duplicate. Unknown outcomes are ours to resolve (see ``recovery``). ``timeout`` caps
    each call, so that a send always ends well within the claim's lease."""
    if not isinstance(client, WebClient):
        return client
    if isinstance(client, WorkspaceClient):  # OAuth mode: each call carries its workspace's token
        return client.without_retries(timeout=timeout)
    return without_retries(client, timeout=timeout)


class Dispatcher:
    """Delivers due reminders. ``concurrency`` messages are posted in parallel (default: 16 against
    Slack with the system clock, 1 with a test or replay clock, for deterministic order)."""

    def __init__(
        self,
        services: Services,
        *,
        instance_id: str | None = None,
        batch_size: int = 200,
        concurrency: int | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.services = services
        self.instance_id = instance_id or default_instance_id()
        self.batch_size = batch_size
        live = isinstance(services.clock, SystemClock)
        self.concurrency = concurrency or (16 if live else 1)
        self.pacer = pacer or Pacer(real=live)
        self.sender = sending_client(services.client, timeout=self.lease.total_seconds() / 3)
        self._pool: ThreadPoolExecutor | None = None
        self._stopping = threading.Event()  # set by ``stop``: finish the wave in flight, send no more
        self._paused_until: datetime | None = None  # after a 429: the whole workspace waits

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.services.playbook.claim_lease_seconds)

    # -- passes --------------------------------------------------------------------------------
    def run(
        self, now: datetime | None = None, *, budget: float | None = None, deadline: Deadline | None = None
    ) -> DispatchReport:
        """Pass after pass until nothing due at ``now`` is left (or Slack asks us to wait), or until
        ``budget`` seconds have passed or ``deadline`` has (``salesbot tick`` runs from cron: runs
        must not overlap). ``report.drained``: stopped because nothing was left to send now."""
        now = now or self.services.clock.now()
        total = DispatchReport()
        deadline = deadline or Deadline(budget)
        while not deadline.passed() and not self._stopping.is_set():
            report = self.run_once(now)
            _add(total, report)
            # Rows held for working hours are due later, not at ``now``: the next pass takes other rows.
            progressed = report.sent or report.cancelled or report.failed or report.retrying or report.waiting
            if not progressed or report.deferred:
                total.drained = True
                break
        return total

    def run_once(self, now: datetime | None = None) -> DispatchReport:
        """One pass: claim up to ``batch_size`` due rows, render and send them."""
        now = now or self.services.clock.now()
        report = DispatchReport()
        if self._stopping.is_set():
            return report
        if self._paused_until is not None and self.services.clock.now() < self._paused_until:
            return report
        claimed = self.claim(now)
        if not claimed:
            return report
        ready = self._prepare_all(claimed, now, report)
        if ready is None:  # rate-limited while checking history: everything went back
            return report
        units = self._units(ready)
        order = {rid: n for n, rid in enumerate(claimed)}
        # One round of parallel posts per wave, pipelined: while a wave's posts are in flight, the
        # next wave's attempts are counted (its leases renewed), and the wave is marked after. A
        # wave's leases are renewed at most one round before its posts start and each call times
        # out within a third of the lease, so every post ends while the claim it was made under holds.
        waves = _waves(units, self.concurrency)
        renewed = self.services.clock.now()
        begun: list[list[_Ready]] | None = None  # the next wave, its attempts counted, not posted yet
        for index, wave in enumerate(waves):
            later = _ids(u for w in waves[index + 1 :] for u in w)
            if self._stopping.is_set():  # shutting down: what was not sent yet is left to others
                if begun is not None:
                    self._update(_ids(begun), {**RELEASED, "attempts": Reminder.attempts - 1})
                self._update(([] if begun is not None else _ids(wave)) + later, RELEASED)
                break
            if begun is None:
                begun = self._begin(wave)
            flight = self._launch(begun)
            begun = None
            if index + 1 < len(waves) and not self._stopping.is_set():
                if self.services.clock.now() - renewed > self.lease / 2:
                    renewed = self._renew(later)
                begun = self._begin(waves[index + 1])
            retry_after = self._record(flight.wait(), now, report)
            if retry_after is not None:
                if begun is not None:  # counted but not posted: a 429 proves nothing went out
                    self._release(_ids(begun), now, retry_after, report, undo_attempt=True)
                    later = _ids(u for w in waves[index + 2 :] for u in w)
                self._release(later, now, retry_after, report)
                break
        report.sent.sort(key=lambda rid: order.get(rid, 0))
        return report

    # -- stopping ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask a running pass to stop after the messages being posted now (their outcome recorded);
        the rows it claimed but did not send go back to pending. Further passes do nothing."""
        self._stopping.set()

    def release_claims(self) -> int:
        """Give back every row this instance still holds (at shutdown): pending again, for any
        instance to deliver at once. Returns how many."""
        with self.services.uow() as session:
            result = session.execute(
                update(Reminder)
                .where(Reminder.claimed_by == self.instance_id, Reminder.status == "claimed")
                .values(RELEASED)
                # This instance's claims in every workspace it served (OAuth mode: several).
                .execution_options(synchronize_session=False, all_teams=True)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

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
                    lease_until=max(now, self.services.clock.now()) + self.lease,
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
    def _prepare_all(self, claimed: list[int], now: datetime, report: DispatchReport) -> list[_Ready] | None:
        """Render every claimed row: one read for all of them, one read-only unit of work to render
        them; a row sent before (``attempts > 0``) is first looked for in its conversation."""
        with self.services.uow(read_only=True) as session:
            rows = session.execute(select(Reminder.id, Reminder.attempts).where(*self._mine(claimed))).all()
        attempts = {rid: n for rid, n in rows}  # id → attempts, for the rows still ours
        fresh: list[int] = []
        ready: dict[int, _Ready] = {}
        for index, reminder_id in enumerate(claimed):
            if reminder_id not in attempts:
                continue
            if attempts[reminder_id] == 0:
                fresh.append(reminder_id)
                continue
            result = self._prepare(reminder_id, now, report)
            if isinstance(result, _Paused):
                back = claimed[index:] + fresh + list(ready)
                self._release(sorted(set(back), key=claimed.index), now, result.retry_after, report)
                return None
            if result is not None:
                ready[reminder_id] = result
        ready.update(self._render_all(fresh, now, report))
        return [ready[rid] for rid in claimed if rid in ready]

    def _render_all(self, ids: list[int], now: datetime, report: DispatchReport) -> dict[int, _Ready]:
        ready: dict[int, _Ready] = {}
        cancelled: list[int] = []
        failed: list[tuple[int, str]] = []
        waiting: dict[datetime, list[int]] = {}
        done: set[int] = set()
        self._refresh_people(ids, now)
        try:
            with self.services.uow(read_only=True) as session:
                position = {rid: n for n, rid in enumerate(ids)}
                reminders = session.scalars(select(Reminder).where(Reminder.id.in_(ids))).all()
                session.info["preloaded"] = _preload(session, reminders)  # held while the session lives
                for prepare in self.services.batch_preparers:
                    try:
                        prepare(self.services, session, reminders)
                    except (SQLAlchemyError, ReadOnlyUnitOfWork):
                        raise
                    except Exception:  # the renderers still work without what it would have computed
                        log.exception("preparing a batch of reminders failed")
                for reminder in sorted(reminders, key=lambda r: position[r.id]):
                    wait = wait_until(self.services, session, reminder, now)
                    if wait is not None:  # the recipient is off work: back until their next start
                        waiting.setdefault(wait, []).append(reminder.id)
                        done.add(reminder.id)
                        continue
                    renderer = self.services.renderers.get(reminder.kind)
                    if renderer is None:
                        failed.append((reminder.id, "no renderer for this kind of reminder"))
                        done.add(reminder.id)
                        continue
                    try:
                        message = renderer(self.services, session, reminder)
                    except (SQLAlchemyError, ReadOnlyUnitOfWork):
                        raise  # the unit of work is unusable: render the rest one by one
                    except Exception as exc:
                        log.exception("renderer for reminder %s failed", reminder.id)
                        failed.append((reminder.id, f"renderer failed: {type(exc).__name__}: {exc}"))
                        done.add(reminder.id)
                        continue
                    if message is None:
                        cancelled.append(reminder.id)
                    else:
                        late = reminder.due_at <= now - LATE_AFTER
                        ready[reminder.id] = _Ready(reminder.id, message, late, reminder.due_at)
                    done.add(reminder.id)
        except (SQLAlchemyError, ReadOnlyUnitOfWork):
            log.info("rendering %d reminders together failed; rendering them one by one", len(ids))
        for reminder_id in ids:
            if reminder_id not in done:
                result = self._prepare(reminder_id, now, report)
                if isinstance(result, _Ready):
                    ready[reminder_id] = result
        for wait, held in waiting.items():
            self._update(held, {"status": "pending", "lease_until": None, "next_attempt_at": wait})
            report.waiting += held
        if cancelled:
            self._finish(cancelled, status="cancelled")
            report.cancelled += cancelled
        for reminder_id, error in failed:
            self._finish([reminder_id], status="failed", error=error)
            report.failed.append(reminder_id)
        return ready

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
                self._mark_sent([([reminder_id], found.ts, found.channel)], now=now)
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

    def _refresh_people(self, ids: list[int], now: datetime) -> None:
        """Recipients whose profile is missing or more than a day old are read from Slack first (as
        ``wait_until`` would), so that the batch is then rendered without writing."""
        with self.services.uow(read_only=True) as session:
            recipients = set(
                session.scalars(
                    select(Reminder.recipient_id).where(
                        Reminder.id.in_(ids), Reminder.recipient_id.is_not(None)
                    )
                )
            )
            fresh = (
                set(
                    session.scalars(
                        select(UserProfile.user_id).where(
                            UserProfile.team_id == current_team(),
                            UserProfile.user_id.in_(recipients),
                            UserProfile.tz_checked_at >= now - REFRESH_AFTER,
                        )
                    )
                )
                if recipients
                else set()
            )
        for user_id in sorted(recipients - fresh):
            self.services.people.get(user_id)

    # -- sending -------------------------------------------------------------------------------
    def _launch(self, wave: list[list[_Ready]]) -> _Flight:
        """Start posting one message per unit of ``wave`` (distinct conversations): in parallel on
        the pool, or here when there is one (or ``concurrency`` is 1)."""
        if len(wave) <= 1 or self.concurrency <= 1:
            return _Flight([self._post(unit) for unit in wave])
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="dispatch")
        workspace = tenancy.current()  # each send carries the workspace's token

        def post(unit: list[_Ready]) -> _Posted:
            with tenancy.as_workspace(workspace):
                return self._post(unit)

        return _Flight([self._pool.submit(post, unit) for unit in wave])

    def _record(self, posted: list[_Posted], now: datetime, report: DispatchReport) -> int | None:
        """Record the outcomes of a wave's posts. Returns Retry-After seconds when Slack rate-limited
        any of them."""
        sent: list[tuple[list[int], str | None, str | None]] = []
        retry_after: int | None = None
        for outcome in posted:
            ids = [r.reminder_id for r in outcome.unit]
            if outcome.failure is None:
                sent.append((ids, outcome.response.get("ts"), outcome.response.get("channel")))
                continue
            failure = outcome.failure
            log.warning("reminders %s: chat.postMessage failed: %s", ids, failure.reason)
            if failure.outcome is Outcome.RATE_LIMITED:
                wait = failure.retry_after or 0
                self._release(ids, now, wait, report, undo_attempt=True)
                retry_after = max(retry_after or 0, wait)
            else:
                self._after_failure(ids, now, failure, report)
        if sent:
            self._mark_sent(sent, now=now)
            for ids, _ts, _channel in sent:
                report.sent += ids
                report.messages += 1
        if retry_after is not None:
            self._paused_until = self.services.clock.now() + timedelta(seconds=retry_after)
        return retry_after

    def _post(self, unit: list[_Ready]) -> _Posted:
        ids = [r.reminder_id for r in unit]
        message = grouping.message_for(unit)
        self.pacer.wait(message.channel)
        started = time.perf_counter()
        try:
            response = self.sender.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks or None,
                metadata=metadata_for(ids),
            )
        except Exception as exc:
            posted = _Posted(unit, failure=classify(exc))
        else:
            posted = _Posted(unit, response=response)
        log_delivery(ids, message.channel, posted, time.perf_counter() - started)
        return posted

    def _begin(self, wave: list[list[_Ready]]) -> list[list[_Ready]]:
        """``wave`` less the rows this instance no longer holds, their attempts counted (committed
        before the posts: unknown outcomes are visible)."""
        still_mine = self._begin_attempts(wave)
        kept = [[r for r in unit if r.reminder_id in still_mine] for unit in wave]
        return [unit for unit in kept if unit]

    def _begin_attempts(self, wave: list[list[_Ready]]) -> set[int]:
        """Count the attempt and renew the lease of every row in ``wave``, in one statement. Only rows
        this instance still holds, with an unexpired lease, are returned: only those are sent."""
        channel_of = {r.reminder_id: unit[0].message.channel for unit in wave for r in unit}
        real_now = self.services.clock.now()
        with self.services.uow() as session:
            result = session.execute(
                update(Reminder)
                .where(*self._mine(channel_of), Reminder.lease_until >= real_now)
                .values(
                    attempts=Reminder.attempts + 1,
                    attempt_channel=case(channel_of, value=Reminder.id),
                    lease_until=real_now + self.lease,
                )
                .returning(Reminder.id)
                .execution_options(synchronize_session=False)
            )
            return set(result.scalars())

    def _renew(self, ids: list[int]) -> datetime:
        """Extend the lease of rows still waiting in this pass (a slow Slack makes a pass long)."""
        real_now = self.services.clock.now()
        if ids:
            with self.services.uow() as session:
                session.execute(
                    update(Reminder)
                    .where(*self._mine(ids), Reminder.lease_until >= real_now)
                    .values(lease_until=real_now + self.lease)
                    .execution_options(synchronize_session=False)
                )
        return real_now

    # -- recording outcomes --------------------------------------------------------------------
    def _mine(self, ids: Iterable[int]) -> tuple[ColumnElement[bool], ...]:
        return (
            Reminder.id.in_(list(ids)),
            Reminder.claimed_by == self.instance_id,
            Reminder.status == "claimed",
        )

    def _mark_sent(self, sent: list[tuple[list[int], str | None, str | None]], *, now: datetime) -> None:
        """Record every posted message's ``ts`` on its rows: one statement (executemany) for all."""
        table = Reminder.__table__
        params = [{"rid": rid, "ts": ts, "ch": channel} for ids, ts, channel in sent for rid in ids]
        with self.services.uow() as session:
            session.execute(
                update(table)
                .where(
                    table.c.id == bindparam("rid"),
                    table.c.claimed_by == self.instance_id,
                    table.c.status == "claimed",
                )
                .values(
                    status="sent",
                    last_error=None,
                    lease_until=None,
                    sent_ts=bindparam("ts"),
                    sent_channel=bindparam("ch"),
                    sent_at=now,
                    next_attempt_at=None,
                ),
                params,
            )

    def _finish(self, ids: list[int], *, status: str, error: str | None = None) -> None:
        self._update(ids, {"status": status, "last_error": error, "lease_until": None})

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


def log_delivery(ids: list[int], channel: str, posted: _Posted, seconds: float) -> None:
    """One line per message posted (``salesbot.delivery``, bot/oplog.py): ids, outcome, timing; never the text."""
    failure = posted.failure
    fields: dict[str, Any] = {
        "reminders": ",".join(map(str, ids)),
        "channel": channel,
        "outcome": "sent" if failure is None else failure.outcome.name.lower(),
        "error": None if failure is None else failure.reason,
        "message_ts": None if failure is not None else posted.response.get("ts"),
        "ms": round(seconds * 1000, 1),
    }
    delivery_log.info("delivery", extra={"fields": fields})


def _preload(session: Session, reminders: Sequence[Reminder]) -> list[object]:
    """Load what renderers look up (tasks, their accounts, people's profiles) for the whole batch in
    three queries: their ``session.get`` calls then find them in the session instead of one query
    each. The caller keeps the returned objects alive while it renders."""
    task_ids = {r.task_id for r in reminders if r.task_id}
    tasks = list(session.scalars(select(Task).where(Task.id.in_(task_ids)))) if task_ids else []
    loaded: list[object] = list(tasks)
    account_ids = {t.account_id for t in tasks}
    if account_ids:
        loaded += session.scalars(select(Account).where(Account.id.in_(account_ids))).all()
    users = {r.recipient_id for r in reminders if r.recipient_id} | {t.assignee_id for t in tasks}
    if users:
        loaded += session.scalars(
            select(UserProfile).where(UserProfile.team_id == current_team(), UserProfile.user_id.in_(users))
        ).all()
    return loaded


def _waves(units: list[list[_Ready]], size: int) -> list[list[list[_Ready]]]:
    """Units in order, in waves of at most ``size`` with one unit per conversation each (a second
    message to the same conversation waits for a later wave)."""
    waves: list[list[list[_Ready]]] = []
    channels: list[set[str]] = []
    last_wave: dict[str, int] = {}
    first_open = 0  # waves before this one are full
    for unit in units:
        channel = unit[0].message.channel
        index = max(first_open, last_wave.get(channel, -1) + 1)
        while index < len(waves) and (len(waves[index]) >= size or channel in channels[index]):
            index += 1
        if index == len(waves):
            waves.append([])
            channels.append(set())
        waves[index].append(unit)
        channels[index].add(channel)
        last_wave[channel] = index
        while first_open < len(waves) and len(waves[first_open]) >= size:
            first_open += 1
    return waves


def _ids(units: Iterable[list[_Ready]]) -> list[int]:
    return [r.reminder_id for unit in units for r in unit]


def _add(total: DispatchReport, report: DispatchReport) -> None:
    for name in ("sent", "cancelled", "failed", "retrying", "deferred", "recovered", "waiting"):
        getattr(total, name).extend(getattr(report, name))
    total.messages += report.messages
