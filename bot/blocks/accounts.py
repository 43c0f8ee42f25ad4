"""The account card and account lists."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks.common import Block, actions, button, context, divider, header, section
from bot.domain.text import channel_link, escape, mention, money
from bot.playbook import Playbook
from bot.storage.models import Account, Activity


def when_local(at: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
    local = at.astimezone(tz)
    return local.strftime("%a %d %b %Y, %H:%M" if with_time else "%a %d %b %Y")


def account_fields(account: Account) -> str:
    tags = ", ".join(escape(t) for t in account.tags) if account.tags else "—"
    renewal = account.renewal_date.isoformat() if account.renewal_date else "—"
    return (
        f"*Status:* {escape(account.status)}   *Tier:* {escape(account.tier or '—')}   *Tags:* {tags}\n"
        f"*Owner:* {mention(account.owner_id)}   *CSM:* {mention(account.csm_id)}   "
        f"*Channel:* {channel_link(account.channel_id)}\n"
        f"*MRR:* {money(account.mrr)}   *Renewal:* {renewal}"
        + (f"   *External id:* {escape(account.external_id)}" if account.external_id else "")
    )


def activity_line(activity: Activity, playbook: Playbook, tz: ZoneInfo) -> str:
    notes = escape(activity.notes)
    if len(notes) > 200:
        notes = notes[:199] + "…"
    link = f" <{activity.permalink}|message>" if activity.permalink else ""
    return (
        f"{playbook.emoji(activity.type)} *{activity.type}* · {when_local(activity.occurred_at, tz)} · "
        f"{mention(activity.user_id)}{(' — ' + notes) if notes else ''}{link}"
    )


def account_card(
    account: Account,
    activities: list[Activity],
    playbook: Playbook,
    tz: ZoneInfo,
    extra: list[Block],
) -> list[Block]:
    blocks: list[Block] = [header(account.name), section(account_fields(account))]
    blocks.append(divider())
    if activities:
        blocks.append(
            section("*Last activities*\n" + "\n".join(activity_line(a, playbook, tz) for a in activities))
        )
    else:
        blocks.append(
            section("*Last activities*\n_None yet._ Log one: `/log call " + escape(account.name) + ": …`")
        )
    blocks.extend(extra)
    blocks.append(
        actions(
            button("Log activity", "open_log_modal", str(account.id)),
            button("Edit", "edit_account_help", str(account.id)),
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
    blocks = [section(f"*{total} account{'s' if total != 1 else ''}* {description}\n" + "\n".join(lines))]
    if total > len(accounts):
        blocks.append(
            context(f"Showing {len(accounts)} of {total}. Narrow the filter, or use `salesbot export`.")
        )
    return blocks
