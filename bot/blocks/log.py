"""The /log confirmation and the log-activity modal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.accounts import when_local
from bot.blocks.common import Block, actions, button, context, section
from bot.domain.activities import MAX_NOTES, LogForm
from bot.domain.text import escape, quote
from bot.playbook import Playbook
from bot.storage.models import Account, Activity

LOG_MODAL_CALLBACK = "log_activity_modal"


def logged_blocks(
    activity: Activity, account: Account, consequences: list[str], playbook: Playbook, tz: ZoneInfo
) -> list[Block]:
    text = (
        f"{playbook.emoji(activity.type)} Logged a *{playbook.label(activity.type)}* with *{escape(account.name)}* "
        f"· {when_local(activity.occurred_at, tz)}"
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
) -> dict[str, Any]:
    type_options = [
        {"text": {"type": "plain_text", "text": f"{name}", "emoji": True}, "value": name}
        for name in playbook.activity_types
    ]
    picker: dict[str, Any] = {
        "type": "external_select",
        "action_id": "account",
        "placeholder": {"type": "plain_text", "text": "Search accounts by name"},
        "min_query_length": 0,
    }
    if account is not None:
        picker["initial_option"] = {
            "text": {"type": "plain_text", "text": account.name[:75]},
            "value": str(account.id),
        }
    notes_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "notes",
        "multiline": True,
        "max_length": MAX_NOTES,
    }
    if notes:
        notes_input["initial_value"] = notes[:MAX_NOTES]
    return {
        "type": "modal",
        "callback_id": LOG_MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Log an activity"},
        "submit": {"type": "plain_text", "text": "Log"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata or {}, separators=(",", ":"))[:3000],
        "blocks": [
            {
                "type": "input",
                "block_id": "account",
                "label": {"type": "plain_text", "text": "Account"},
                "element": picker,
            },
            {
                "type": "input",
                "block_id": "type",
                "label": {"type": "plain_text", "text": "Type"},
                "element": {
                    "type": "static_select",
                    "action_id": "type",
                    "options": type_options,
                    "initial_option": type_options[0],
                },
            },
            {
                "type": "input",
                "block_id": "date",
                "label": {"type": "plain_text", "text": "Date"},
                "element": {
                    "type": "datepicker",
                    "action_id": "date",
                    "initial_date": local_now.date().isoformat(),
                },
            },
            {
                "type": "input",
                "block_id": "time",
                "optional": True,
                "label": {"type": "plain_text", "text": "Time"},
                "element": {
                    "type": "timepicker",
                    "action_id": "time",
                    "initial_time": local_now.strftime("%H:%M"),
                },
            },
            {
                "type": "input",
                "block_id": "notes",
                "optional": True,
                "label": {"type": "plain_text", "text": "Notes"},
                "element": notes_input,
            },
        ],
    }


def account_options(accounts: list[Account]) -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": a.name[:75]}, "value": str(a.id)} for a in accounts]


def read_log_form(values: dict[str, Any]) -> LogForm:
    """The log modal's state (``view.state.values``) as plain values."""

    def element(block_id: str) -> dict[str, Any]:
        return (values.get(block_id) or {}).get(block_id) or {}

    return LogForm(
        account_id=(element("account").get("selected_option") or {}).get("value"),
        activity_type=(element("type").get("selected_option") or {}).get("value"),
        day=element("date").get("selected_date"),
        at=element("time").get("selected_time"),
        notes=element("notes").get("value") or "",
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
