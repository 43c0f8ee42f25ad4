"""/log, the log modal, the "Log as activity" message shortcut, Undo."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import section
from bot.blocks.help import help_blocks
from bot.blocks.log import (
    LOG_MODAL_CALLBACK,
    account_options,
    log_modal,
    logged_blocks,
    modal_defaults_changed,
    read_log_form,
    types_context,
    undone_blocks,
)
from bot.domain import accounts as acc
from bot.domain import activities, contacts, noshows
from bot.domain.activities import LogForm
from bot.domain.errors import UserError
from bot.domain.logging_grammar import WITH_EXAMPLE, parse_log
from bot.domain.text import escape, message_as_read
from bot.handlers.accounts import card_blocks
from bot.handlers.common import permalink_of, post_to_user, reply, reply_error, team_of
from bot.handlers.in_place import origin, update_origin
from bot.services import Services
from bot.storage.models import Account
from bot.workers import submit_told

log = logging.getLogger(__name__)
LOG_SHORTCUT = "log_message_as_activity"


def run_log_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if text.lower() == "help":
        reply(respond, [*help_blocks("/log"), types_context(services.playbook)])
        return
    person = services.people.get(user_id)
    now = services.clock.now()
    with services.uow() as session:
        parsed = parse_log(
            session,
            text,
            services.playbook.activity_types,
            now.astimezone(person.tz),
            team_id=team_id,
            extra=noshows.LOG_TYPES,
            order=person.date_order,
        )
        people = contacts.resolve_names(
            session, parsed.account, parsed.contacts, example=WITH_EXAMPLE, team_id=team_id
        )
        logged = activities.log_activity(
            session,
            account=parsed.account,
            activity_type=parsed.activity_type,
            user_id=user_id,
            occurred_at=activities.occurred_at(parsed.when, now),
            notes=parsed.notes,
            source="command",
            now=now,
            hooks=services.activity_hooks,
            contacts=people,
        )
        blocks = logged_blocks(
            logged.activity,
            logged.account,
            logged.consequences + contacts.suggestions(people, services.playbook),
            services.playbook,
            person.tz,
            now=now,
            people=[c.name for c in people],
        )
    reply(respond, blocks)
    services.changed(user_id)


def _open_modal(services: Services, client: WebClient, trigger_id: str, user_id: str, **kwargs: Any) -> None:
    """Open the modal at once with the zone we already know (a trigger_id lives 3 seconds), then
    ask Slack for the person's zone and correct the default date and time if they read differently."""
    account = kwargs.get("account")
    if account is not None:
        with services.uow() as session:
            kwargs["contacts"] = contacts.of_account(session, account.id)
    now = services.clock.now()
    known = now.astimezone(services.people.get(user_id, refresh=False).tz)
    opened = client.views_open(trigger_id=trigger_id, view=log_modal(services.playbook, known, **kwargs))
    actual = now.astimezone(services.people.get(user_id).tz)
    if modal_defaults_changed(known, actual):
        view = opened.get("view") or {}
        try:
            client.views_update(
                view_id=view.get("id"),
                hash=view.get("hash"),  # never overwrite a form the person already changed
                view=log_modal(services.playbook, actual, **kwargs),
            )
        except SlackApiError as exc:  # closed or edited meanwhile: the first defaults stand
            log.info("views.update of the log form failed: %s", exc.response.get("error"))


def _store_form(
    services: Services, client: WebClient, view: dict[str, Any], form: LogForm, user_id: str
) -> None:
    """Store a valid log form and tell the person where they were (runs after the ack)."""
    tz = services.people.get(user_id).tz
    now = services.clock.now()
    meta = json.loads(view.get("private_metadata") or "{}")
    permalink = permalink_of(client, meta.get("channel"), meta.get("message_ts"))
    with services.uow() as session:
        account = session.get(Account, int(form.account_id or 0))
        if account is None:
            blocks = [section(":warning: That account was deleted meanwhile; nothing was logged.")]
        else:
            people = contacts.of_ids(session, account.id, form.contact_ids)
            logged = activities.log_activity(
                session,
                account=account,
                activity_type=form.activity_type or "",
                user_id=user_id,
                occurred_at=activities.form_occurred_at(form, now=now, tz=tz),
                notes=form.notes,
                source="shortcut" if meta.get("message_ts") else "modal",
                permalink=permalink,
                now=now,
                hooks=services.activity_hooks,
                contacts=people,
            )
            blocks = logged_blocks(
                logged.activity,
                logged.account,
                logged.consequences + contacts.suggestions(people, services.playbook),
                services.playbook,
                tz,
                now=now,
                people=[c.name for c in people],
            )
    post_to_user(client, user_id, meta.get("channel"), blocks)
    if (meta.get("origin") or {}).get("item") and account is not None:
        # Pressed on a line of the morning message: that line says it is done, the rest stays.
        line = (
            f":white_check_mark: Logged a *{escape(form.activity_type or '')}* with *{escape(account.name)}*."
        )
        update_origin(client, meta["origin"], [section(line)])
    services.changed(user_id)


def _item_origin(body: dict[str, Any]) -> dict[str, Any] | None:
    """Where the button was, when it was on one item of a bundled message (else nothing to update)."""
    where = origin(body)
    return where if where.get("item") else None


def register(app: App, services: Services) -> None:
    @app.command("/log")
    def log_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        text = (command.get("text") or "").strip()
        if not text:
            _open_modal(
                services,
                client,
                command["trigger_id"],
                command["user_id"],
                metadata={"channel": command.get("channel_id")},
            )
            return
        try:
            run_log_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/log", text=text)

    @app.shortcut(LOG_SHORTCUT)
    def log_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message") or {}
        channel = (shortcut.get("channel") or {}).get("id")
        with services.uow(read_only=True) as session:
            linked = acc.linked_to_channel(session, channel, team_id=team_of(shortcut))
        _open_modal(
            services,
            client,
            shortcut["trigger_id"],
            shortcut["user"]["id"],
            account=linked,
            notes=message_as_read(message.get("text")),
            metadata={"channel": channel, "message_ts": message.get("ts")},
        )

    @app.action("open_log_modal")
    def open_log_modal(ack: Ack, body: dict[str, Any], client: WebClient, action: dict[str, Any]) -> None:
        ack()
        with services.uow(read_only=True) as session:
            account = session.get(Account, int(action["value"]))
        _open_modal(
            services,
            client,
            body["trigger_id"],
            body["user"]["id"],
            account=account,
            metadata={"channel": (body.get("channel") or {}).get("id"), "origin": _item_origin(body)},
        )

    @app.options("account")
    def account_search(ack: Ack, payload: dict[str, Any]) -> None:
        with services.uow(read_only=True) as session:
            found = acc.search(session, payload.get("value") or "", team_id=team_of(payload))
            ack(options=account_options(found))

    @app.action("account")
    def account_picked(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """An account was picked in the form: offer its contacts under "Who took part"."""
        ack()
        view = body.get("view") or {}
        value = (action.get("selected_option") or {}).get("value") or ""
        if not value.isdigit() or not view.get("id"):
            return
        local = services.clock.now().astimezone(services.people.get(body["user"]["id"], refresh=False).tz)
        state = read_log_form((view.get("state") or {}).get("values") or {})
        with services.uow() as session:
            account = session.get(Account, int(value))
            if account is None:
                return
            people = contacts.of_account(session, account.id)
            updated = log_modal(
                services.playbook,
                local,
                account=account,
                notes=state.notes,
                metadata=json.loads(view.get("private_metadata") or "{}"),
                contacts=people,
            )
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
        except SlackApiError as exc:
            log.info("views.update with the account's contacts failed: %s", exc.response.get("error"))

    @app.view(LOG_MODAL_CALLBACK)
    def log_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        tz = services.people.get(user_id).tz
        now = services.clock.now()
        form = read_log_form(view["state"]["values"])
        errors = activities.check_form(form, types=services.playbook.activity_types, now=now, tz=tz)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        # The form is valid: store it after the ack, like every command (bot/workers.py).
        submit_told(services.work, body, client, lambda: _store_form(services, client, view, form, user_id))

    @app.action("undo_activity")
    def undo(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        try:
            with services.uow() as session:
                activity = activities.undo_activity(
                    session, int(action["value"]), user_id=user_id, now=services.clock.now()
                )
                account = session.get(Account, activity.account_id)
                blocks = undone_blocks(activity, account, services.playbook)
        except UserError as err:
            shown = err.message if err.mrkdwn else escape(err.message)
            reply(respond, [section(f":information_source: {shown}")])
            return
        reply(respond, blocks, replace=True)
        services.changed(user_id)

    @app.action("open_account")
    def open_account(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        reply(respond, card_blocks(services, int(action["value"]), body["user"]["id"]))
