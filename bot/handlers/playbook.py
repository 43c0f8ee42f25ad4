"""/salesbot playbook: the workspace's playbook as TOML (everyone); ``set`` opens a form that changes it
and ``reset`` goes back to the deployment's (admins). A playbook with a mistake is refused with the
errors of a start, shown on the form's field, and the current one stays."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import section
from bot.blocks.playbook import (
    PLAYBOOK_MODAL,
    RESET_EXAMPLE,
    SET_EXAMPLE,
    SHOW_EXAMPLE,
    field_of_error,
    playbook_blocks,
    playbook_modal,
    read_form,
    sent_as_file_blocks,
)
from bot.domain import permissions, playbooks
from bot.domain.dates import when_local
from bot.domain.errors import UserError
from bot.domain.forms import field_message
from bot.domain.text import escape
from bot.handlers import payloads
from bot.handlers.common import post_to_user, reply, reply_error
from bot.playbook import Playbook, PlaybookError
from bot.services import Services
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)


def saved_blocks(playbook: Playbook) -> list[dict[str, Any]]:
    counts = (
        f"{len(playbook.activity_types)} activity types, {len(playbook.tiers)} tiers, "
        f"{len(playbook.followup_rules)} automatic follow-ups, {len(playbook.signal_kinds)} kinds of signal"
    )
    return [
        section(
            f":white_check_mark: This workspace's playbook is saved ({counts}); it applies from now on. "
            f"`{SHOW_EXAMPLE}` shows it, `{RESET_EXAMPLE}` goes back to the default."
        )
    ]


def register(
    app: App, services: Services, subcommands: dict[str, Any], command_subcommands: dict[str, Any]
) -> None:
    store = services.playbooks
    assert store is not None, "build_services gives every app its playbooks"

    def origin(user_id: str) -> str:
        with services.uow(read_only=True) as session:
            row = playbooks.stored(session)
            by, at = (row.updated_by, row.updated_at) if row is not None else (None, None)
        if at is None:
            return "*This workspace's playbook* is the default of this salesbot (nobody changed it here)."
        person = services.people.get(user_id, refresh=False)
        when = when_local(at, person.tz, now=services.clock.now())
        return f"*This workspace's playbook*, set by <@{by}> · {when}."

    def show(user_id: str, respond: Respond, client: WebClient) -> None:
        toml = playbooks.as_toml(services.playbook)
        where = origin(user_id)
        blocks = playbook_blocks(toml, where)
        if blocks is not None:
            reply(respond, blocks)
            return
        try:
            channel = client.conversations_open(users=user_id)["channel"]["id"]
            client.files_upload_v2(
                channel=channel, content=toml, filename="playbook.toml", title="Playbook", snippet_type="toml"
            )
        except SlackApiError as exc:
            log.warning("the playbook could not be uploaded: %s", exc.response.get("error"))
            raise UserError(
                "Your playbook is too long for a message, and Slack refused it as a file."
            ) from exc
        reply(respond, sent_as_file_blocks(where))

    def require_admin(user_id: str) -> None:
        with services.uow(read_only=True) as session:
            permissions.require(
                session, user_id, permissions.PLAYBOOK, team_id=current_team(), example=SHOW_EXAMPLE
            )

    def open_form(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        require_admin(command["user_id"])
        view = playbook_modal(playbooks.as_toml(services.playbook), {"channel": command.get("channel_id")})
        if view is None:
            raise UserError(
                "This playbook is too long for a Slack form; change it with a shorter one.", SET_EXAMPLE
            )
        client.views_open(trigger_id=command["trigger_id"], view=view)

    def reset(user_id: str, respond: Respond) -> None:
        with services.uow() as session:
            permissions.require(
                session, user_id, permissions.PLAYBOOK, team_id=current_team(), example=SHOW_EXAMPLE
            )
            had_one = playbooks.reset(session)
        changed(user_id)
        if had_one:
            reply(
                respond,
                [
                    section(
                        ":leftwards_arrow_with_hook: This workspace is back to the default playbook of this "
                        f"salesbot. The one it had is in the audit trail. `{SHOW_EXAMPLE}` shows the default."
                    )
                ],
            )
        else:
            reply(respond, [section("This workspace already has the default playbook; nothing changed.")])

    def changed(user_id: str) -> None:
        """Everything that reads the playbook reads the new one at once (this process; others within
        half a minute), people's default hours included."""
        team = current_team()
        store.forget(team)
        services.people.forget_team(team)
        services.changed(user_id)

    def playbook_subcommand(text: str, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        word = text.strip().lower()
        try:
            if word in ("", "show"):
                show(command["user_id"], respond, client)
            elif word in ("set", "edit", "upload", "change"):
                open_form(command, respond, client)
            elif word in ("reset", "default"):
                reset(command["user_id"], respond)
            else:
                raise UserError(
                    f"“{escape(text.strip())}” is not something `/salesbot playbook` does: "
                    f"`{SHOW_EXAMPLE}` shows it, `{SET_EXAMPLE}` changes it, `{RESET_EXAMPLE}` goes back "
                    "to the default.",
                    SET_EXAMPLE,
                )
        except UserError as err:
            reply_error(respond, err, command="/salesbot", text=f"playbook {text}")

    command_subcommands["playbook"] = playbook_subcommand

    @app.view(PLAYBOOK_MODAL)
    def playbook_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        meta = payloads.metadata(view)  # read before anything is written; unreadable: an error in the form
        channel = payloads.slack_id_in(meta, "channel") if meta.get("channel") is not None else None
        text, starts = read_form(view["state"]["values"])
        first = starts[0][0] if starts else "playbook_more"
        if not text.strip():
            ack(
                response_action="errors",
                errors={first: f"Write the playbook's TOML here; {RESET_EXAMPLE} goes back to the default."},
            )
            return
        try:
            playbook = store.check(text)
            with services.uow() as session:
                permissions.require(session, user_id, permissions.PLAYBOOK, team_id=current_team())
                playbooks.save(session, text, by=user_id, now=services.clock.now())
        except PlaybookError as exc:  # nothing written: the current playbook stays
            field, message = field_of_error(str(exc), text, starts)
            ack(response_action="errors", errors={field: message})
            return
        except UserError as err:  # not (or no longer) an admin
            message = re.sub(r"<@([UW][A-Z0-9]+)>", r"@\1", err.message).replace("*", "")
            ack(response_action="errors", errors={first: field_message(message)})
            return
        ack()
        changed(user_id)
        post_to_user(client, user_id, channel, saved_blocks(playbook))
