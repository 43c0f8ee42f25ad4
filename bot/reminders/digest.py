"""The weekly picture on its schedule: each team's digest (chart + text) at the playbook's local day
and time (``scheduler.weekly_digest``, default Monday 08:30) in the manager's zone, posted to the
team's channel or the manager's DMs; and each rep's personal summary at the same local time in
their own zone, unless they turned ``weekly`` nudges off. A post in the team's channel goes at that
time; a DM arrives in its recipient's working time (``workhours.in_working_time``): at the later of
that time and their working start (09:00 by default, theirs if their profile has one), on their
first working day from that day (a Monday off: Tuesday), never at night.

Exactly once per team (and rep) per week: every message is an outbox row whose ``dedupe_key`` names
the week, so instances and restarts can't queue it twice; a slot missed while the bot was down is
still sent within a day.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.blocks.digest import summary_blocks, team_digest_blocks
from bot.charts import digest as chart
from bot.domain import digest, teams
from bot.domain.dates import zone
from bot.domain.periods import Period, last_full
from bot.domain.text import plain
from bot.domain.workhours import in_working_time
from bot.playbook import parse_weekly
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.storage.models import Reminder, UserProfile
from bot.storage.tenancy import current_team

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

TEAM_DIGEST = "team_digest"
WEEKLY_SUMMARY = "weekly_summary"
NUDGE_KIND = "weekly"  # /salesbot nudges off weekly
CATCH_UP = timedelta(days=1)


def local_slot(spec: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The latest ``"mon 08:30"`` (local to ``tz``) at or before ``now``."""
    weekday, at = parse_weekly(spec)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime.combine(day, at, tz)
    if slot > now:
        slot = datetime.combine(day - timedelta(days=7), at, tz)
    return slot


def covered_week(slot: datetime, tz: ZoneInfo) -> Period:
    """The week a digest sent at ``slot`` covers: the last full week (Monday to Monday) before it."""
    return last_full("week", slot, tz)


def _key(kind: str, team_id: str, user_id: str, week: Period) -> str:
    return f"{kind}:{team_id}:{user_id}:{week.label}"


def weekly_pass(services: Services, now: datetime, *, team_id: str | None = None) -> None:
    """Queue every team digest and personal summary whose local slot has come this week (idempotent)."""
    team_id = team_id or current_team()
    with services.uow() as session:
        all_teams = teams.all_teams(session, team_id=team_id)
        people = list(dict.fromkeys([*all_teams, *(m for ms in all_teams.values() for m in ms)]))
        known = set(
            session.scalars(
                select(UserProfile.user_id).where(
                    UserProfile.team_id == team_id, UserProfile.user_id.in_(people)
                )
            )
        )
    for user_id in people:
        if user_id not in known:  # outside any unit of work: learn their zone from Slack first
            services.people.get(user_id, team_id=team_id)
    spec = services.playbook.weekly_digest
    with services.uow() as session:
        profiles = {
            p.user_id: p
            for p in session.scalars(
                select(UserProfile).where(UserProfile.team_id == team_id, UserProfile.user_id.in_(people))
            )
        }
        # (kind, user, slot, week, when a DM to them arrives: in their working time)
        due: list[tuple[str, str, datetime, Period, datetime]] = []
        for user_id in people:
            profile = profiles.get(user_id)
            tz = zone(profile.tz if profile else None)
            hours = (
                services.people.cached(profile).working_hours if profile else services.playbook.working_hours
            )
            slot = local_slot(spec, now, tz)
            if not (slot <= now < slot + CATCH_UP):
                continue
            week = covered_week(slot, tz)
            at_work = in_working_time(slot, hours, tz)
            if user_id in all_teams:
                due.append((TEAM_DIGEST, user_id, slot, week, at_work))
            is_rep = any(user_id in ms for ms in all_teams.values())
            if is_rep and NUDGE_KIND not in (profile.nudges_off if profile else []):
                due.append((WEEKLY_SUMMARY, user_id, slot, week, at_work))
        keys = [_key(kind, team_id, user, week) for kind, user, _, week, _ in due]
        queued = set(session.scalars(select(Reminder.dedupe_key).where(Reminder.dedupe_key.in_(keys))))
        for (kind, user_id, slot, week, at_work), key in zip(due, keys, strict=True):
            if key in queued:
                continue
            channel = teams.channel_of(session, user_id, team_id=team_id) if kind == TEAM_DIGEST else None
            enqueue(
                session,
                kind=kind,
                # a channel post at the playbook's time; a DM in its recipient's working time
                due_at=slot if channel else at_work,
                now=now,
                recipient_id=None if channel else user_id,
                channel_id=channel,
                payload={"user": user_id, "week": week.first.isoformat(), "tz": week.tz.key, "team": team_id},
                dedupe_key=key,
            )


def request_now(
    services: Services,
    session: Session,
    manager_id: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    team_id: str | None = None,
) -> Reminder | None:
    """``/salesbot digest now``: the team's digest for the last full week, queued to go at once."""
    team_id = team_id or current_team()
    week = last_full("week", now, tz)
    channel = teams.channel_of(session, manager_id, team_id=team_id)
    return enqueue(
        session,
        kind=TEAM_DIGEST,
        due_at=now,
        now=now,
        recipient_id=None if channel else manager_id,
        channel_id=channel,
        # asked for: delivered at once, even outside the manager's working hours
        payload={
            "user": manager_id,
            "week": week.first.isoformat(),
            "tz": week.tz.key,
            "team": team_id,
            "any_hour": True,
        },
        dedupe_key=f"{TEAM_DIGEST}:now:{team_id}:{manager_id}:{now.isoformat(timespec='minutes')}",
    )


def _week(reminder: Reminder) -> Period:
    return Period("week", date.fromisoformat(reminder.payload["week"]), zone(reminder.payload.get("tz")))


def render_team_digest(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    payload: dict[str, Any] = reminder.payload
    manager = str(payload["user"])
    team_id = str(payload.get("team") or current_team())
    members = teams.members_of(session, manager, team_id=team_id)
    if not members:
        return None  # the team was dissolved meanwhile
    week = _week(reminder)
    now = services.clock.now()
    found = digest.team_digest(
        session, manager, members, week, now=now, playbook=services.playbook, team_id=team_id
    )
    blocks = team_digest_blocks(found, now)
    if not payload.get("file_id"):
        file_id = _upload_chart(services, reminder, manager, found)
        if file_id:
            _remember_upload(services, session, reminder, file_id)
    return OutgoingMessage(reminder.channel_id or manager, plain(f"Weekly digest · {week.title}"), blocks)


def _remember_upload(services: Services, session: Session, reminder: Reminder, file_id: str) -> None:
    """Note the uploaded chart on the row, so that sending it again (a retry) doesn't upload it twice.
    A batch is rendered in a read-only unit of work: then the note is a short unit of work of its own
    (beside a reader, which neither SQLite's WAL nor PostgreSQL makes wait)."""
    payload = {**reminder.payload, "file_id": file_id}
    if not session.info.get("read_only"):
        reminder.payload = payload
        return
    with services.uow() as own:
        own.execute(update(Reminder).where(Reminder.id == reminder.id).values(payload=payload))
    set_committed_value(reminder, "payload", payload)


def prepare_batch(services: Services, session: Session, reminders: Sequence[Reminder]) -> None:
    """The digests and weekly summaries of a batch (rendered in one read-only unit of work, e.g. every
    team whose Monday 08:30 is now): everyone's figures computed together before the first render."""
    mine = [r for r in reminders if r.kind in (TEAM_DIGEST, WEEKLY_SUMMARY)]
    if not mine or not session.info.get("read_only"):
        return
    now = services.clock.now()
    for team_id in sorted({str(r.payload.get("team") or current_team()) for r in mine}):
        all_teams = teams.all_teams(session, team_id=team_id)
        ours = [r for r in mine if str(r.payload.get("team") or current_team()) == team_id]
        digests = [
            (all_teams.get(str(r.payload["user"]), []), _week(r)) for r in ours if r.kind == TEAM_DIGEST
        ]
        summaries = [(str(r.payload["user"]), _week(r)) for r in ours if r.kind == WEEKLY_SUMMARY]
        digest.prepare(session, digests, summaries, now=now, playbook=services.playbook, team_id=team_id)


def _upload_chart(
    services: Services, reminder: Reminder, manager: str, found: digest.TeamDigest
) -> str | None:
    """Upload the chart (files upload v2) where the digest goes; the file id, or None if Slack refused."""
    week = found.report.period
    try:
        channel = reminder.channel_id
        if channel is None:
            channel = services.client.conversations_open(users=manager)["channel"]["id"]
        response = services.client.files_upload_v2(
            channel=channel,
            file=chart.render(found.chart),
            filename=f"team-digest-{week.label}.png",
            title=f"Team digest · {week.title}",
            alt_txt="Each rep's inputs against target, and the expansion pipeline by stage",
        )
    except SlackApiError as exc:
        log.warning("the digest chart could not be uploaded: %s", exc.response.get("error"))
        return None
    file = response.get("file") or {}
    return str(file.get("id")) if file.get("id") else None


def render_summary(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    user_id = str(reminder.payload["user"])
    team_id = str(reminder.payload.get("team") or current_team())
    profile = session.get(UserProfile, (team_id, user_id))
    if profile is not None and NUDGE_KIND in (profile.nudges_off or []):
        return None  # turned off after it was queued
    week = _week(reminder)
    now = services.clock.now()
    summary = digest.personal_summary(
        session, user_id, week, now=now, playbook=services.playbook, team_id=team_id
    )
    return OutgoingMessage(user_id, plain(f"Your week · {week.title}"), summary_blocks(summary, now))


def install(services: Services) -> None:
    services.renderers[TEAM_DIGEST] = render_team_digest
    services.renderers[WEEKLY_SUMMARY] = render_summary
    services.batch_preparers.append(prepare_batch)
    services.planning_passes.append(weekly_pass)
