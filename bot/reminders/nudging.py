"""The morning pass: one consolidated message per person, in their own zone, about what *started*.

Runs every minute (``services.planning_passes``). For each person concerned (account owners and
CSMs, follow-up assignees, anyone the bot knows), once their local time reaches
``scheduler.daily_nudge_time`` (or their working start, when later) on one of their working days,
and if today's message isn't built:
gather every source's items, keep what started since they were last told (``bot.domain.nudge_diff``),
record it in ``NudgeState``, and queue ONE ``morning_digest`` message (dedupe key
``morning:<user>:<local date>``). Cheap when nothing is due: three small queries (profiles, who
got today's message, people marked as new since the last run), no source runs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks.nudges import morning_blocks, morning_text
from bot.domain import nudge_prefs as prefs
from bot.domain.mornings import morning_due
from bot.domain.nudge_diff import StateView, plan_morning
from bot.domain.nudge_sources import SOURCES
from bot.domain.nudges import NudgeItem
from bot.people import Person
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.services import Services
from bot.storage import planning_marks as marks
from bot.storage.models import Account, NudgeState, Reminder, Task, UserProfile
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)
KIND = "morning_digest"


def install(services: Services) -> None:
    """Register the pass, the renderer and this feature's sources (once)."""
    if morning_pass not in services.planning_passes:
        services.planning_passes.append(morning_pass)
    services.renderers[KIND] = render_morning
    for source in SOURCES:
        if source not in services.nudge_sources:
            services.nudge_sources.append(source)


def dedupe_key(user_id: str, day: date) -> str:
    return f"morning:{user_id}:{day.isoformat()}"


def morning_pass(services: Services, now: datetime) -> None:
    due = due_people(services, now)
    if not due:
        return
    items, complete = gather(services, now)
    by_user: dict[str, list[NudgeItem]] = defaultdict(list)
    for item in items:
        by_user[item.user_id].append(item)
    for person, day in due:
        try:
            with services.uow() as session:
                build_morning(session, services, person, day, by_user.get(person.user_id, []), now, complete)
        except IntegrityError:
            log.info("morning of %s on %s was built by another instance", person.user_id, day)


def concerned(session: Session) -> set[str]:
    """Everyone a nudge may be for: owners, CSMs, assignees of open tasks, people the bot knows."""
    people: set[str] = set()
    for column in (Account.owner_id, Account.csm_id):
        people.update(session.scalars(select(column).where(column.is_not(None)).distinct()))
    people.update(session.scalars(select(Task.assignee_id).where(Task.status == "open").distinct()))
    people.update(session.scalars(select(UserProfile.user_id).where(UserProfile.team_id == current_team())))
    return {p for p in people if p}


def due_people(services: Services, now: datetime) -> list[tuple[Person, date]]:
    """Who gets their morning message built now, and for which local day."""
    nudge_time = services.playbook.daily_nudge_time
    with services.uow(read_only=True) as session:
        # Everyone concerned gets a profile the first time they are looked at (below), so the people
        # to look at are those with a profile and those marked since as new owners, CSMs or assignees.
        found = marks.pending(session, marks.PERSON)
        new_people = {u for _, _, u in found if u}
        profiles = {
            p.user_id: p
            for p in session.scalars(select(UserProfile).where(UserProfile.team_id == current_team()))
        }
        built = dict(
            session.execute(
                select(NudgeState.user_id, NudgeState.notified_at).where(
                    NudgeState.subject == prefs.MORNING_SUBJECT
                )
            ).all()
        )
        everyone = any(u is None for _, _, u in found)
        user_ids = concerned(session) if everyone else set(profiles) | new_people
    due: list[tuple[Person, date]] = []
    for user_id in sorted(user_ids):
        profile = profiles.get(user_id)
        if profile is not None:  # a cheap first look with the cached zone, no Slack call
            cached = services.people.cached(profile)
            if morning_due(now, cached.tz, cached.working_hours, nudge_time, built.get(user_id)) is None:
                continue
        person = services.people.get(user_id)  # refreshes the zone from Slack once a day
        day = morning_due(now, person.tz, person.working_hours, nudge_time, built.get(user_id))
        if day is not None:
            due.append((person, day))
    if found:  # everyone marked has a profile now
        with services.uow() as session:
            marks.clear(session, [i for i, _, _ in found])
    return due


def gather(services: Services, now: datetime) -> tuple[list[NudgeItem], bool]:
    """Every source's items; ``complete`` is False if a source failed (then nothing is ended)."""
    items: list[NudgeItem] = []
    complete = True
    for source in services.nudge_sources:
        try:
            with services.uow() as session:
                items.extend(source(session, services, now))
        except Exception:
            log.exception("nudge source %s failed; its conditions are left as they were", source)
            complete = False
    return items, complete


def build_morning(
    session: Session,
    services: Services,
    person: Person,
    day: date,
    items: list[NudgeItem],
    now: datetime,
    complete: bool,
) -> Reminder | None:
    """Diff, record and queue one person's morning message. Returns it, or None if nothing is new."""
    user_id = person.user_id
    key = dedupe_key(user_id, day)
    if session.scalar(select(Reminder.id).where(Reminder.dedupe_key == key)) is not None:
        return None
    rows = {r.subject: r for r in session.scalars(select(NudgeState).where(NudgeState.user_id == user_id))}
    marker = rows.get(prefs.MORNING_SUBJECT)
    if marker is not None and marker.notified_at and marker.notified_at.astimezone(person.tz).date() == day:
        return None
    states = {
        s: StateView(s, r.active, r.notified_at, r.snoozed_until)
        for s, r in rows.items()
        if not prefs.is_reserved(s)
    }
    plan = plan_morning(
        items,
        states,
        now=now,
        off_kinds=person.nudges_off,
        account_snoozes=prefs.account_snoozes(session, user_id),
        complete=complete,
    )
    for subject in plan.started:
        row = rows.get(subject)
        if row is None:
            row = NudgeState(user_id=user_id, subject=subject, active=True, started_at=now)
            session.add(row)
            rows[subject] = row
        else:
            row.active, row.started_at, row.notified_at = True, now, None
    for subject in plan.ended:
        rows[subject].active = False
    for subject in plan.notified:
        rows[subject].notified_at = now
    if marker is None:
        session.add(
            NudgeState(
                user_id=user_id, subject=prefs.MORNING_SUBJECT, active=False, started_at=now, notified_at=now
            )
        )
    else:
        marker.notified_at = now
    session.flush()
    tell = one_line_per_account_condition(plan.tell)
    if not tell:
        return None
    return enqueue(
        session,
        kind=KIND,
        due_at=now,
        now=now,
        recipient_id=user_id,
        payload={
            "day": day.isoformat(),
            "items": [item._asdict() for item in tell],
            "deferred": plan.deferred,
        },
        dedupe_key=key,
    )


def one_line_per_account_condition(items: list[NudgeItem]) -> list[NudgeItem]:
    """An account overdue on its visits is also "gone quiet": say the more specific one only."""
    specific = {i.account_id for i in items if i.kind == "overdue_visit" and i.account_id is not None}
    return [i for i in items if not (i.kind == "inactive" and i.account_id in specific)]


def render_morning(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    raw = reminder.payload.get("items") or []
    if not raw or reminder.recipient_id is None:
        return None
    items = [
        NudgeItem(**{**item, "button": tuple(item["button"]) if item.get("button") else None}) for item in raw
    ]
    deferred = int(reminder.payload.get("deferred") or 0)
    blocks = morning_blocks(items, deferred=deferred)
    return OutgoingMessage(channel=reminder.recipient_id, text=morning_text(items), blocks=blocks)
