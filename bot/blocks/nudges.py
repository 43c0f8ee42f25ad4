"""The morning message and the nudge preferences reply."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.blocks.bundle import bundle_id
from bot.blocks.common import Block, actions, button, context, header, section
from bot.domain.dates import format_when
from bot.domain.nudge_diff import kind_rank
from bot.domain.nudge_prefs import KINDS, SubjectSnooze
from bot.domain.nudges import NudgeItem
from bot.domain.text import escape
from bot.storage.models import Account

TITLES = {
    "followup_overdue": ":alarm_clock: Follow-ups overdue",
    "renewal": ":calendar: Renewals coming up",
    "overdue_visit": ":office: Visits overdue",
    "risk": ":rotating_light: At risk",
    "ripe": ":seedling: Ripe for expansion",
    "signal_waiting": ":mailbox_with_mail: Signals waiting for you",
    "inactive": ":zzz: Gone quiet",
    "buying_team": ":busts_in_silhouette: Buying teams",
}
SNOOZE_ACTION = "nudge_snooze"
UNSNOOZE_ACTION = "nudge_unsnooze"


def morning_text(items: list[NudgeItem]) -> str:
    n = len(items)
    return f"Good morning: {n} thing{'s' if n != 1 else ''} need{'s' if n == 1 else ''} you today"


def _snooze_button(item: NudgeItem) -> Block:
    """Snoozes this line's subject (that follow-up, that renewal …), not everything about its account."""
    return button("Snooze 1 week", SNOOZE_ACTION, {"s": item.subject})


def morning_blocks(items: list[NudgeItem], *, deferred: int = 0) -> list[Block]:
    """Grouped by kind; each line has its reason, its button, and a snooze for its subject.

    A bundle (``bot.blocks.bundle``): a button changes its own line only.
    """
    blocks: list[Block] = [{**header(morning_text(items)), "block_id": bundle_id(lines=True)}]
    groups: dict[str, list[NudgeItem]] = {}
    for item in sorted(items, key=lambda i: kind_rank(i.kind)):
        groups.setdefault(item.kind, []).append(item)
    for kind, group in groups.items():
        title = f"*{TITLES.get(kind, escape(kind.replace('_', ' ').capitalize()))}*"
        blocks.append({**section(title), "block_id": bundle_id(kind)})
        for item in group:
            blocks.append(section(item.line))
            elements = [button(item.button[0], item.button[1], item.button[2])] if item.button else []
            blocks.append(actions(*elements, _snooze_button(item)))
    footer = "Turn a kind off: `/salesbot nudges off renewals` · see yours: `/salesbot nudges`"
    if deferred:
        footer = f"{deferred} more tomorrow. " + footer
    blocks.append({**context(footer), "block_id": bundle_id("footer")})
    return blocks


def preferences_blocks(
    off: list[str],
    snoozes: list[tuple[Account, datetime]],
    tz: ZoneInfo,
    nudge_time: time,
    subject_snoozes: list[SubjectSnooze] | None = None,
    now: datetime | None = None,
) -> list[Block]:
    lines = [
        f"{':white_check_mark:' if kind not in off else ':no_bell:'} `{kind}` — {what}"
        f" — *{'off' if kind in off else 'on'}*"
        for kind, what in KINDS.items()
    ]
    blocks: list[Block] = [
        section(
            f"*Your morning nudges* — one message on your working days at {nudge_time.strftime('%H:%M')} "
            "your time, about what started since the last one.\n" + "\n".join(lines)
        )
    ]
    for account, until in snoozes:
        local = format_when(until, tz, now=now, with_time=False)
        blocks.append(
            section(
                f":zzz: *{escape(account.name)}* snoozed until {local}",
                accessory=button("Unsnooze", UNSNOOZE_ACTION, str(account.id)),
            )
        )
    for snooze in (subject_snoozes or [])[:20]:
        local = format_when(snooze.until, tz, now=now, with_time=False)
        about = f" on *{escape(snooze.account)}*" if snooze.account else ""
        blocks.append(
            section(
                f":zzz: {escape(snooze.label)}{about} snoozed until {local}",
                accessory=button("Unsnooze", UNSNOOZE_ACTION, f"s:{snooze.subject}"),
            )
        )
    blocks.append(
        context("Turn one off: `/salesbot nudges off renewals` · back on: `/salesbot nudges on renewals`")
    )
    return blocks
