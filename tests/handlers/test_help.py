from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.handlers import register_all
from tests.helpers import Harness

LOG_EXAMPLES = (
    "/log call Acme Corp: discussed renewal, wants pricing for 20 more seats",
    "/log meeting Globex yesterday 3pm: demo went well",
    "`/log`",
    "Log as activity",
)
ACCOUNT_EXAMPLES = (
    "/account add Acme Corp tier:gold status:customer owner:@alice csm:@bob tags:retail,north mrr:4200 renewal:2027-03-31",
    "/account set Acme Corp tier:silver",
    "/account Acme Corp",
    "/account list tier:gold owner:@alice tag:retail",
    "/account link Acme Corp #acme-shared",
)


def test_salesbot_help_explains_every_command(bot: Harness) -> None:
    bot.command("/salesbot", "help")
    text = bot.last_text()
    for example in LOG_EXAMPLES + ACCOUNT_EXAMPLES + ("/salesbot help",):
        assert example in text, example
    bot.command("/salesbot", "")
    assert bot.last_text() == text


def test_an_unknown_salesbot_subcommand_is_named_before_the_help(bot: Harness) -> None:
    bot.command("/salesbot", "help")
    help_text = bot.last_text()
    bot.command("/salesbot", "rolez <!channel>")
    text = bot.last_text()
    assert text.startswith(":warning: I don't know `/salesbot rolez`. Sub-commands: ")
    assert "`role`" in text and "`roles`" in text and text.endswith(help_text)
    assert "<!channel>" not in text


def test_log_help(bot: Harness) -> None:
    bot.command("/log", "help")
    text = bot.last_text()
    for example in LOG_EXAMPLES:
        assert example in text, example
    assert "Types: :telephone_receiver: `call`, :email: `email`, :handshake: `meeting`" in text
    assert "/account add" not in text and "All commands: `/salesbot help`" in text


def test_account_help(bot: Harness) -> None:
    for text in ("help", ""):
        bot.command("/account", text)
        shown = bot.last_text()
        for example in ACCOUNT_EXAMPLES:
            assert example in shown, example
        assert "tier status owner csm tags mrr renewal channel external_id name" in shown


def test_salesbot_help_lists_every_salesbot_subcommand_there_is(bot: Harness) -> None:
    """Every word the ``/salesbot`` dispatcher takes has its examples in ``/salesbot help``."""
    app = App(
        signing_secret="s",
        client=WebClient(token="xoxb-test", base_url=bot.fake.api_url),
        token_verification_enabled=False,
    )
    subcommands = register_all(app, bot.services)
    assert {"failed", "nudges", "digest", "role", "roles"} <= set(subcommands)
    bot.command("/salesbot", "help")
    shown = bot.last_text()
    assert [word for word in sorted(subcommands) if f"`/salesbot {word}" not in shown] == []
    for example in (
        "/salesbot role @bob manager",
        "/salesbot role @sales-managers manager",
        "/salesbot roles",
    ):
        assert f"`{example}`" in shown, example
