"""/team: who reports to whom (add, remove, show, channel). Admins and the manager concerned change a
team; everyone reads it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.common import Block, context, section
from bot.blocks.help import help_blocks
from bot.blocks.teams import (
    added_blocks,
    channel_blocks,
    removed_blocks,
    team_blocks,
    teams_blocks,
)
from bot.domain import permissions, teams
from bot.domain.errors import UserError
from bot.domain.grammar import channel_id_of, tokenize, user_id_of
from bot.domain.text import escape
from bot.handlers.common import reply, team_of
from bot.services import Services

VERBS = "`add`, `remove`, `show`, `channel`"


def _people(words: list[str], example: str) -> list[str]:
    ids = []
    for word in words:
        user_id = user_id_of(word)
        if user_id is None:
            raise UserError(f"“{escape(word)}” is not a person. Mention people with @.", example)
        ids.append(user_id)
    return ids


def _manager_and_rest(rest: str, example: str) -> tuple[str, list[str]]:
    words = tokenize(rest)
    if not words:
        raise UserError("Name the manager first, with @.", example)
    manager = _people(words[:1], example)[0]
    return manager, words[1:]


def run_team_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    word, _, rest = text.partition(" ")
    verb = word.lower()
    now = services.clock.now()
    blocks: list[Block]
    if verb == "help":
        reply(respond, help_blocks("/team"))
        return
    if verb == "":
        with services.uow() as session:
            blocks = teams_blocks(teams.all_teams(session, team_id=team_id))
    elif verb == "show":
        manager, extra = _manager_and_rest(rest, teams.SHOW_EXAMPLE)
        if extra:
            raise UserError("`/team show` takes one manager.", teams.SHOW_EXAMPLE)
        with services.uow() as session:
            blocks = team_blocks(
                manager,
                teams.members_of(session, manager, team_id=team_id),
                teams.channel_of(session, manager, team_id=team_id),
                teams.manager_of(session, manager, team_id=team_id),
            )
    elif verb in ("add", "remove"):
        example = teams.ADD_EXAMPLE if verb == "add" else teams.REMOVE_EXAMPLE
        manager, words = _manager_and_rest(rest, example)
        members = _people(words, example)
        with services.uow() as session:
            permissions.require(session, user_id, permissions.TEAM, manager, team_id=team_id)
            if verb == "add":
                added = teams.add_members(session, manager, members, now=now, team_id=team_id)
                blocks = added_blocks(manager, added, teams.members_of(session, manager, team_id=team_id))
            else:
                removed = teams.remove_members(session, manager, members, team_id=team_id)
                blocks = removed_blocks(manager, removed, teams.members_of(session, manager, team_id=team_id))
    elif verb == "channel":
        manager, words = _manager_and_rest(rest, teams.CHANNEL_EXAMPLE)
        if len(words) != 1:
            raise UserError("Give the manager and one #channel (or `dm`).", teams.CHANNEL_EXAMPLE)
        channel = channel_id_of(words[0])
        if channel is None and words[0].lower() not in ("dm", "off", "none"):
            raise UserError(
                f"“{escape(words[0])}” is not a channel. Mention it with #.", teams.CHANNEL_EXAMPLE
            )
        with services.uow() as session:
            permissions.require(session, user_id, permissions.TEAM, manager, team_id=team_id)
            teams.set_channel(session, manager, channel, now=now, team_id=team_id)
        blocks = channel_blocks(manager, channel)
    else:
        raise UserError(f"I don't know `/team {escape(word)}`. Use {VERBS}.", teams.ADD_EXAMPLE)
    reply(respond, blocks)


def error_blocks(err: UserError) -> list[Block]:
    """Like the shared error reply, but the message may hold mentions built from user ids (never typed
    text: that is escaped where it is quoted), so people read names rather than ids."""
    blocks = [section(f"{':lock:' if err.mrkdwn else ':warning:'} {err.message}")]
    if err.example:
        blocks.append(context(f"Example: `{escape(err.example)}`"))
    return blocks


def register(app: App, services: Services) -> None:
    @app.command("/team")
    def team_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_team_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply(respond, error_blocks(err))
