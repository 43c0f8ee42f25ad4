"""Slack listeners. Each module has ``register(app, services, …)``; ``register_all`` wires them."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import accounts, agenda, choices, events, help, log, visits
from bot.services import Services


def register_all(app: App, services: Services) -> None:
    runners: dict[str, choices.Runner] = {
        "/log": log.run_log_command,
        "/account": accounts.run_account_command,
        "/visit": visits.run_visit_command,
    }
    salesbot_subcommands: dict[str, help.SalesbotSubcommand] = {}
    events.register(app, services)
    help.register(app, services, salesbot_subcommands)
    accounts.register(app, services)
    log.register(app, services)
    visits.register(app, services)
    agenda.register(app, services)
    choices.register(app, services, runners)
