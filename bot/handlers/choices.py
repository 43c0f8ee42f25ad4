"""Buttons offered by error replies: pick one of several accounts, or create the one that was missing.

The button carries the original command; after the choice the command runs again with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.accounts import created_blocks
from bot.blocks.common import error_blocks, section
from bot.domain import accounts as acc
from bot.domain import contacts, permissions
from bot.domain.errors import UserError
from bot.domain.text import escape
from bot.handlers.common import reply, reply_error, substitute_account, team_of
from bot.services import Services
from bot.storage.models import Account

Runner = Callable[[Services, str, str, Respond, str], None]


def register(app: App, services: Services, runners: dict[str, Runner]) -> None:
    def rerun(body: dict[str, Any], respond: Respond, data: dict[str, Any], name: str) -> None:
        command, text = data.get("cmd", ""), data.get("text", "")
        runner = runners.get(command)
        user_id = body["user"]["id"]
        if not runner or not text:
            reply(
                respond,
                [section(f"Selected *{escape(name)}*. Run your command again with that name.")],
                replace=True,
            )
            return
        new_text = substitute_account(text, data.get("typed", ""), name)
        try:
            runner(services, new_text, user_id, respond, team_of(body))
        except UserError as err:
            reply_error(respond, err, command=command, text=new_text)

    @app.action("pick_account")
    def pick_account(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        data = json.loads(action["value"])
        with services.uow() as session:
            account = session.get(Account, int(data["v"]))
            name = account.name if account else None
        if name is None:
            reply(respond, [section("That account no longer exists.")], replace=True)
            return
        rerun(body, respond, data, name)

    @app.action("pick_account_name")
    def pick_account_name(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        data = json.loads(action["value"])
        rerun(body, respond, data, data["v"])

    @app.action("pick_contact")
    def pick_contact(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        data = json.loads(action["value"])
        rerun(body, respond, data, data["v"])

    @app.action("create_contact")
    def create_contact(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """An unknown name in ``/log … with`` or ``/opportunity team``: add them to the account, then re-run."""
        ack()
        data = json.loads(action["value"])
        account_id, _, name = str(data["v"]).partition(":")
        user_id = body["user"]["id"]
        try:
            with services.uow() as session:
                account = session.get(Account, int(account_id))
                if account is None:
                    raise UserError("That account no longer exists.")
                contact = contacts.create(
                    session, account=account, name=name, values={}, playbook=services.playbook,
                    created_by=user_id, now=services.clock.now(),
                )  # fmt: skip
                created = (contact.name, account.name)
        except permissions.PermissionDenied as err:
            reply(respond, error_blocks(err))
            return
        except UserError as err:
            reply(respond, [section(f":warning: {escape(err.message)}")], replace=True)
            return
        reply(
            respond,
            [
                section(
                    f":white_check_mark: Added *{escape(created[0])}* to *{escape(created[1])}*. "
                    f'Give them a role: `/contact set "{escape(created[0])}" role:champion`.'
                )
            ],
        )
        rerun(body, respond, data, created[0])

    @app.action("create_account")
    def create_account(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        data = json.loads(action["value"])
        user_id = body["user"]["id"]
        try:
            with services.uow() as session:
                account = acc.create(
                    session, data["v"], {}, playbook=services.playbook, now=services.clock.now(),
                    created_by=user_id, team_id=team_of(body),
                )  # fmt: skip
                name = account.name
        except permissions.PermissionDenied as err:
            reply(respond, error_blocks(err))
            return
        except UserError as err:
            reply(respond, [section(f":warning: {escape(err.message)}")], replace=True)
            return
        reply(respond, created_blocks(name, services.playbook.default_status, user_id))
        rerun(body, respond, data, name)
