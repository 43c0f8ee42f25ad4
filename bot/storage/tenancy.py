"""Which workspace the current work belongs to.

A request sets it from what Slack sends (``SalesbotApp.dispatch``); the scheduler's passes set it for
each installed workspace in turn; the command line sets it from ``--team``. It travels with the work
handed to the pools (``WorkPool.submit`` copies the context). In single-workspace mode (a bot token in
the environment) it is always ``LOCAL_TEAM``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from bot.storage.models import LOCAL_TEAM


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
