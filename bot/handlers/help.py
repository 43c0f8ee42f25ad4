"""/salesbot: help and admin commands."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.common import section
from bot.blocks.help import help_blocks
from bot.domain.text import escape
from bot.handlers.common import reply
from bot.services import Services

# Sub-commands of /salesbot contributed by other modules: name → (text, user_id, respond) handler.
SalesbotSubcommand = Any
# Those that need the whole command (its trigger_id, to open a form) and the client:
# name → (text, command, respond, client) handler.
CommandSubcommand = Any


def register(
    app: App,
    services: Services,
    subcommands: dict[str, SalesbotSubcommand],
    command_subcommands: dict[str, CommandSubcommand] | None = None,
) -> None:
    with_command = command_subcommands if command_subcommands is not None else {}

    @app.command("/salesbot")
    def salesbot_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        text = (command.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        handler = subcommands.get(word.lower())
        if handler is not None:
            handler(rest.strip(), command["user_id"], respond)
            return
        if (full := with_command.get(word.lower())) is not None:
            full(rest.strip(), command, respond, client)
            return
        blocks = help_blocks(None)
        if word and word.lower() != "help":
            known = ", ".join(f"`{name}`" for name in sorted({*subcommands, *with_command}))
            blocks = [
                section(f":warning: I don't know `/salesbot {escape(word)}`. Sub-commands: {known}, `help`."),
                *blocks,
            ]
        reply(respond, blocks)
