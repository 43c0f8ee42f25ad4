"""Every example the bot shows (in help and in error replies) is a command that works."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.domain import accounts as acc
from bot.domain import contacts as ct
from bot.domain.activities import LOG_EXAMPLE
from bot.domain.logging_grammar import WITH_EXAMPLE
from bot.handlers import contacts as contact_handlers
from bot.handlers.accounts import CARD_EXAMPLE, LINK_EXAMPLE, SET_EXAMPLE
from bot.help_text import HELP
from bot.storage.models import Opportunity, Task
from tests.helpers import Harness

# What Slack sends for what a person types in the examples.
AS_SLACK_SENDS = {
    "@alice": "<@U0ALICE|alice>",
    "@bob": "<@U0BOB|bob>",
    "#acme-shared": "<#C0ACME|acme-shared>",
    "#acme-team": "<#C0ACMETEAM|acme-team>",
    "#sales-team": "<#C0SALESTEAM|sales-team>",
    "@manager": "<@U0CAROL|carol>",
    "@sales-managers": "<!subteam^S0MGRS|@sales-managers>",
}
# Examples that act on a numbered item ("/opportunity won 12") first create one, then use its number.
CREATES = {
    "/opportunity": (
        '/opportunity add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified close:2027-01-31',
        Opportunity,
    ),
    "/followup": ("/followup Acme Corp: send the proposal tomorrow 9am", Task),
}
NUMBER_OF = {Opportunity: Opportunity.id, Task: Task.number}  # what people type: a follow-up's is per person


MANAGER_COMMANDS = {"/targets", "/stats"}


def as_sent(example: str) -> tuple[str, str]:
    for typed, sent in AS_SLACK_SENDS.items():
        example = example.replace(typed, sent)
    command, _, text = example.partition(" ")
    return command, text


CONTACT_EXAMPLES = {
    WITH_EXAMPLE,
    ct.ADD_EXAMPLE,
    ct.SET_EXAMPLE,
    ct.CARD_EXAMPLE,
    ct.LIST_EXAMPLE,
    ct.REMOVE_EXAMPLE,
    contact_handlers.TEAM_EXAMPLE,
    contact_handlers.CARD_EXAMPLE,
    contact_handlers.MAP_EXAMPLE,
}
EXAMPLES = sorted(
    {LOG_EXAMPLE, acc.ADD_EXAMPLE, acc.LIST_EXAMPLE, SET_EXAMPLE, LINK_EXAMPLE, CARD_EXAMPLE}
    | CONTACT_EXAMPLES
    | {example for entry in HELP.values() for example, _ in entry.examples if example.startswith("/")}
)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_works(bot: Harness, example: str) -> None:
    bot.command("/account", "add Globex")
    if not example.startswith("/account add"):
        bot.command(*as_sent(acc.ADD_EXAMPLE))
        assert "Created *Acme Corp*" in bot.last_text()
    if "Jane Doe" in example and not example.startswith("/contact add"):  # examples about her team
        bot.command("/contact", 'add Acme Corp "Jane Doe" role:economic-buyer')
        bot.command("/contact", 'add Acme Corp "Tom Lee" role:procurement')
    command, text = as_sent(example)
    numbered = re.search(r"\b12\b", text)
    if numbered and command in CREATES:
        create, model = CREATES[command]
        bot.command(*as_sent(create))
        with bot.db() as s:
            number = s.scalar(select(func.max(NUMBER_OF[model])))
        text = text[: numbered.start()] + str(number) + text[numbered.end() :]
    user = "U0ALICE"
    if (
        command in MANAGER_COMMANDS or command == "/team" or text.startswith("digest")
    ):  # a manager's commands, run by the manager of Alice and Bob
        user = "U0CAROL"
        bot.give_role(user, "manager")
        bot.command("/team", "add <@U0CAROL|carol> <@U0ALICE|alice> <@U0BOB|bob>", user=user)
    if command == "/salesbot" and text.startswith(("failed", "role", "playbook")):  # an admin's commands
        bot.give_role(user, "admin")
        bot.fake.add_usergroup("S0MGRS", ["U0BOB"])
    bot.command(command, text, user=user)
    if text or command != "/log":
        assert ":warning:" not in bot.last_text(), bot.last_text()
        assert ":lock:" not in bot.last_text(), bot.last_text()  # nor refused
    else:
        assert bot.fake.params("views.open")  # `/log` alone opens the form
