"""The /log confirmation and the log-activity modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.accounts import when_local
from bot.blocks.common import (
    Block,
    account_picker,
    actions,
    button,
    context,
    input_block,
    modal,
    option,
    plain_text,
    section,
    static_select,
)
from bot.domain.activities import MAX_NOTES, LogForm
from bot.domain.text import a_or_an, escape, quote
from bot.playbook import Playbook
from bot.storage.models import Account, Activity, Contact

LOG_MODAL_CALLBACK = "log_activity_modal"


def logged_blocks(
    activity: Activity,
    account: Account,
    consequences: list[str],
    playbook: Playbook,
    tz: ZoneInfo,
    *,
    now: datetime,
    people: list[str] | None = None,
) -> list[Block]:
    present = f" ({', '.join(escape(p) for p in people)})" if people else ""
    text = (
        f"{playbook.emoji(activity.type)} Logged {a_or_an(playbook.label(activity.type))} *{playbook.label(activity.type)}* with *{escape(account.name)}*"
        f"{present} · {when_local(activity.occurred_at, tz, now=now)}"
    )
    if activity.notes:
        text += "\n" + quote(activity.notes, 500)
    blocks = [section(text)]
    if consequences:
        blocks.append(context("\n".join(consequences)))
    blocks.append(
        actions(
            button("Undo", "undo_activity", str(activity.id), style="danger"),
            button("Open account", "open_account", str(account.id)),
        )
    )
    return blocks


def log_modal(
    playbook: Playbook,
    local_now: datetime,
    *,
    account: Account | None = None,
    notes: str = "",
    metadata: dict[str, Any] | None = None,
    contacts: list[Contact] | None = None,
) -> dict[str, Any]:
    """The form. The account picker dispatches its choice, so the "Who took part" multi-select is
    filled with that account's contacts (``contacts``); without any it is left out."""
    type_options = [
        {"text": {"type": "plain_text", "text": f"{name}", "emoji": True}, "value": name}
        for name in playbook.activity_types
    ]
    notes_input: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": MAX_NOTES}
    if notes:
        notes_input["initial_value"] = notes[:MAX_NOTES]
    return modal(
        LOG_MODAL_CALLBACK,
        title="Log an activity",
        submit="Log",
        metadata=metadata or {},
        blocks=[
            {
                **input_block(
                    "account",
                    "Account",
                    account_picker(account_option(account) if account is not None else None),
                ),
                "dispatch_action": True,
            },
            *contacts_input(contacts or []),
            input_block("type", "Type", static_select(type_options, type_options[0])),
            input_block("date", "Date", {"type": "datepicker", "initial_date": local_now.date().isoformat()}),
            input_block(
                "time",
                "Time",
                {"type": "timepicker", "initial_time": local_now.strftime("%H:%M")},
                optional=True,
            ),
            input_block("notes", "Notes", notes_input, optional=True),
        ],
    )


MAX_CONTACT_OPTIONS = 100  # Slack's limit for a static select


def contacts_input(contacts: list[Contact]) -> list[Block]:
    """A multi-select of the account's contacts (the first 100 by name); none when it has no contacts."""
    if not contacts:
        return []
    options = [option(f"{c.name} ({c.role})" if c.role else c.name, str(c.id)) for c in contacts]
    hint = None
    if len(options) > MAX_CONTACT_OPTIONS:
        options = options[:MAX_CONTACT_OPTIONS]
        hint = f"The first {MAX_CONTACT_OPTIONS} by name; for others use /log … with Name: …"
    element = {"type": "multi_static_select", "options": options, "placeholder": plain_text("Pick people")}
    return [input_block("contacts", "Who took part", element, optional=True, hint=hint)]


def account_option(account: Account) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": account.name[:75]}, "value": str(account.id)}


def account_options(accounts: list[Account]) -> list[dict[str, Any]]:
    return [account_option(a) for a in accounts]


def read_log_form(values: dict[str, Any]) -> LogForm:
    """The log modal's state (``view.state.values``) as plain values."""

    def element(block_id: str) -> dict[str, Any]:
        return (values.get(block_id) or {}).get(block_id) or {}

    picked = element("contacts").get("selected_options") or []
    return LogForm(
        account_id=(element("account").get("selected_option") or {}).get("value"),
        activity_type=(element("type").get("selected_option") or {}).get("value"),
        day=element("date").get("selected_date"),
        at=element("time").get("selected_time"),
        notes=element("notes").get("value") or "",
        contact_ids=tuple(int(o["value"]) for o in picked if str(o.get("value", "")).isdigit()),
    )


def modal_defaults_changed(old: datetime, new: datetime) -> bool:
    """Whether the modal's initial date/time would read differently at ``new`` than at ``old``."""
    return old.strftime("%Y-%m-%d %H:%M") != new.strftime("%Y-%m-%d %H:%M")


def undone_blocks(activity: Activity, account: Account | None, playbook: Playbook) -> list[Block]:
    name = escape(account.name) if account else "the account"
    return [
        section(
            f":leftwards_arrow_with_hook: Undone: the {playbook.emoji(activity.type)} *{playbook.label(activity.type)}* "
            f"with *{name}* is no longer logged."
        )
    ]


def types_context(playbook: Playbook) -> Block:
    """The activity types configured for this team, with their emoji."""
    return context(
        "Types: " + ", ".join(f"{emoji} `{name}`" for name, emoji in playbook.activity_types.items())
    )
