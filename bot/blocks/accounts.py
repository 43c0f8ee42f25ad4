"""The account card and account lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import (
    Block,
    actions,
    button,
    divider,
    header,
    line_sections,
    section,
)
from bot.blocks.limits import more_hint
from bot.domain.dates import format_when, when_local
from bot.domain.text import channel_link, escape, mention, money
from bot.playbook import Playbook
from bot.storage.models import Account, Activity


def account_fields(account: Account, *, now: datetime) -> str:
    tags = ", ".join(escape(t) for t in account.tags) if account.tags else "—"
    renewal = format_when(account.renewal_date, now=now) if account.renewal_date else "—"
    return (
        f"*Status:* {escape(account.status)}   *Tier:* {escape(account.tier or '—')}   *Tags:* {tags}\n"
        f"*Owner:* {mention(account.owner_id)}   *CSM:* {mention(account.csm_id)}   "
        f"*Channel:* {channel_link(account.channel_id)}\n"
        f"*MRR:* {money(account.mrr)}   *Renewal:* {renewal}"
        + (f"   *External id:* {escape(account.external_id)}" if account.external_id else "")
    )


def activity_line(activity: Activity, playbook: Playbook, tz: ZoneInfo, *, now: datetime) -> str:
    raw = activity.notes or ""
    notes = escape(raw if len(raw) <= 200 else raw[:199] + "…")  # cut before escaping: never half an entity
    link = f" <{activity.permalink}|message>" if activity.permalink else ""
    return (
        f"{playbook.emoji(activity.type)} *{playbook.label(activity.type)}* · {when_local(activity.occurred_at, tz, now=now)} · "
        f"{mention(activity.user_id)}{(' — ' + notes) if notes else ''}{link}"
    )


def account_card(
    account: Account,
    activities: list[Activity],
    playbook: Playbook,
    tz: ZoneInfo,
    extra: list[Block],
    *,
    now: datetime,
) -> list[Block]:
    blocks: list[Block] = [header(account.name), section(account_fields(account, now=now))]
    blocks.append(divider())
    if activities:
        blocks.append(
            section(
                "*Last activities*\n" + "\n".join(activity_line(a, playbook, tz, now=now) for a in activities)
            )
        )
    else:
        blocks.append(
            section("*Last activities*\n_None yet._ Log one: `/log call " + escape(account.name) + ": …`")
        )
    blocks.extend(extra)
    blocks.append(
        actions(
            button("Log activity", "open_log_modal", str(account.id)),
            button("Edit", "edit_account", str(account.id)),
        )
    )
    return blocks


def account_list(accounts: list[Account], total: int, description: str) -> list[Block]:
    if not accounts:
        return [section(f"No accounts match {description}.")]
    lines = [
        f"• *{escape(a.name)}* — {escape(a.status)}, {escape(a.tier or 'no tier')}, owner {mention(a.owner_id)}"
        + (f", MRR {money(a.mrr)}" if a.mrr is not None else "")
        for a in accounts
    ]
    blocks = line_sections(f"*{total} account{'s' if total != 1 else ''}* {description}", lines)
    if total > len(accounts):
        blocks.append(
            more_hint(
                f"…and {total - len(accounts)} more. Narrow the filter (`tier:`, `status:`, `tag:`, `owner:`), "
                "or `salesbot export accounts` lists all."
            )
        )
    return blocks


def describe_filters(filters: dict[str, Any]) -> str:
    """``with tier gold, owner @alice, tag retail`` for a segment's filters; ``in all`` without any."""
    parts = []
    for key, label in (("tier", "tier"), ("status", "status"), ("tag", "tag")):
        if key in filters:
            parts.append(f"{label} *{escape(filters[key]) if filters[key] else 'none'}*")
    for key, label in (("owner_id", "owner"), ("csm_id", "CSM")):
        if key in filters:
            parts.append(f"{label} {mention(filters[key])}")
    return ("with " + ", ".join(parts)) if parts else "in all"


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return escape(", ".join(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return money(value)
    return escape(str(value))


def changes_blocks(name: str, changes: dict[str, tuple[Any, Any]], field_of: dict[str, str]) -> list[Block]:
    """What ``/account set`` changed, old → new."""
    if not changes:
        return [section(f"Nothing to change: *{escape(name)}* already has those values.")]
    lines = []
    for column, (old, new) in changes.items():
        if column == "name_key":
            continue
        render = (
            mention if column in ("owner_id", "csm_id") else channel_link if column == "channel_id" else None
        )
        before = render(old) if render else _shown(old)
        after = render(new) if render else _shown(new)
        lines.append(f"• {field_of.get(column, column)}: {before} → *{after}*")
    return [section(f":white_check_mark: Updated *{escape(name)}*\n" + "\n".join(lines))]


def created_blocks(name: str, status: str, owner_id: str) -> list[Block]:
    """The short note after an account was created from a button."""
    return [
        section(
            f":white_check_mark: Created *{escape(name)}* ({escape(status)}, owner {mention(owner_id)}). "
            f"Add details with `/account set {escape(name)} tier:gold`."
        )
    ]


LINK_MOVE = "account_link_move"
LINK_KEEP = "account_link_keep"


def linked_blocks(name: str, channel: str) -> list[Block]:
    return [
        section(
            f":link: *{escape(name)}* is now linked to {channel_link(channel)}. "
            "“Log as activity” on a message there picks this account."
        )
    ]


def link_question_blocks(account: Account, other: Account, channel: str) -> list[Block]:
    """A channel is linked to one account at most: ask before moving it."""
    value = {"a": account.id, "o": other.id, "c": channel}
    return [
        section(
            f":link: {channel_link(channel)} is already linked to *{escape(other.name)}*. "
            f"Move the link to *{escape(account.name)}*? (A channel belongs to one account.)"
        ),
        actions(
            button(f"Move it to {account.name}", LINK_MOVE, value, style="primary"),
            button(f"Keep it on {other.name}", LINK_KEEP, value),
        ),
    ]
