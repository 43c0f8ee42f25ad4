"""Roles, stored per Slack workspace: admin, manager, csm, rep or viewer, for a person or a Slack user
group (whose members are cached on its row).

The playbook's ``[roles]`` block only seeds a workspace's roles when it is first served (while it has
none); from then on its admins manage them from Slack (``/salesbot role``). Each workspace has its own:
an admin of one is nobody special in another. What each role may do: ``bot/domain/permissions.py``.

A person's role: their own row if they have one, else the highest role of the user groups they are in,
else the default (``rep``: people work on their own accounts and log anywhere until told otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.errors import UserError
from bot.storage.models import LOCAL_TEAM, Role
from bot.storage.tenancy import current_team

ADMIN, MANAGER, CSM, REP, VIEWER = "admin", "manager", "csm", "rep", "viewer"
ROLES = (ADMIN, MANAGER, CSM, REP, VIEWER)  # most rights first
RANK = {role: len(ROLES) - n for n, role in enumerate(ROLES)}
DEFAULT_ROLE = REP
USER, USERGROUP = "user", "usergroup"
# A user group's members are read again from Slack when the copy is older than this.
MEMBERS_FRESH_FOR = timedelta(hours=1)

SET_EXAMPLE = "/salesbot role @dana manager"
SHOW_EXAMPLE = "/salesbot role @dana"
REMOVE_EXAMPLE = "/salesbot role @dana remove"


@dataclass(frozen=True)
class Resolved:
    role: str
    source: str  # "own" | "group" | "default"
    group: str | None = None  # the user group it came from (its id)


@dataclass(frozen=True)
class Change:
    subject_id: str
    before: str | None  # None: had no role of their own
    after: str | None  # None: removed (back to the default or their groups')


def parse_role(word: str, example: str = SET_EXAMPLE) -> str:
    role = word.strip().lower()
    if role not in ROLES and role.endswith("s"):
        role = role[:-1]  # "managers"
    if role not in ROLES:
        raise UserError(
            f"“{word}” is not a role. Roles: " + ", ".join(f"`{r}`" for r in ROLES) + ".",
            example,
        )
    return role


def rows(session: Session, *, team_id: str = LOCAL_TEAM) -> list[Role]:
    """Every stored role, most rights first, people before groups."""
    found = list(session.scalars(select(Role).where(Role.team_id == team_id)))
    return sorted(found, key=lambda r: (-RANK.get(r.role, 0), r.kind != USER, r.subject_id))


def _groups(session: Session, team_id: str) -> list[Role]:
    # A workspace maps a handful of user groups: read them all, look for the person in their members.
    return list(session.scalars(select(Role).where(Role.team_id == team_id, Role.kind == USERGROUP)))


def resolve(
    session: Session, user_id: str, *, team_id: str = LOCAL_TEAM, default: str = DEFAULT_ROLE
) -> Resolved:
    own = session.get(Role, (team_id, user_id))
    if own is not None and own.kind == USER:
        return Resolved(own.role, "own")
    best: Role | None = None
    for group in _groups(session, team_id):
        if user_id in (group.members or []) and (best is None or RANK[group.role] > RANK[best.role]):
            best = group
    if best is not None:
        return Resolved(best.role, "group", best.subject_id)
    return Resolved(default, "default")


def role_of(session: Session, user_id: str, *, team_id: str = LOCAL_TEAM, default: str = DEFAULT_ROLE) -> str:
    return resolve(session, user_id, team_id=team_id, default=default).role


def admins(
    session: Session, *, team_id: str = LOCAL_TEAM, change: tuple[str, str | None] | None = None
) -> list[str]:
    """Everyone who is an admin: by their own row or through a user group (not demoted by their own
    row). ``change`` (subject, new role or None for removed) answers as if it had been made."""
    own: dict[str, str] = {}
    groups: dict[str, tuple[str, list[str]]] = {}
    for row in session.scalars(select(Role).where(Role.team_id == team_id)):
        if row.kind == USER:
            own[row.subject_id] = row.role
        else:
            groups[row.subject_id] = (row.role, list(row.members or []))
    if change is not None:
        subject, role = change
        if subject in groups:
            if role is None:
                del groups[subject]
            else:
                groups[subject] = (role, groups[subject][1])
        elif role is None:
            own.pop(subject, None)
        else:
            own[subject] = role
    found = {user for user, role in own.items() if role == ADMIN}
    for role, members in groups.values():
        if role == ADMIN:
            found |= {m for m in members if m not in own}
    return sorted(found)


def _check_an_admin_remains(session: Session, team_id: str, subject: str, role: str | None) -> None:
    if not admins(session, team_id=team_id, change=(subject, role)):
        raise UserError(
            "That would leave no admin, and nobody could change roles any more. "
            "Make someone else an admin first.",
            "/salesbot role @dana admin",
        )


def set_role(
    session: Session,
    subject_id: str,
    role: str,
    *,
    now: datetime,
    set_by: str | None,
    kind: str = USER,
    handle: str | None = None,
    members: Iterable[str] | None = None,
    team_id: str = LOCAL_TEAM,
) -> Change:
    """Give a person (or a user group, with its current ``members``) a role. The last admin stays one."""
    if role not in ROLES:
        raise UserError(f"“{role}” is not a role.", SET_EXAMPLE)
    row = session.get(Role, (team_id, subject_id))
    before = row.role if row is not None else None
    if before == ADMIN and role != ADMIN:
        _check_an_admin_remains(session, team_id, subject_id, role)
    if row is None:
        row = Role(team_id=team_id, subject_id=subject_id, kind=kind, role=role, members=[])
        session.add(row)
    row.role = role
    row.kind = kind
    row.handle = handle if handle is not None else row.handle
    row.set_by = set_by
    row.updated_at = now
    if members is not None:
        row.members = sorted(set(members))
        row.members_checked_at = now
    session.flush()
    return Change(subject_id, before, role)


def remove(session: Session, subject_id: str, *, team_id: str = LOCAL_TEAM) -> Change:
    """Forget a person's (or group's) own role: they are back to their groups' role or the default."""
    row = session.get(Role, (team_id, subject_id))
    if row is None:
        raise UserError(f"<@{subject_id}> has no role of their own to remove.", SHOW_EXAMPLE)
    before = row.role
    if before == ADMIN:
        _check_an_admin_remains(session, team_id, subject_id, None)
    session.delete(row)
    session.flush()
    return Change(subject_id, before, None)


def stale_groups(session: Session, now: datetime, *, team_id: str | None = None) -> list[Role]:
    """User groups whose members were read more than ``MEMBERS_FRESH_FOR`` ago (or never)."""
    query = select(Role).where(Role.kind == USERGROUP)
    if team_id is not None:
        query = query.where(Role.team_id == team_id)
    return [
        g
        for g in session.scalars(query)
        if g.members_checked_at is None or now - g.members_checked_at >= MEMBERS_FRESH_FOR
    ]


def refresh_members(group: Role, members: Iterable[str], *, now: datetime) -> None:
    group.members = sorted(set(members))
    group.members_checked_at = now


def seed_from_playbook(
    session: Session, seed: dict[str, Iterable[str]], *, now: datetime, team_id: str | None = None
) -> int:
    """When a workspace is first served (the very first start; in OAuth mode, each workspace when it is
    installed or first seen) the playbook's ``[roles]`` lists become its roles, if it holds none yet.

    ``seed``: role → people. A person listed twice keeps the role with the most rights. Returns how
    many people were stored (0 when the workspace already held roles).
    """
    team_id = team_id or current_team()
    if session.scalar(select(func.count()).select_from(Role).where(Role.team_id == team_id)):
        return 0
    chosen: dict[str, str] = {}
    for role in ROLES:  # most rights first: the first listing wins
        for person in seed.get(role, ()):
            chosen.setdefault(str(person), role)
    for person, role in chosen.items():
        session.add(
            Role(
                team_id=team_id,
                subject_id=person,
                kind=USER,
                role=role,
                members=[],
                set_by=None,
                updated_at=now,
            )
        )
    session.flush()
    return len(chosen)
