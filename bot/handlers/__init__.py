"""Slack listeners. Each module has ``register(app, services, …)``; ``register_all`` wires them."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import (
    accounts,
    agenda,
    choices,
    contacts,
    delivery,
    digest,
    dm,
    edit_forms,
    events,
    followups,
    help,
    history,
    in_place,
    log,
    nudges,
    opportunities,
    playbook,
    roles,
    signals,
    stats,
    targets,
    teams,
    visits,
)
from bot.services import Services


def register_all(app: App, services: Services) -> dict[str, help.SalesbotSubcommand]:
    """Wire every listener; returns the ``/salesbot`` sub-commands (each has its help: a test checks)."""
    runners: dict[str, choices.Runner] = {
        "/log": log.run_log_command,
        "/account": accounts.run_account_command,
        "/signal": signals.run_signal_command,
        "/opportunity": opportunities.run_opportunity_command,
        "/followup": followups.run_followup_command,
        "/visit": visits.run_visit_command,
        "/contact": contacts.run_contact_command,
    }
    salesbot_subcommands: dict[str, help.SalesbotSubcommand] = {}
    command_subcommands: dict[str, help.CommandSubcommand] = {}
    events.register(app, services)
    in_place.register(app)
    help.register(app, services, salesbot_subcommands, command_subcommands)
    delivery.register(app, services, salesbot_subcommands)
    accounts.register(app, services)
    log.register(app, services)
    signals.register(app, services)
    opportunities.register(app, services)
    contacts.register(app, services)
    followups.register(app, services)
    visits.register(app, services)
    agenda.register(app, services)
    choices.register(app, services, runners)
    nudges.register(app, services, salesbot_subcommands)
    dm.register(app, services)
    teams.register(app, services)
    targets.register(app, services)
    stats.register(app, services)
    digest.register(app, services, salesbot_subcommands)
    edit_forms.register(app, services)
    history.register(app, services)
    roles.register(app, services, salesbot_subcommands)
    playbook.register(app, services, salesbot_subcommands, command_subcommands)
    return {**salesbot_subcommands, **command_subcommands}
