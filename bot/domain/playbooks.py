"""A workspace's own playbook: the TOML its admins set with ``/salesbot playbook set``, stored per
workspace (``workspace_playbooks``); its keys override the deployment's playbook (``SALESBOT_CONFIG``,
the default for every workspace). Checking it is ``bot/playbook.py``'s, with the errors of a start.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.playbook import DEPLOYMENT_KEYS, Playbook
from bot.storage.models import WorkspacePlaybook
from bot.toml_writer import dumps


def stored(session: Session) -> WorkspacePlaybook | None:
    """The session's workspace's own playbook, if its admins set one."""
    return session.scalar(select(WorkspacePlaybook))


def save(session: Session, text: str, *, by: str, now: datetime) -> WorkspacePlaybook:
    """Store ``text`` (already checked) as the workspace's playbook; the audit trail keeps the old one."""
    row = stored(session)
    if row is None:
        row = WorkspacePlaybook(toml=text, updated_by=by, updated_at=now)
        session.add(row)
    else:
        row.toml = text
        row.updated_by = by
        row.updated_at = now
    session.flush()
    return row


def reset(session: Session) -> bool:
    """Back to the deployment's playbook; False when the workspace had none of its own."""
    row = stored(session)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def as_toml(playbook: Playbook) -> str:
    """The effective playbook as a workspace may set it: every key, except ``[roles]`` (roles are given
    with ``/salesbot role``) and the deployment's own scheduler settings."""
    data: dict[str, Any] = copy.deepcopy(dict(playbook.raw))
    data.pop("roles", None)
    for dotted in DEPLOYMENT_KEYS:
        table, _, name = dotted.partition(".")
        if isinstance(data.get(table), dict):
            data[table].pop(name, None)
    return dumps(data)
