"""/salesbot failed: failed deliveries for admins, each with a Retry button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.common import Block, section
from bot.blocks.delivery import RETRY_ACTION, destination, failed_list, not_admin
from bot.domain import permissions
from bot.domain.text import escape
from bot.handlers.common import reply
from bot.reminders import failed
from bot.services import Services
from bot.storage.tenancy import current_team


def show_failed(services: Services, user_id: str, respond: Respond, *, note: str | None = None) -> None:
    with services.uow() as session:
        items, total = failed.list_failed(session)
    blocks = failed_list(items, total, services.people.tz(user_id), now=services.clock.now(), note=note)
    reply(respond, blocks, replace=note is not None)


def _refusal(services: Services, user_id: str) -> list[Block] | None:
    """None for an admin; else the polite refusal naming the admins."""
    with services.uow(read_only=True) as session:
        try:
            permissions.require(session, user_id, permissions.FAILED, team_id=current_team())
        except permissions.PermissionDenied as err:
            return not_admin(err.message)
    return None


def register(app: App, services: Services, subcommands: dict[str, Any]) -> None:
    def failed_command(text: str, user_id: str, respond: Respond) -> None:
        refusal = _refusal(services, user_id)
        if refusal is not None:
            reply(respond, refusal)
            return
        show_failed(services, user_id, respond)

    subcommands["failed"] = failed_command

    @app.action(RETRY_ACTION)
    def retry_delivery(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        refusal = _refusal(services, user_id)
        if refusal is not None:
            reply(respond, refusal)
            return
        try:
            reminder_id = int(action.get("value", ""))
        except ValueError:
            reply(respond, [section(":warning: That button is out of date. Run `/salesbot failed` again.")])
            return
        with services.uow() as session:
            item = failed.retry(session, reminder_id)
            status = None if item else failed.status_of(session, reminder_id)
        if item is not None:
            note = f":arrows_counterclockwise: Queued again: *{escape(item.kind)}* → {destination(item)}."
        elif status is None:
            note = "That delivery no longer exists."
        else:
            note = f"That delivery is not failed any more (it is *{escape(status)}*)."
        show_failed(services, user_id, respond, note=note)
