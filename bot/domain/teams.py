"""Teams: who reports to whom, stored per Slack workspace; a member has at most one manager.

The playbook's ``[roles] managers`` only seeds the table at the first start (while it is empty);
from then on ``/team`` changes it and everything (escalations, who may see whose numbers, targets,
the weekly digest) reads it from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from bot.domain.errors import UserError
from bot.storage.models import TeamMember, TeamSetting
from bot.storage.tenancy import current_team

ADD_EXAMPLE = "/team add @manager @alice @bob"
REMOVE_EXAMPLE = "/team remove @manager @bob"
SHOW_EXAMPLE = "/team show @manager"
CHANNEL_EXAMPLE = "/team channel @manager #sales-team"


@dataclass(frozen=True)
class Added:
    member_id: str
    previous_manager: str | None  # the member moved from this team; None: they had no manager


def manager_of(session: Session, user_id: str, *, team_id: str | None = None) -> str | None:
    team_id = team_id or current_team()
    return session.scalar(
        select(TeamMember.manager_id).where(TeamMember.team_id == team_id, TeamMember.member_id == user_id)
    )


def managers_of(session: Session, user_ids: Iterable[str], *, team_id: str | None = None) -> dict[str, str]:
    """member → manager for the given people (those with a manager), in one query."""
    team_id = team_id or current_team()
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(TeamMember.member_id, TeamMember.manager_id).where(
            TeamMember.team_id == team_id, TeamMember.member_id.in_(ids)
        )
    )
    return {member: manager for member, manager in rows}


def members_of(session: Session, manager_id: str, *, team_id: str | None = None) -> list[str]:
    """The people reporting directly to ``manager_id``, in the order they joined."""
    team_id = team_id or current_team()
    return list(
        session.scalars(
            select(TeamMember.member_id)
            .where(TeamMember.team_id == team_id, TeamMember.manager_id == manager_id)
            .order_by(TeamMember.created_at, TeamMember.member_id)
        )
    )


def require_members(
    session: Session,
    manager_id: str,
    *,
    asked_by: str,
    command: str,
    example: str,
    team_id: str | None = None,
) -> list[str]:
    """``members_of``, or why there is nobody: a member who leads no team is pointed to their manager's
    (``command`` is how to ask for someone else's, e.g. ``/stats team``)."""
    members = members_of(session, manager_id, team_id=team_id)
    if members:
        return members
    if manager_id != asked_by:
        raise UserError(f"They have no team yet: `{ADD_EXAMPLE}` builds one.", example)
    boss = manager_of(session, asked_by, team_id=team_id)
    if boss is None:
        raise UserError(f"You have no team yet: `{ADD_EXAMPLE}` builds one.", example)
    raise UserError(
        f"You don't lead a team; you are in <@{boss}>'s. For a team's, name its manager: `{command} @manager`.",
        example,
        mrkdwn=True,
    )


def is_manager(session: Session, user_id: str, *, team_id: str | None = None) -> bool:
    team_id = team_id or current_team()
    return bool(
        session.scalar(
            select(exists().where(TeamMember.team_id == team_id, TeamMember.manager_id == user_id))
        )
    )


def all_teams(session: Session, *, team_id: str | None = None) -> dict[str, list[str]]:
    """manager → members, managers in order of their first member."""
    team_id = team_id or current_team()
    teams: dict[str, list[str]] = {}
    rows = session.execute(
        select(TeamMember.manager_id, TeamMember.member_id)
        .where(TeamMember.team_id == team_id)
        .order_by(TeamMember.created_at, TeamMember.manager_id, TeamMember.member_id)
    )
    for manager, member in rows:
        teams.setdefault(manager, []).append(member)
    return teams


def _chain_up(session: Session, user_id: str, team_id: str) -> list[str]:
    """``user_id``'s manager, their manager, … (stops on a loop)."""
    chain: list[str] = []
    current = manager_of(session, user_id, team_id=team_id)
    while current is not None and current not in chain and current != user_id:
        chain.append(current)
        current = manager_of(session, current, team_id=team_id)
    return chain


def add_members(
    session: Session,
    manager_id: str,
    member_ids: Iterable[str],
    *,
    now: datetime,
    team_id: str | None = None,
) -> list[Added]:
    """Put the members in ``manager_id``'s team (moving them from any other). Checks everything first:
    a bad request writes nothing. Members already in this team are left as they are."""
    team_id = team_id or current_team()
    members = list(dict.fromkeys(member_ids))
    if not members:
        raise UserError("Name the people to add after the manager.", ADD_EXAMPLE)
    if manager_id in members:
        raise UserError("A manager can't be in their own team.", ADD_EXAMPLE)
    above = _chain_up(session, manager_id, team_id)
    for member in members:
        if member in above:
            raise UserError(
                f"<@{member}> manages this manager (directly or higher up), so they can't report to them.",
                ADD_EXAMPLE,
            )
    current = managers_of(session, members, team_id=team_id)
    added: list[Added] = []
    for member in members:
        previous = current.get(member)
        if previous == manager_id:
            continue
        if previous is None:
            session.add(TeamMember(team_id=team_id, member_id=member, manager_id=manager_id, created_at=now))
        else:
            row = session.get(TeamMember, (team_id, member))
            assert row is not None
            row.manager_id = manager_id
            row.created_at = now
        added.append(Added(member, previous))
    session.flush()
    return added


def remove_members(
    session: Session, manager_id: str, member_ids: Iterable[str], *, team_id: str | None = None
) -> list[str]:
    """Take the members out of ``manager_id``'s team; anyone not in it is an error and nothing changes."""
    team_id = team_id or current_team()
    members = list(dict.fromkeys(member_ids))
    if not members:
        raise UserError("Name the people to remove after the manager.", REMOVE_EXAMPLE)
    current = managers_of(session, members, team_id=team_id)
    strangers = [m for m in members if current.get(m) != manager_id]
    if strangers:
        names = ", ".join(f"<@{m}>" for m in strangers)
        raise UserError(f"{names} not in <@{manager_id}>'s team.", REMOVE_EXAMPLE)
    session.execute(
        delete(TeamMember).where(
            TeamMember.team_id == team_id,
            TeamMember.manager_id == manager_id,
            TeamMember.member_id.in_(members),
        )
    )
    return members


def channel_of(session: Session, manager_id: str, *, team_id: str | None = None) -> str | None:
    """The channel the team's weekly digest goes to; None: the manager's DMs."""
    team_id = team_id or current_team()
    return session.scalar(
        select(TeamSetting.channel_id).where(
            TeamSetting.team_id == team_id, TeamSetting.manager_id == manager_id
        )
    )


def set_channel(
    session: Session, manager_id: str, channel_id: str | None, *, now: datetime, team_id: str | None = None
) -> None:
    team_id = team_id or current_team()
    row = session.get(TeamSetting, (team_id, manager_id))
    if row is None:
        session.add(
            TeamSetting(team_id=team_id, manager_id=manager_id, channel_id=channel_id, updated_at=now)
        )
    else:
        row.channel_id = channel_id
        row.updated_at = now
    session.flush()


def may_change(actor_id: str, manager_id: str, *, admin: bool) -> bool:
    """Admins and the manager concerned change a team; everyone may read it."""
    return admin or actor_id == manager_id


def seed_from_playbook(
    session: Session, managers: Mapping[str, Iterable[str]], *, now: datetime, team_id: str | None = None
) -> int:
    """At the first start (no team stored yet) the playbook's ``[roles] managers`` become the teams.

    Returns how many members were stored (0 when the table already held teams). A member listed
    under two managers stays with the first.
    """
    team_id = team_id or current_team()
    if not managers:
        return 0
    if session.scalar(select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id)):
        return 0
    seen: set[str] = set()
    for manager, members in managers.items():
        for member in members:
            if member in seen or member == manager:
                continue
            seen.add(member)
            session.add(TeamMember(team_id=team_id, member_id=member, manager_id=manager, created_at=now))
    session.flush()
    return len(seen)


def can_see(
    session: Session, viewer_id: str, subject_id: str, *, admin: bool, team_id: str | None = None
) -> bool:
    """Whose numbers may ``viewer_id`` read? Their own, their direct reports' (and so their team's),
    anyone's for an admin."""
    team_id = team_id or current_team()
    return admin or viewer_id == subject_id or manager_of(session, subject_id, team_id=team_id) == viewer_id
