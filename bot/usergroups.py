"""Slack user groups mapped to a role: their members, read with ``usergroups.users.list``.

The members are kept on the group's ``roles`` row; a planning pass reads them again when the copy is
older than ``roles.MEMBERS_FRESH_FOR`` (an hour), so a person added to ``@sales-managers`` gets its
role within the hour, and every request reads roles from the database only.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import roles
from bot.storage.models import Role

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


class UnknownGroup(Exception):
    def __init__(self, group_id: str, error: str) -> None:
        super().__init__(f"{group_id}: {error}")
        self.group_id = group_id
        self.error = error


def members(client: WebClient, group_id: str) -> list[str]:
    """The group's members now; ``UnknownGroup`` when Slack does not know it (or won't say)."""
    try:
        response = client.usergroups_users_list(usergroup=group_id)
    except SlackApiError as exc:
        raise UnknownGroup(group_id, str(exc.response.get("error"))) from exc
    return [str(u) for u in response.get("users") or []]


def refresh_stale(services: Services, now: datetime) -> None:
    """Planning pass: read the members of every group whose copy is older than an hour."""
    with services.uow(read_only=True) as session:
        stale = [(g.team_id, g.subject_id) for g in roles.stale_groups(session, now)]
    for team_id, group_id in stale:
        try:
            found = members(services.client, group_id)
        except UnknownGroup as exc:
            log.warning("could not read the members of user group %s: %s", group_id, exc.error)
            continue
        with services.uow() as session:
            row = session.get(Role, (team_id, group_id))
            if row is not None:
                roles.refresh_members(row, found, now=now)
