"""Every example the bot shows (in help and in error replies) is a command that works."""

from __future__ import annotations

import pytest

from bot.domain import accounts as acc
from bot.domain.activities import LOG_EXAMPLE
from bot.handlers.accounts import CARD_EXAMPLE, LINK_EXAMPLE, SET_EXAMPLE
from bot.help_text import HELP
from tests.helpers import Harness

# What Slack sends for what a person types in the examples.
AS_SLACK_SENDS = {
    "@alice": "<@U0ALICE|alice>",
    "@bob": "<@U0BOB|bob>",
    "#acme-shared": "<#C0ACME|acme-shared>",
}


def as_sent(example: str) -> tuple[str, str]:
    for typed, sent in AS_SLACK_SENDS.items():
        example = example.replace(typed, sent)
    command, _, text = example.partition(" ")
    return command, text


EXAMPLES = sorted(
    {LOG_EXAMPLE, acc.ADD_EXAMPLE, acc.LIST_EXAMPLE, SET_EXAMPLE, LINK_EXAMPLE, CARD_EXAMPLE}
    | {example for entry in HELP.values() for example, _ in entry.examples if example.startswith("/")}
)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_works(bot: Harness, example: str) -> None:
    bot.command("/account", "add Globex")
    if not example.startswith("/account add"):
        bot.command(*as_sent(acc.ADD_EXAMPLE))
        assert "Created *Acme Corp*" in bot.last_text()
    command, text = as_sent(example)
    bot.command(command, text)
    if text:
        assert ":warning:" not in bot.last_text(), bot.last_text()
    else:
        assert bot.fake.params("views.open")  # `/log` alone opens the form
