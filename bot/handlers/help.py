"""/salesbot: help and admin commands."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.common import section
from bot.blocks.help import help_blocks
from bot.domain.text import escape
from bot.handlers.common import reply
from bot.services import Services

# Sub-commands of /salesbot contributed by other modules: name → (text, user_id, respond) handler.
SalesbotSubcommand = Any


def register(app: App, services: Services, subcommands: dict[str, SalesbotSubcommand]) -> None:
    @app.command("/salesbot")
    def salesbot_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        handler = subcommands.get(word.lower())
        if handler is not None:
            handler(rest.strip(), command["user_id"], respond)
            return
        blocks = help_blocks(None)
        if word and word.lower() != "help":
            known = ", ".join(f"`{name}`" for name in sorted(subcommands))
            blocks = [
                section(f":warning: I don't know `/salesbot {escape(word)}`. Sub-commands: {known}, `help`."),
                *blocks,
            ]
        reply(respond, blocks)
