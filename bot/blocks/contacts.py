"""Block Kit for contacts: the card, lists, the buying-team map and its warnings.

The map is grouped by readiness stage, first stage on top, so whoever lags is read first. It stays
within Slack's limits whatever the team's size: at most ``PER_STAGE`` names per stage (the rest
counted), one section per stage, one section of warnings and one row of buttons.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks.accounts import activity_line, when_local
from bot.blocks.common import Block, actions, bounded_lines, button, context, header, line_sections, section
from bot.domain.buying_team import (
    FOLLOWUP_ACTION,
    Member,
    TeamWarning,
    days_since,
    followup_value,
    suggestion_text,
)
from bot.domain.text import escape, mention
from bot.playbook import BuyingTeam, Playbook
from bot.storage.models import Account, Activity, Contact, ContactStageChange, Opportunity

PER_STAGE = 12
MAX_WARNINGS = 10
MAX_BUTTONS = 5
NAME_CHARS = 60
PRIVATE_NOTE = (
    "E-mail and phone: shown to the account's owner, CSM, their managers and admins, not in shared channels."
)


def _short(text: str, limit: int = NAME_CHARS) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def touched_text(at: datetime | None, now: datetime) -> str:
    days = days_since(at, now)
    if days is None:
        return "never touched"
    return "touched today" if days == 0 else f"touched {days} d ago"


def member_line(member: Member, now: datetime) -> str:
    return (
        f"• *{_short(member.name)}* — {escape(member.role or 'no role')} · {touched_text(member.last_touched, now)}"
        f" · {mention(member.owner_id)}"
    )


def team_map(
    members: list[Member], bt: BuyingTeam, now: datetime, *, title: str, more_hint: str
) -> list[Block]:
    """The members grouped by stage, earliest stage first: at most one section per stage."""
    if not members:
        return []
    groups: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        groups[m.stage].append(m)
    ordered = sorted(groups, key=lambda s: (bt.stage_index(s), s))
    first = bt.stage_index(ordered[0])
    blocks: list[Block] = [section(f"*{title}* ({len(members)}) — by readiness, who lags first")]
    for stage in ordered:
        group = sorted(
            groups[stage], key=lambda m: (m.last_touched is not None, m.last_touched or now, m.name)
        )
        behind = " :warning: behind" if bt.stage_index(stage) == first and len(ordered) > 1 else ""
        lines = [member_line(m, now) for m in group[:PER_STAGE]]
        if len(group) > PER_STAGE:
            lines.append(f"_…and {len(group) - PER_STAGE} more: {more_hint}_")
        position = f"{bt.stage_index(stage) + 1}/{len(bt.stages)}" if stage in bt.stages else "?"
        blocks.extend(line_sections(f"*{escape(stage.capitalize())}* ({position}){behind}", lines)[:1])
    return blocks


def warning_blocks(warnings: list[TeamWarning]) -> list[Block]:
    """The warnings with their next step, and a button per warning that opens the follow-up form."""
    if not warnings:
        return []
    lines = [
        f"{w.text} _Next: {escape(w.next_step)}._{suggestion_text(w.suggestion)}"
        for w in warnings[:MAX_WARNINGS]
    ]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f"_…and {len(warnings) - MAX_WARNINGS} more._")
    blocks = line_sections("*Alignment warnings*", lines)[:2]
    blocks.append(
        actions(
            *[
                button(f"Plan: {w.next_step}", FOLLOWUP_ACTION, followup_value(w))
                for w in warnings[:MAX_BUTTONS]
            ]
        )
    )
    return blocks


def contact_line(
    contact: Contact, touched: datetime | None, now: datetime, account: Account | None = None
) -> str:
    at = f" · *{escape(account.name)}*" if account is not None else ""
    title = f", {escape(contact.title)}" if contact.title else ""
    return (
        f"• *{_short(contact.name)}*{title}{at} — {escape(contact.role or 'no role')} · {escape(contact.stage)}"
        f" · {touched_text(touched, now)} · {mention(contact.owner_id)}"
    )


def list_blocks(
    account: Account, contacts: list[Contact], touched: dict[int, datetime], now: datetime, total: int
) -> list[Block]:
    if not contacts:
        return [
            section(f"No contacts at *{escape(account.name)}* yet."),
            context(f'Add one: `/contact add {escape(account.name)} "Jane Doe" role:champion`'),
        ]
    lines = [contact_line(c, touched.get(c.id), now) for c in contacts]
    blocks = bounded_lines(
        f"*{total} contact{'s' if total != 1 else ''} at {escape(account.name)}*",
        lines,
        total=total,
        hint="Everything: `salesbot export`.",
    )
    return blocks


def contact_card(
    contact: Contact,
    account: Account,
    *,
    history: list[ContactStageChange],
    activities: list[Activity],
    activity_total: int,
    opportunities: list[Opportunity],
    touched: datetime | None,
    show_private: bool,
    playbook: Playbook,
    tz: ZoneInfo,
    now: datetime,
) -> list[Block]:
    bt = playbook.buying_team
    stage_at = when_local(contact.stage_changed_at, tz, now=now, with_time=False)
    fields = [
        f"*Account:* {escape(account.name)}   *Title:* {escape(contact.title or '—')}",
        f"*Role:* {escape(contact.role or '—')}   *Stage:* {escape(contact.stage)} "
        f"({bt.stage_index(contact.stage) + 1}/{len(bt.stages)}) since {stage_at}, set by {mention(contact.stage_changed_by)}",
        f"*Relationship owner:* {mention(contact.owner_id)}   *Last touched:* "
        + (when_local(touched, tz, now=now, with_time=False) if touched else "never"),
    ]
    if show_private:
        fields.append(f"*E-mail:* {escape(contact.email or '—')}   *Phone:* {escape(contact.phone or '—')}")
    blocks: list[Block] = [header(contact.name), section("\n".join(fields))]
    if contact.notes:
        blocks.append(section("*Notes*\n" + escape(contact.notes[:1500])))
    content = bt.content_for(contact.role, contact.stage)
    if content is not None:
        blocks.append(
            section(
                f":bulb: For a {escape(contact.role)} who is {escape(contact.stage)}:{suggestion_text(content)}"
            )
        )
    hist = [
        f"• {when_local(h.changed_at, tz, now=now, with_time=False)} · "
        + (
            f"{escape(h.from_stage)} → *{escape(h.to_stage)}*"
            if h.from_stage
            else f"added at *{escape(h.to_stage)}*"
        )
        + f" · {mention(h.changed_by)}"
        + (f" — {_short(h.reason, 200)}" if h.reason else "")
        for h in history
    ]
    blocks.extend(line_sections("*Stage history*", hist)[:2])
    if activities:
        more = f" (latest {len(activities)} of {activity_total})" if activity_total > len(activities) else ""
        blocks.extend(
            line_sections(
                f"*Activities with {_short(contact.name)}*{more}",
                [activity_line(a, playbook, tz, now=now) for a in activities],
            )[:2]
        )
    else:
        blocks.append(
            section(
                f"*Activities:* none yet. `/log meeting {escape(account.name)} with {escape(contact.name)}: …`"
            )
        )
    if opportunities:
        blocks.append(
            section(
                "*Opportunities*\n"
                + "\n".join(
                    f"• *#{o.id}* “{escape(o.title)}” · {escape(o.kind)} · {escape(o.stage)}"
                    for o in opportunities[:10]
                )
            )
        )
    blocks.append(context(("" if show_private else ":lock: ") + PRIVATE_NOTE))
    blocks.append(
        actions(
            button("Log activity", "open_log_modal", str(account.id)),
            button("Open account", "open_account", str(account.id)),
        )
    )
    return blocks


def changes_text(name: str, changes: dict[str, tuple[object, object]], tz: ZoneInfo) -> str:
    labels = {"owner_id": "owner", "name_key": None}
    lines = []
    for column, (old, new) in changes.items():
        label = labels.get(column, column)
        if label is None:
            continue
        if column == "owner_id":
            before, after = (
                mention(old if isinstance(old, str) else None),
                mention(new if isinstance(new, str) else None),
            )
        else:
            before, after = escape(str(old)) if old else "—", escape(str(new)) if new else "—"
        lines.append(f"• {label}: {before} → *{after}*")
    return f":white_check_mark: Updated *{escape(name)}*\n" + "\n".join(lines)
