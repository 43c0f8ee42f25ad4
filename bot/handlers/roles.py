"""/salesbot role and /salesbot roles: who is admin, manager, csm, rep or viewer. Everyone reads them;
admins change them (people, or Slack user groups resolved with ``usergroups.users.list``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond

from bot import usergroups
from bot.blocks.roles import changed_blocks, group_shown_blocks, roles_blocks, shown_blocks, who
from bot.domain import permissions, roles
from bot.domain.errors import UserError
from bot.domain.grammar import tokenize, user_id_of, usergroup_of
from bot.domain.text import escape, mention
from bot.handlers.common import reply, reply_error
from bot.services import Services
from bot.storage.models import Role
from bot.storage.tenancy import current_team

REMOVE_WORDS = ("remove", "reset", "default", "none")


def run_role_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    words = tokenize(text)
    if not words or len(words) > 2:
        raise UserError("Name one person or @group, then the role.", roles.SET_EXAMPLE)
    person = user_id_of(words[0])
    group = usergroup_of(words[0])
    if person is None and group is None:
        raise UserError(
            f"“{escape(words[0])}” is not a person or a user group. Mention them with @.", roles.SET_EXAMPLE
        )
    if len(words) == 1:
        with services.uow(read_only=True) as session:
            if person is not None:
                resolved = roles.resolve(session, person, team_id=team_id)
                source = session.get(Role, (team_id, resolved.group)) if resolved.group else None
                reply(respond, shown_blocks(person, resolved, source))
            else:
                assert group is not None
                row = session.get(Role, (team_id, group[0]))
                reply(respond, group_shown_blocks(row, group[1], group[0]))
        return
    removing = words[1].lower() in REMOVE_WORDS
    role = None if removing else roles.parse_role(words[1])
    now = services.clock.now()
    members: list[str] | None = None
    if group is not None and role is not None:
        with services.uow(read_only=True) as session:  # refuse before asking Slack anything
            permissions.require(session, user_id, permissions.MANAGE_ROLES, team_id=team_id)
        try:
            members = usergroups.members(services.client, group[0])
        except usergroups.UnknownGroup as exc:
            raise UserError(
                f"Slack doesn't let me read the members of that group ({escape(exc.error)}); nothing changed.",
                "/salesbot role @sales-managers manager",
            ) from exc
    with services.uow() as session:
        permissions.require(session, user_id, permissions.MANAGE_ROLES, team_id=team_id)
        subject = person or (group[0] if group else "")
        if role is None:
            change = roles.remove(session, subject, team_id=team_id)
        else:
            change = roles.set_role(
                session,
                subject,
                role,
                now=now,
                set_by=user_id,
                kind=roles.USER if person else roles.USERGROUP,
                handle=group[1] if group else None,
                members=members,
                team_id=team_id,
            )
        row = session.get(Role, (team_id, subject))
        label = (
            mention(person)
            if person
            else (who(row) if row else f"*@{escape(group[1] if group else subject)}*")
        )
    reply(respond, changed_blocks(label, change))


def register(app: App, services: Services, subcommands: dict[str, Any]) -> None:
    services.planning_passes.append(usergroups.refresh_stale)

    def role_subcommand(text: str, user_id: str, respond: Respond) -> None:
        try:
            run_role_command(services, text, user_id, respond, current_team())
        except UserError as err:
            reply_error(respond, err, command="/salesbot", text=f"role {text}")

    def roles_subcommand(text: str, user_id: str, respond: Respond) -> None:
        with services.uow(read_only=True) as session:
            reply(respond, roles_blocks(roles.rows(session, team_id=current_team())))

    subcommands["role"] = role_subcommand
    subcommands["roles"] = roles_subcommand
