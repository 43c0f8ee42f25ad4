"""Who people are, as far as the bot needs: time zone (Slack ``users.info``), working hours, e-mail.

Profiles are cached in the database and refreshed from Slack at most once a day, so a reminder is
computed in the person's own zone without a Web API call per reminder.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.dates import DateOrder, date_order_for, zone
from bot.playbook import WEEKDAYS, Playbook, WorkingHours
from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.models import UserProfile
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)
REFRESH_AFTER = timedelta(days=1)
# How long a person read from the database is kept in memory. Changes made by this process forget
# it at once (see ``_forget_changed``); another instance's changes are seen within this time.
MEMORY_TTL = timedelta(minutes=5)
_LIVE: weakref.WeakSet[People] = weakref.WeakSet()


@dataclass(frozen=True)
class Person:
    user_id: str
    tz: ZoneInfo
    name: str | None
    working_hours: WorkingHours
    nudges_off: tuple[str, ...] = ()
    date_order: DateOrder = "DMY"  # how they write 03/12: playbook, else their Slack locale, else zone


class People:
    def __init__(
        self,
        client: WebClient,
        session_factory: SessionFactory,
        clock: Clock,
        playbook: Playbook | Callable[[str], Playbook],
    ) -> None:
        """``playbook``: one for everyone, or each workspace's (a function of its team id): its
        working hours are people's default hours, its date order theirs."""
        self._client = client
        self._sessions = session_factory
        self._clock = clock
        self._playbook_of = playbook if callable(playbook) else (lambda _team: playbook)
        self._memory: dict[tuple[str, str], tuple[Person, datetime]] = {}  # → (person, good until)
        self._lock = threading.Lock()
        _LIVE.add(self)

    def get(self, user_id: str, *, team_id: str | None = None, refresh: bool = True) -> Person:
        """The person, from memory when read recently; else the database (a read-only unit of
        work); else Slack (``users.info``, at most once a day, stored in ``user_profiles``)."""
        team_id = team_id or current_team()
        key = (team_id, user_id)
        now = self._clock.now()
        with self._lock:
            hit = self._memory.get(key)
        if hit is not None and now < hit[1]:
            return hit[0]
        with unit_of_work(self._sessions, read_only=True) as session:
            profile = session.get(UserProfile, key)
            checked = profile.tz_checked_at if profile is not None else None
            fresh = checked is not None and now - checked <= REFRESH_AFTER
            person = self.cached(profile) if profile is not None and (fresh or not refresh) else None
        if person is None and refresh:
            with unit_of_work(self._sessions) as session:
                person = self.get_in(session, user_id, team_id=team_id, refresh=True)
                profile = session.get(UserProfile, key)
                checked = profile.tz_checked_at if profile is not None else None
                fresh = checked is not None and now - checked <= REFRESH_AFTER
        if person is None:  # not asked to refresh, and never seen
            return Person(user_id, ZoneInfo("UTC"), None, self._playbook_of(team_id).working_hours)
        if fresh and checked is not None:
            with self._lock:
                self._memory[key] = (person, min(now + MEMORY_TTL, checked + REFRESH_AFTER))
        return person

    def forget(self, user_id: str, *, team_id: str | None = None) -> None:
        team_id = team_id or current_team()
        with self._lock:
            self._memory.pop((team_id, user_id), None)

    def forget_team(self, team_id: str) -> None:
        """Everyone of a workspace, read afresh next time (its playbook changed their default hours)."""
        with self._lock:
            self._memory = {key: hit for key, hit in self._memory.items() if key[0] != team_id}

    def get_in(
        self, session: Session, user_id: str, *, team_id: str | None = None, refresh: bool = True
    ) -> Person:
        """``get`` inside the caller's unit of work (a second one would wait for the first's lock)."""
        team_id = team_id or current_team()
        now = self._clock.now()
        profile = session.get(UserProfile, (team_id, user_id))
        stale = (
            profile is None or profile.tz_checked_at is None or now - profile.tz_checked_at > REFRESH_AFTER
        )
        if stale and refresh and not session.info.get("read_only"):
            info = self._users_info(user_id)
            if profile is None:
                profile = self._insert(session, team_id, user_id)
            if info is not None:
                profile.tz = info.get("tz") or profile.tz or "UTC"
                profile.locale = info.get("locale") or profile.locale
                profile.display_name = (
                    (info.get("profile") or {}).get("display_name")
                    or info.get("real_name")
                    or info.get("name")
                )
                profile.email = (info.get("profile") or {}).get("email") or profile.email
                profile.tz_checked_at = now
        if profile is None:
            playbook = self._playbook_of(team_id)
            return Person(
                user_id,
                ZoneInfo("UTC"),
                None,
                playbook.working_hours,
                date_order=date_order_for(playbook.date_order, None, None),
            )
        return self.cached(profile)

    @staticmethod
    def _insert(session: Session, team_id: str, user_id: str) -> UserProfile:
        """A new profile row; if another instance created it meanwhile (two dispatchers meeting the
        same new person), that one. A savepoint keeps the caller's transaction usable."""
        profile = UserProfile(team_id=team_id, user_id=user_id, tz="UTC", nudges_off=[])
        try:
            with session.begin_nested():
                session.add(profile)
        except IntegrityError:
            existing = session.get(UserProfile, (team_id, user_id))
            if existing is None:
                raise
            return existing
        return profile

    def cached(self, profile: UserProfile) -> Person:
        """The person as cached in ``profile``: no Slack call, no database access."""
        return Person(
            profile.user_id,
            zone(profile.tz),
            profile.display_name,
            self._hours(profile),
            tuple(profile.nudges_off or ()),
            date_order_for(self._playbook_of(profile.team_id).date_order, profile.locale, profile.tz),
        )

    def tz(self, user_id: str) -> ZoneInfo:
        return self.get(user_id).tz

    def local_now(self, user_id: str) -> datetime:
        return self._clock.now().astimezone(self.tz(user_id))

    def known_by_email(self, email: str, *, team_id: str | None = None) -> str | None:
        """The user id of someone the bot already knows (a cached profile) with this e-mail; no Slack call."""
        team_id = team_id or current_team()
        with unit_of_work(self._sessions) as session:
            return session.scalar(
                select(UserProfile.user_id)
                .where(UserProfile.team_id == team_id, func.lower(UserProfile.email) == email.strip().lower())
                .order_by(UserProfile.user_id)
                .limit(1)
            )

    def lookup_by_email(self, email: str) -> str | None:
        cached = self.known_by_email(email)
        if cached:
            return cached
        try:
            user = self._client.users_lookupByEmail(email=email).get("user") or {}
        except SlackApiError:
            return None
        return user.get("id")

    def _users_info(self, user_id: str) -> dict | None:
        try:
            return self._client.users_info(user=user_id, include_locale=True).get("user")
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("users.info failed for %s: %s", user_id, exc)
            return None

    def _hours(self, profile: UserProfile) -> WorkingHours:
        default = self._playbook_of(profile.team_id).working_hours
        days = tuple(WEEKDAYS.index(d) for d in profile.work_days) if profile.work_days else default.days
        start = time.fromisoformat(profile.work_start) if profile.work_start else default.start
        end = time.fromisoformat(profile.work_end) if profile.work_end else default.end
        return WorkingHours(days, start, end, default.holidays)


@event.listens_for(UserProfile, "after_insert")
@event.listens_for(UserProfile, "after_update")
@event.listens_for(UserProfile, "after_delete")
def _forget_changed(_mapper: object, _connection: object, profile: UserProfile) -> None:
    """A profile changed in this process (zone, hours, nudge choices): read it afresh next time."""
    for people in list(_LIVE):
        people.forget(profile.user_id, team_id=profile.team_id)


def cached_person(
    session: Session, user_id: str, playbook: Playbook, *, team_id: str | None = None
) -> Person:
    """The person as last cached, read in the caller's own transaction (no Slack call, no new session).

    For code that already holds a unit of work (activity hooks, renderers): ``People.get`` opens a
    second one, which would wait on the first (SQLite transactions take the write lock at BEGIN).
    """
    team_id = team_id or current_team()
    profile = session.get(UserProfile, (team_id, user_id))
    if profile is None:
        return Person(
            user_id,
            ZoneInfo("UTC"),
            None,
            playbook.working_hours,
            date_order=date_order_for(playbook.date_order, None, None),
        )
    default = playbook.working_hours
    days = tuple(WEEKDAYS.index(d) for d in profile.work_days) if profile.work_days else default.days
    start = time.fromisoformat(profile.work_start) if profile.work_start else default.start
    end = time.fromisoformat(profile.work_end) if profile.work_end else default.end
    return Person(
        user_id,
        zone(profile.tz),
        profile.display_name,
        WorkingHours(days, start, end, default.holidays),
        tuple(profile.nudges_off or ()),
        date_order_for(playbook.date_order, profile.locale, profile.tz),
    )
