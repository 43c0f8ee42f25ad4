"""Edit forms: the account card's Edit button, "Edit a follow-up…" and "Edit an opportunity…" menus.

The form opens (``views.open``) right after the ack, with what is stored; a submission is checked
field by field with the rules of the matching command, and refusals are shown in the form
(``response_action: errors``) with nothing written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import edit_forms as ef
from bot.blocks.accounts import changes_blocks
from bot.blocks.common import Block, section
from bot.blocks.opportunities import opportunity_line
from bot.domain import accounts as acc
from bot.domain import followups, permissions
from bot.domain import opportunities as opp
from bot.domain.errors import UserError
from bot.domain.forms import Errors, check_each, field_message, followup_due, followup_title
from bot.domain.text import escape, titled
from bot.handlers.common import post_to_user, reply, team_of
from bot.people import cached_person
from bot.reminders.followups import schedule
from bot.services import Services
from bot.storage.models import Account

OPPORTUNITY_FIELD_NAMES = {"close_date": "close", "owner_id": "owner"}


def _where(body: dict[str, Any]) -> dict[str, Any]:
    """What the submission needs to answer where the person was."""
    return {"channel": (body.get("channel") or {}).get("id")}


def _refuse(respond: Respond, message: str | UserError) -> None:
    if isinstance(message, UserError) and message.mrkdwn:  # a refusal naming who may: only to them
        reply(respond, [section(f":lock: {message.message}")])
        return
    text = message.message if isinstance(message, UserError) else message
    reply(respond, [section(f":information_source: {escape(text)}")])


def _field_refusal(services: Services, err: UserError) -> str:
    """A refusal as a form field's error (plain text: people by name, not as mentions)."""
    if not err.mrkdwn:
        return field_message(err.message)

    def name(match: re.Match[str]) -> str:
        return "@" + (services.people.get(match.group(1), refresh=False).name or match.group(1))

    return field_message(re.sub(r"<@([UW][A-Z0-9]+)>", name, err.message).replace("*", ""))


def register(app: App, services: Services) -> None:
    # -- the account ------------------------------------------------------------------------------
    @app.action(re.compile(f"^({ef.ACCOUNT_EDIT}|{ef.ACCOUNT_EDIT_OLD})$"))
    def open_account_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            with services.uow() as session:
                account = session.get(Account, ef.picked_id(action))
                if account is not None:
                    permissions.require(session, body["user"]["id"], permissions.CHANGE, account)
                view = ef.account_modal(account, services.playbook, _where(body)) if account else None
        except permissions.PermissionDenied as err:
            _refuse(respond, err)
            return
        if view is None:
            _refuse(respond, "That account no longer exists.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ef.ACCOUNT_MODAL)
    def account_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        fields = ef.read_account_form(view["state"]["values"])
        values, errors = check_each(fields, lambda one: acc.validate_fields(one, services.playbook))
        changes: dict[str, tuple[Any, Any]] = {}
        name = ""
        if not errors:
            try:
                with services.uow() as session:
                    account = session.get(Account, int(meta.get("account") or 0))
                    if account is None or account.team_id != team_of(body):
                        raise UserError("That account was deleted meanwhile; nothing was changed.")
                    permissions.require(session, user_id, permissions.CHANGE, account)
                    changes = acc.update(session, account, values, now=services.clock.now(), by=user_id)
                    name = account.name
            except UserError as err:  # the name another account has, or a refusal: nothing was written
                errors = {"name": _field_refusal(services, err)}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        post_to_user(client, user_id, meta.get("channel"), changes_blocks(name, changes, acc.FIELD_OF_COLUMN))
        if changes:
            services.changed(user_id)

    # -- a follow-up ------------------------------------------------------------------------------
    @app.action(ef.FOLLOWUP_EDIT)
    def open_followup_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user_id = body["user"]["id"]
        tz = services.people.get(user_id, refresh=False).tz
        try:
            with services.uow() as session:
                task = followups.for_change(session, ef.picked_id(action), user_id)
                account = session.get(Account, task.account_id)
                assert account is not None
                view = ef.followup_modal(task, account, tz, _where(body))
        except UserError as err:
            _refuse(respond, err)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ef.FOLLOWUP_MODAL)
    def followup_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        form = ef.read_followup_form(view["state"]["values"])
        now = services.clock.now()
        editor = services.people.get(user_id)
        assignee_id = form["assignee"] or ""
        assignee = services.people.get(assignee_id) if assignee_id else editor
        errors: Errors = {}
        title = ""
        try:
            title = followup_title(form["title"] or "")
        except UserError as err:
            errors["title"] = field_message(err.message)
        if not assignee_id:
            errors["assignee"] = "Pick who does it."
        try:
            due, all_day = followup_due(
                form["date"],
                form["time"],
                now=now,
                editor_tz=editor.tz,
                hours=assignee.working_hours,
                assignee_tz=assignee.tz,
            )
        except UserError as err:
            errors["time" if form["time"] else "date"] = field_message(err.message)
        blocks: list[Block] = []
        people: tuple[str | None, ...] = ()
        if not errors:
            try:
                with services.uow() as session:
                    task = followups.for_change(session, int(meta.get("task") or 0), user_id)
                    account = session.get(Account, task.account_id)
                    assert account is not None
                    people = (task.assignee_id, assignee_id, task.created_by)
                    moved = (task.due_at, task.all_day, task.assignee_id) != (due, all_day, assignee_id)
                    if title != titled(task.title, account.name):  # unchanged: the name stays current
                        task.title = title
                    followups.assign(session, task, assignee_id)  # a hand-over: the new assignee's number
                    if (
                        moved
                    ):  # the reminder queued for the old time or person is called off, a new one queued
                        followups.move(session, task, due, all_day=all_day)
                        person = cached_person(session, assignee_id, services.playbook)
                        schedule(
                            session,
                            task,
                            account,
                            tz=person.tz,
                            hours=person.working_hours,
                            playbook=services.playbook,
                            now=now,
                        )
                    blocks = ef.followup_saved_blocks(
                        task, account, tz=assignee.tz, viewer_id=user_id, now=now
                    )
            except UserError as err:  # done, cancelled or handed over meanwhile, or a refusal
                errors = {"title": _field_refusal(services, err)}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        post_to_user(client, user_id, meta.get("channel"), blocks)
        services.changed(*people)

    # -- an opportunity ---------------------------------------------------------------------------
    @app.action(ef.OPPORTUNITY_EDIT)
    def open_opportunity_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            with services.uow() as session:
                found = opp.require_open(
                    session, ef.picked_id(action), opp.SET_EXAMPLE, team_id=team_of(body)
                )
                permissions.require(session, body["user"]["id"], permissions.CHANGE, found)
                account = session.get(Account, found.account_id)
                assert account is not None
                view = ef.opportunity_modal(found, account, services.playbook, _where(body))
        except UserError as err:
            _refuse(respond, err)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ef.OPPORTUNITY_MODAL)
    def opportunity_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        user_id = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        pb = services.playbook
        fields = ef.read_opportunity_form(view["state"]["values"])
        # A kind or stage the playbook no longer has is offered only as the stored value: kept as it is.
        kept = {k: v for k, v in fields.items() if k in ("kind", "stage") and meta.get(k) == v}
        kind = fields.pop("kind")
        local_now = services.clock.now().astimezone(services.people.get(user_id, refresh=False).tz)
        values, errors = check_each(
            {k: v for k, v in fields.items() if k not in kept},
            lambda one: opp.validate(one, pb, opp.SET_EXAMPLE, local_now=local_now),
        )
        if "kind" not in kept:
            try:
                values = {"kind": opp.kind_of(kind, pb, opp.SET_EXAMPLE), **values}  # in the form's order
            except UserError as err:
                errors["kind"] = field_message(err.message)
        line = ""
        changes: dict[str, tuple[Any, Any]] = {}
        owner: str | None = None
        if not errors:
            try:
                with services.uow() as session:
                    found = opp.require_open(
                        session, int(meta.get("opportunity") or 0), opp.SET_EXAMPLE, team_id=team_of(body)
                    )
                    permissions.require(session, user_id, permissions.CHANGE, found)
                    changes = opp.update(found, values, now=services.clock.now(), by=user_id)
                    line = opportunity_line(
                        found, session.get(Account, found.account_id), now=services.clock.now()
                    )
                    owner = found.owner_id
            except UserError as err:  # won or lost meanwhile, or a refusal
                errors = {"title": _field_refusal(services, err)}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if changes:
            names = ", ".join(f"`{OPPORTUNITY_FIELD_NAMES.get(c, c)}`" for c in changes)
            blocks = [section(f":white_check_mark: Updated {names}: {line}")]
        else:
            blocks = [section(f"Nothing to change: {line}")]
        post_to_user(client, user_id, meta.get("channel"), blocks)
        if changes:
            services.changed(user_id, owner)
