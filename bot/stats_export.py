"""``salesbot export stats --period 2026-Q4 [--team @manager]``: the figures of ``/stats`` as CSV on
standard output, one row per rep and metric, the target (pro rata over the period) beside the actual.

The period is read in the manager's zone with ``--team`` (as ``/stats`` would show it to them), in
UTC for every team at once. All reps are computed together: a fixed number of GROUP BY queries.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.domain import stats, teams
from bot.domain.dates import zone
from bot.domain.errors import UserError
from bot.domain.periods import Period, parse_period
from bot.playbook import Playbook, PlaybookError, load_playbook
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.models import UserProfile
from bot.storage.tenancy import current_team
from bot.workspace_playbooks import Playbooks

HEADER = ("period", "manager", "rep", "metric", "section", "actual", "target", "previous")
PERIOD_HELP = "2026-Q4, 2026-11, 2026-W48, 2026, or week, month, quarter, year (the current one)"


class ExportStatsError(Exception):
    """Bad options; the message says what to type."""


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def find_manager(session: Session, text: str, *, team_id: str | None = None) -> str:
    """``@dana``, ``dana``, ``U0DANA`` or ``<@U0DANA>`` → the manager's user id."""
    team_id = team_id or current_team()
    key = text.strip().strip("<>").lstrip("@").split("|")[0]
    all_teams = teams.all_teams(session, team_id=team_id)
    if key in all_teams:
        return key
    found = list(
        session.scalars(
            select(UserProfile.user_id).where(
                UserProfile.team_id == team_id,
                or_(UserProfile.display_name == key, UserProfile.email == key),
            )
        )
    )
    managers = [u for u in found if u in all_teams]
    if len(managers) == 1:
        return managers[0]
    known = ", ".join(sorted(all_teams)) or "none yet (`/team add @manager @alice` in Slack)"
    raise ExportStatsError(f"--team {text!r} is not a manager with a team. Managers: {known}.")


def export_stats(
    session: Session,
    out: TextIO,
    *,
    period_text: str,
    manager: str | None,
    now: datetime,
    playbook: Playbook,
    team_id: str | None = None,
) -> int:
    """Write the CSV; returns how many rows (rep × metric) were written."""
    team_id = team_id or current_team()

    all_teams = teams.all_teams(session, team_id=team_id)
    if manager is not None:
        all_teams = {manager: all_teams.get(manager, [])}
        profile = session.get(UserProfile, (team_id, manager))
        tz: ZoneInfo = zone(profile.tz if profile else None)
    else:
        tz = ZoneInfo("UTC")
    try:
        period: Period = parse_period(period_text, now, tz)
    except UserError as exc:
        raise ExportStatsError(f"--period {period_text!r}: {exc.message} Use {PERIOD_HELP}.") from None
    reps = [m for members in all_teams.values() for m in members]
    lines, _, _ = stats.reports(session, reps, period, now=now, playbook=playbook, team_id=team_id)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for boss, members in all_teams.items():
        for rep in members:
            for line in lines[rep]:
                writer.writerow(
                    (
                        period.label,
                        boss,
                        rep,
                        line.metric,
                        line.section,
                        _number(line.actual),
                        _number(line.target),
                        _number(line.previous),
                    )
                )
                count += 1
    return count


def run_export_stats(
    settings: Settings,
    *,
    period: str,
    team: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        playbook = load_playbook(settings.config_path)
    except PlaybookError as exc:
        print(f"salesbot export stats: the playbook is invalid: {exc}", file=err)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        # The workspace's own playbook when its admins set one (its metrics, tiers and coverage).
        playbook = Playbooks(playbook, factory, config_path=settings.config_path).current()
        with unit_of_work(factory) as session:
            manager = find_manager(session, team) if team else None
            export_stats(
                session,
                out,
                period_text=period,
                manager=manager,
                now=(clock or SystemClock()).now(),
                playbook=playbook,
            )
    except ExportStatsError as exc:
        print(f"salesbot export stats: {exc}", file=err)
        return 2
    finally:
        engine.dispose()
    return 0
