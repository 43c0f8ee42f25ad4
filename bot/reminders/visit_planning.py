"""The visit planning pass, the activity hook and the card section, wired into ``Services``.

``plan_visits`` (a planning pass) runs ``sync_account`` for every account: tier cadences appear,
change with the tier, give way to explicit plans; each active plan has its current occurrence as a
visit task with its reminders. It is idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.visits import card_section_blocks, day_label, when_label
from bot.domain import noshows, visits
from bot.domain.activities import ActivityHook, last_activity_at
from bot.domain.recurrence import describe, next_occurrence
from bot.domain.text import escape, titled
from bot.playbook import WorkingHours
from bot.storage import planning_marks as marks
from bot.storage.models import Account, Activity

if TYPE_CHECKING:
    from bot.services import CardSection, Services

log = logging.getLogger(__name__)


def planning_context(
    services: Services, session: Session, now: datetime | None = None
) -> visits.PlanningContext:
    """Planning inside ``session``: people are looked up in it (a second unit of work would block)."""
    cache: dict[str, tuple[ZoneInfo, WorkingHours]] = {}

    def person(user_id: str) -> tuple[ZoneInfo, WorkingHours]:
        if user_id not in cache:
            p = services.people.get_in(session, user_id)
            cache[user_id] = (p.tz, p.working_hours)
        return cache[user_id]

    return visits.PlanningContext(services.playbook, now or services.clock.now(), person)


# Accounts synced per transaction: a first run over thousands of accounts must not hold SQLite's
# write lock for long, or people's commands would wait behind it.
SYNC_BATCH = 100
# Accounts read per snapshot: memory stays flat however many accounts there are.
CHECK_BATCH = 1000
STATE = "visit_planning"  # planning_state row: the tier cadences the last full check ran with


def cadences_fingerprint(services: Services) -> str:
    cadences = sorted((t, c.activity, c.rrule) for t, c in services.playbook.tier_cadence.items())
    return hashlib.sha256(repr(cadences).encode()).hexdigest()[:32]


def plan_visits(services: Services, now: datetime) -> None:
    """Planning pass: materialise the current occurrence of every active (or tier) plan.

    Only the accounts marked since the last run are looked at (``bot.storage.planning_marks``):
    nothing changed, nothing to do (one small query). All accounts are checked when a mark says so
    or the playbook's tier cadences changed. Checked accounts are read a batch at a time
    (``visits.snapshot``); only those out of step go through ``sync_account``, in short
    transactions of ``SYNC_BATCH`` accounts, so a first run never holds the database for long.
    """
    fingerprint = cadences_fingerprint(services)
    with services.uow(read_only=True) as session:
        found = marks.pending(session, marks.ACCOUNT)
        everything = marks.state_of(session, STATE) != fingerprint or any(
            a is None and u is None for _, a, u in found
        )
        if not found and not everything:
            return
        if everything:
            ids = list(session.scalars(select(Account.id).order_by(Account.id)))
        else:
            owners = {u for _, a, u in found if a is None and u}
            chosen = {a for _, a, _ in found if a is not None}
            if owners:
                chosen.update(session.scalars(select(Account.id).where(Account.owner_id.in_(owners))))
            ids = sorted(chosen)
    stale: list[int] = []
    for start in range(0, len(ids), CHECK_BATCH):
        with services.uow() as session:
            session.info[marks.PLANNING] = True
            stale += out_of_step(services, session, now, ids[start : start + CHECK_BATCH])
    touched: set[str] = set()
    for start in range(0, len(stale), SYNC_BATCH):
        with services.uow() as session:
            session.info[marks.PLANNING] = True
            ctx = planning_context(services, session, now)
            batch = (
                select(Account).where(Account.id.in_(stale[start : start + SYNC_BATCH])).order_by(Account.id)
            )
            for account in session.scalars(batch):
                touched |= visits.sync_account(session, ctx, account)
    with services.uow() as session:
        marks.clear(session, [i for i, _, _ in found])
        if everything:
            marks.set_state(session, STATE, fingerprint)
    services.changed(*sorted(touched))


def out_of_step(services: Services, session: Session, now: datetime, ids: list[int]) -> list[int]:
    """Which of these accounts ``sync_account`` would change."""
    ctx = planning_context(services, session, now)
    snap = visits.snapshot(session, services.playbook, ids)
    accounts = session.scalars(select(Account).where(Account.id.in_(ids)).order_by(Account.id))
    return [a.id for a in accounts if not visits.in_sync(snap, ctx, a)]


def activity_hook(services: Services) -> ActivityHook:
    def hook(session: Session, activity: Activity, account: Account) -> list[str]:
        ctx = planning_context(services, session)
        lines: list[str] = []
        if activity.type == noshows.NOSHOW:
            task = noshows.record(session, ctx, activity, account)
            who = "you" if task.assignee_id == activity.user_id else f"<@{task.assignee_id}>"
            lines.append(
                f":no_entry_sign: No-show noted ({noshows.count(session, account.id)} for this account). "
                f"Task for {who}: {escape(titled(task.title, account.name))}."
            )
            return lines
        if activity.type in noshows.MEETING_TYPES and noshows.close_after_meeting(session, activity, ctx.now):
            lines.append(":white_check_mark: No-show follow-up closed: a new meeting is logged.")
        satisfied, _ = visits.satisfy(session, ctx, account, activity.type, activity.occurred_at)
        for item in satisfied:
            nxt = item.next_task
            if nxt is None:
                lines.append(f":calendar: Visit plan: the planned {item.plan.activity_type} is done.")
                continue
            tz, _ = ctx.person(nxt.assignee_id)
            lines.append(
                f":calendar: Visit plan: done for this cycle; next {item.plan.activity_type} around "
                f"{day_label(nxt.due_at, tz, now=ctx.now)}."
            )
        return lines

    return hook


def plan_summary(
    services: Services, session: Session, account: Account, now: datetime
) -> tuple[str, str, ZoneInfo] | None:
    """(the plan in words, the next occurrence, the zone used), or None without any plan.

    Reads only: a tier cadence the planning pass has not materialised yet is computed on the fly.
    """
    plan = visits.effective_plan(session, account)
    if plan is not None:
        tz = visits.plan_tz(plan)
        task = visits.current_task(session, plan)
        next_text = when_label(task.due_at, tz, all_day=task.all_day, now=now) if task else "—"
        if task is not None and task.booked_at is not None:
            next_text += " (booked)"
        return visits.plan_words(plan, account, now=now), next_text, tz
    cadence = services.playbook.tier_cadence.get(account.tier) if account.tier else None
    if cadence is None:
        return None
    words = f"a {cadence.activity} {describe(cadence.rrule)} ({account.tier} tier cadence)"
    if not account.owner_id:
        return words + ", once the account has an owner", "—", ZoneInfo("UTC")
    tz = services.people.get_in(session, account.owner_id).tz
    anchor = visits.tier_anchor(session, account, cadence.activity, tz)
    nxt = next_occurrence(cadence.rrule, anchor, after=anchor)
    return words, day_label(nxt, tz, now=now) if nxt else "—", tz


def card_section(services: Services) -> CardSection:
    def section_for(session: Session, account: Account, now: datetime) -> list[dict[str, Any]]:
        summary = plan_summary(services, session, account, now)
        if summary is None:
            words, next_text, tz = (
                f"none (`/visit {escape(account.name)} every 4 months`)",
                "—",
                ZoneInfo("UTC"),
            )
        else:
            words, next_text, tz = summary
        last = last_activity_at(session, account.id, ("visit",))
        last_text = day_label(last, tz, now=now) if last else "never"
        return card_section_blocks(words, next_text, last_text, noshows.count(session, account.id))

    return section_for
