"""``/salesbot digest now [@manager]``: the team's weekly digest on demand (managers and admins);
the scheduled digests and personal summaries are wired here too."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond

from bot.blocks.common import section
from bot.blocks.help import help_blocks
from bot.blocks.stats import refused_blocks
from bot.domain import permissions, teams
from bot.domain.errors import UserError
from bot.domain.grammar import tokenize, user_id_of
from bot.domain.text import channel_link, escape, mention
from bot.handlers.common import reply, reply_error
from bot.reminders import digest
from bot.services import Services

EXAMPLE = "/salesbot digest now @manager"


def run_digest_command(services: Services, text: str, user_id: str, respond: Respond) -> None:
    words = tokenize(text)
    if not words or words[0].lower() == "help":
        reply(respond, help_blocks("/salesbot digest"))
        return
    if words[0].lower() != "now" or len(words) > 2:
        raise UserError(f"I don't know `/salesbot digest {escape(text)}`.", EXAMPLE)
    manager = user_id
    if len(words) == 2:
        mentioned = user_id_of(words[1])
        if mentioned is None:
            raise UserError(f"“{words[1]}” is not a person. Mention the manager with @.", EXAMPLE)
        manager = mentioned
    tz = services.people.get(user_id).tz
    now = services.clock.now()
    with services.uow() as session:
        if not permissions.allowed(session, user_id, permissions.DIGEST, manager):
            reply(respond, refused_blocks())
            return
        teams.require_members(
            session, manager, asked_by=user_id, command="/salesbot digest now", example=EXAMPLE
        )
        channel = teams.channel_of(session, manager)
        digest.request_now(services, session, manager, now, tz)
    where = channel_link(channel) if channel else f"{mention(manager)} by DM"
    reply(
        respond,
        [section(f":bar_chart: The weekly digest of {mention(manager)}'s team is on its way to {where}.")],
    )


def register(app: App, services: Services, subcommands: dict[str, Any]) -> None:
    digest.install(services)

    def digest_subcommand(text: str, user_id: str, respond: Respond) -> None:
        try:
            run_digest_command(services, text, user_id, respond)
        except UserError as err:
            reply_error(respond, err, command="/salesbot", text=f"digest {text}")

    subcommands["digest"] = digest_subcommand
