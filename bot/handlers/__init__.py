"""Slack listeners. Each module has ``register(app, services, …)``; ``register_all`` wires them."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import accounts, choices, events, followups, help, log
from bot.services import Services


def register_all(app: App, services: Services) -> None:
    runners: dict[str, choices.Runner] = {
        "/log": log.run_log_command,
        "/account": accounts.run_account_command,
        "/followup": followups.run_followup_command,
    }
    salesbot_subcommands: dict[str, help.SalesbotSubcommand] = {}
    events.register(app, services)
    help.register(app, services, salesbot_subcommands)
    accounts.register(app, services)
    log.register(app, services)
    followups.register(app, services)
    choices.register(app, services, runners)
