"""Which workspace the current work belongs to, and the rule that keeps every workspace's rows apart.

A request sets the workspace from what Slack sends (``SalesbotApp.dispatch``); the scheduler's passes
set it for each installed workspace in turn (``bot/reminders/scheduler.py``); the command line sets
it from ``--team``. It travels with the work handed to the pools (``WorkPool.submit`` copies the
context). In single-workspace mode (a bot token in the environment) it is always ``LOCAL_TEAM``.

Every model that belongs to a workspace is ``TeamOwned``: its ``team_id`` is stamped from the current
workspace when a row is inserted (ORM or Core ``insert()``: a column default), and every ORM
``SELECT``, ``UPDATE`` and ``DELETE`` through a session gets ``team_id = <current>`` added for every
``TeamOwned`` entity it touches, joins and subqueries included (``with_loader_criteria`` in a
``do_orm_execute`` hook). Queries need not, and mostly do not, name the team. A statement that must
see every workspace (purging one, listing them) says so with ``execution_options(all_teams=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria

LOCAL_TEAM = "T_LOCAL"
ALL_TEAMS = "all_teams"  # execution option: this statement spans workspaces


@dataclass(frozen=True)
class Workspace:
    """A Slack workspace as a request names it. ``team_id`` keys its data (an org-wide install on
    Enterprise Grid: the workspace the request came from, else the organisation itself)."""

    team_id: str
    enterprise_id: str | None = None
    is_enterprise_install: bool = False


LOCAL = Workspace(LOCAL_TEAM)
_CURRENT: ContextVar[Workspace] = ContextVar("salesbot_workspace", default=LOCAL)


def current() -> Workspace:
    return _CURRENT.get()


def current_team() -> str:
    return _CURRENT.get().team_id


@contextmanager
def as_workspace(workspace: Workspace) -> Iterator[Workspace]:
    token = _CURRENT.set(workspace)
    try:
        yield workspace
    finally:
        _CURRENT.reset(token)


def as_team(team_id: str, enterprise_id: str | None = None) -> Any:
    return as_workspace(Workspace(team_id, enterprise_id))


def workspace_of(body: dict[str, Any]) -> Workspace | None:
    """The workspace a request comes from, as Slack names it (None: the request names none)."""
    team = body.get("team")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    enterprise = body.get("enterprise")
    enterprise_id = body.get("enterprise_id") or (
        enterprise.get("id") if isinstance(enterprise, dict) else None
    )
    user = body.get("user")
    if not team_id and isinstance(user, dict):
        team_id = user.get("team_id")
    if not team_id:  # events: authorizations name the installation
        for authorization in body.get("authorizations") or []:
            if isinstance(authorization, dict):
                team_id = authorization.get("team_id")
                enterprise_id = enterprise_id or authorization.get("enterprise_id")
                break
    org_wide = str(body.get("is_enterprise_install", "")).lower() == "true"
    key = team_id or enterprise_id
    if not key:
        return None
    return Workspace(str(key), str(enterprise_id) if enterprise_id else None, org_wide)


class TeamOwned:
    """Mixin of every model whose rows belong to one workspace."""

    team_id: Mapped[str] = mapped_column(String(32), default=current_team, index=True)


def session_team(session: Session) -> str:
    """The workspace a session works for: fixed when its unit of work opened, else the current one."""
    return str(session.info.get("team_id") or current_team())


@event.listens_for(Session, "do_orm_execute")
def _only_this_team(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load or state.execution_options.get(ALL_TEAMS):
        return
    team = session_team(state.session)
    state.statement = state.statement.options(
        with_loader_criteria(TeamOwned, lambda cls: cls.team_id == team, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_team(session: Session, _context: Any, _instances: Any) -> None:
    """New rows belong to the session's workspace (the column default covers inserts outside a session)."""
    team = session_team(session)
    for obj in session.new:
        if isinstance(obj, TeamOwned) and not getattr(obj, "team_id", None):
            obj.team_id = team
