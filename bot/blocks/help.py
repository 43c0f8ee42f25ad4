from __future__ import annotations

from bot.blocks.common import Block, context, divider, header, section
from bot.help_text import HELP, CommandHelp


def _command(entry: CommandHelp) -> list[Block]:
    lines = [f"*{entry.command}* — {entry.summary}"]
    lines += [f"• `{example}`  {what}" for example, what in entry.examples]
    return [section("\n".join(lines))]


def help_blocks(command: str | None = None) -> list[Block]:
    if command and command in HELP:
        return [*_command(HELP[command]), context("All commands: `/salesbot help`")]
    blocks: list[Block] = [header("salesbot — your sales assistant in Slack")]
    for entry in HELP.values():
        blocks += _command(entry)
    blocks += [
        divider(),
        context("Mention people with @ and channels with #. Dates are in your own time zone."),
    ]
    return blocks
