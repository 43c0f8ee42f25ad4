"""The /log confirmation and the log-activity modal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.accounts import when_local
from bot.blocks.common import Block, actions, button, context, section
from bot.domain.text import escape, quote
from bot.playbook import Playbook
from bot.storage.models import Account, Activity

LOG_MODAL_CALLBACK = "log_activity_modal"


def logged_blocks(
    activity: Activity, account: Account, consequences: list[str], playbook: Playbook, tz: ZoneInfo
) -> list[Block]:
    text = (
        f"{playbook.emoji(activity.type)} Logged a *{activity.type}* with *{escape(account.name)}* "
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
                "element": {
                    "type": "plain_text_input",
                    "action_id": "notes",
                    "multiline": True,
                    "initial_value": notes[:3000],
                    "max_length": 3000,
                },
            },
        ],
    }


def account_options(accounts: list[Account]) -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": a.name[:75]}, "value": str(a.id)} for a in accounts]
