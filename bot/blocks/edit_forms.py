"""Edit forms (modals) for an account, a follow-up and an opportunity, and the menus that open them.

Every input's ``block_id`` is the field name the matching command takes (``/account set … tier:``),
so a refusal is shown under the field it is about (``response_action: errors``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.accounts import when_local
from bot.blocks.common import Block, actions, input_block, modal, option, plain_text, section, static_select
from bot.blocks.followup_label import number_label
from bot.domain.followup_text import MAX_TITLE as MAX_FOLLOWUP_TITLE
from bot.domain.opportunities import MAX_TITLE as MAX_OPPORTUNITY_TITLE
from bot.domain.text import as_read, escape, mention, titled
from bot.playbook import Playbook
from bot.storage.models import Account, Opportunity, Task

ACCOUNT_EDIT = "edit_account"
ACCOUNT_EDIT_OLD = "edit_account_help"  # the card's Edit button in messages sent by earlier versions
ACCOUNT_MODAL = "edit_account_modal"
FOLLOWUP_EDIT = "edit_followup"
FOLLOWUP_MODAL = "edit_followup_modal"
OPPORTUNITY_EDIT = "edit_opportunity"
OPPORTUNITY_MODAL = "edit_opportunity_modal"
NO_TIER = "-"
MAX_OPTIONS = 100  # Slack's limit for a static select


def _text_input(initial: str | None, *, max_length: int, placeholder: str | None = None) -> Block:
    element: Block = {"type": "plain_text_input", "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain_text(placeholder)
    return element


def _choices(values: tuple[str, ...], current: str | None, *, none_label: str | None = None) -> Block:
    options = [option(v, v) for v in values]
    if none_label is not None:
        options.insert(0, option(none_label, NO_TIER))
    initial = next((o for o in options if o["value"] == (current or NO_TIER)), options[0])
    return static_select(options, initial)


def _user_select(user_id: str | None) -> Block:
    element: Block = {"type": "users_select", "placeholder": plain_text("Pick someone")}
    if user_id:
        element["initial_user"] = user_id
    return element


def _date(day: str | None) -> Block:
    element: Block = {"type": "datepicker"}
    if day:
        element["initial_date"] = day
    return element


# -- the account ------------------------------------------------------------------------------------
def account_modal(account: Account, playbook: Playbook, metadata: dict[str, Any]) -> Block:
    channel: Block = {"type": "channels_select", "placeholder": plain_text("Pick a channel")}
    if account.channel_id:
        channel["initial_channel"] = account.channel_id
    return modal(
        ACCOUNT_MODAL,
        title="Edit account",
        submit="Save",
        metadata={**metadata, "account": account.id},
        blocks=[
            input_block("name", "Name", _text_input(account.name, max_length=200)),
            input_block("status", "Status", _choices(playbook.statuses, account.status)),
            input_block("tier", "Tier", _choices(playbook.tiers, account.tier, none_label="no tier")),
            input_block("owner", "Owner", _user_select(account.owner_id), optional=True),
            input_block("csm", "CSM", _user_select(account.csm_id), optional=True),
            input_block("channel", "Channel", channel, optional=True),
            input_block(
                "tags",
                "Tags",
                _text_input(", ".join(account.tags or []), max_length=500, placeholder="retail, north"),
                optional=True,
                hint="Separated by commas.",
            ),
            input_block(
                "mrr",
                "MRR",
                _text_input(
                    None if account.mrr is None else str(account.mrr),
                    max_length=20,
                    placeholder="4200 or 4.2k",
                ),
                optional=True,
            ),
            input_block(
                "renewal",
                "Renewal date",
                _date(account.renewal_date.isoformat() if account.renewal_date else None),
                optional=True,
            ),
            input_block(
                "external_id",
                "External id",
                _text_input(account.external_id, max_length=120),
                optional=True,
                hint="Your CRM's id for this account; imports match on it.",
            ),
        ],
    )


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    return (values.get(block_id) or {}).get(block_id) or {}


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    return (_element(values, block_id).get("selected_option") or {}).get("value")


def _typed(values: dict[str, Any], block_id: str) -> str:
    return (_element(values, block_id).get("value") or "").strip()


def read_account_form(values: dict[str, Any]) -> dict[str, str]:
    """The form's state as the ``field:value`` words of ``/account set`` (an empty field is ``none``)."""
    owner = _element(values, "owner").get("selected_user")
    csm = _element(values, "csm").get("selected_user")
    channel = _element(values, "channel").get("selected_channel")
    return {
        "name": _typed(values, "name"),
        "status": _selected(values, "status") or "",
        "tier": _selected(values, "tier") or NO_TIER,
        "owner": f"<@{owner}>" if owner else "none",
        "csm": f"<@{csm}>" if csm else "none",
        "channel": f"<#{channel}>" if channel else "none",
        "tags": _typed(values, "tags") or "none",
        "mrr": _typed(values, "mrr") or "none",
        "renewal": _element(values, "renewal").get("selected_date") or "none",
        "external_id": _typed(values, "external_id") or "none",
    }


# -- a follow-up ------------------------------------------------------------------------------------
def followup_modal(task: Task, account: Account, tz: ZoneInfo, metadata: dict[str, Any]) -> Block:
    """``tz``: the editor's zone, in which the date and time read and are typed."""
    local = task.due_at.astimezone(tz)
    when: Block = {"type": "timepicker"}
    if not task.all_day:
        when["initial_time"] = local.strftime("%H:%M")
    return modal(
        FOLLOWUP_MODAL,
        title=f"Edit follow-up #{task.number}"[:24],
        submit="Save",
        metadata={**metadata, "task": task.id},
        blocks=[
            section(f"Follow-up on *{escape(account.name)}*"),
            input_block(
                "title", "What", _text_input(titled(task.title, account.name), max_length=MAX_FOLLOWUP_TITLE)
            ),
            input_block("assignee", "Assigned to", _user_select(task.assignee_id)),
            input_block("date", "Due day", _date(local.date().isoformat())),
            input_block(
                "time",
                "Time",
                when,
                optional=True,
                hint=f"Your time ({tz.key}). Without a time: the start of the assignee's working day.",
            ),
        ],
    )


def followup_saved_blocks(
    task: Task, account: Account, *, tz: ZoneInfo, viewer_id: str, now: datetime
) -> list[Block]:
    """After the form was saved; ``tz`` is the assignee's zone."""
    whose = "" if task.assignee_id == viewer_id else " their time"
    return [
        section(
            f":pencil2: Updated follow-up {number_label(task, viewer_id)}: *{escape(titled(task.title, account.name))}* · "
            f"*{escape(account.name)}* — "
            f"I'll remind {who(task.assignee_id, viewer_id)} {when_local(task.due_at, tz, now=now)}{whose}."
        )
    ]


def read_followup_form(values: dict[str, Any]) -> dict[str, str | None]:
    return {
        "title": _typed(values, "title"),
        "assignee": _element(values, "assignee").get("selected_user"),
        "date": _element(values, "date").get("selected_date"),
        "time": _element(values, "time").get("selected_time"),
    }


def who(user_id: str | None, viewer_id: str) -> str:
    return "you" if user_id == viewer_id else mention(user_id)


def followup_menu(tasks: list[tuple[Task, str]]) -> Block:
    """ "Edit a follow-up…": a menu of the listed follow-ups (with their account's name)."""
    items = [(t.id, f"#{t.number} {titled(t.title, name)}") for t, name in tasks]
    return _menu(FOLLOWUP_EDIT, "Edit a follow-up…", items)


# -- an opportunity ---------------------------------------------------------------------------------
def opportunity_modal(
    opportunity: Opportunity, account: Account, playbook: Playbook, metadata: dict[str, Any]
) -> Block:
    stages = playbook.opportunity_stages
    kinds = playbook.opportunity_kinds
    return modal(
        OPPORTUNITY_MODAL,
        title=f"Edit opportunity #{opportunity.id}"[:24],
        submit="Save",
        metadata={
            **metadata,
            "opportunity": opportunity.id,
            "kind": opportunity.kind,
            "stage": opportunity.stage,
        },
        blocks=[
            section(f"Opportunity on *{escape(account.name)}*"),
            input_block("title", "Title", _text_input(opportunity.title, max_length=MAX_OPPORTUNITY_TITLE)),
            input_block(
                "kind",
                "Kind",
                _choices(
                    kinds if opportunity.kind in kinds else (*kinds, opportunity.kind), opportunity.kind
                ),
            ),
            input_block(
                "stage",
                "Stage",
                _choices(
                    stages if opportunity.stage in stages else (*stages, opportunity.stage), opportunity.stage
                ),
            ),
            input_block(
                "mrr", "MRR", _text_input(str(opportunity.mrr), max_length=20, placeholder="1200 or 1.2k")
            ),
            input_block(
                "close",
                "Expected close",
                _date(opportunity.close_date.isoformat() if opportunity.close_date else None),
                optional=True,
            ),
            input_block("owner", "Owner", _user_select(opportunity.owner_id)),
        ],
    )


def read_opportunity_form(values: dict[str, Any]) -> dict[str, str]:
    """The form's state as the ``field:value`` words of ``/opportunity set``, plus ``kind``."""
    owner = _element(values, "owner").get("selected_user")
    return {
        "title": _typed(values, "title"),
        "kind": _selected(values, "kind") or "",
        "stage": _selected(values, "stage") or "",
        "mrr": _typed(values, "mrr") or "0",
        "close": _element(values, "close").get("selected_date") or "none",
        "owner": f"<@{owner}>" if owner else "",
    }


def opportunity_menu(opportunities: list[Opportunity]) -> Block:
    return _menu(
        OPPORTUNITY_EDIT,
        "Edit an opportunity…",
        [(o.id, f"#{o.id} {o.title}") for o in opportunities if o.status == "open"],
    )


def _menu(action_id: str, placeholder: str, items: list[tuple[int, str]]) -> Block:
    menu: Block = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain_text(placeholder),
        "options": [option(as_read(label), str(item_id)) for item_id, label in items[:MAX_OPTIONS]],
    }
    return actions(menu)


def has_items(menu: Block) -> bool:
    return bool(menu["elements"][0]["options"])


def picked_id(action: dict[str, Any]) -> int:
    """The id a button (``value``) or a menu (``selected_option``) carries."""
    value = (action.get("selected_option") or {}).get("value") or action.get("value") or "0"
    return int(value)
