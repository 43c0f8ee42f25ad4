"""Admin views of delivery: the failed list with Retry buttons."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks.accounts import when_local
from bot.blocks.common import Block, button, context, header, section
from bot.domain.text import channel_link, escape, mention
from bot.reminders.failed import FailedDelivery

RETRY_ACTION = "retry_delivery"


def destination(item: FailedDelivery) -> str:
    if item.channel_id:
        to = channel_link(item.channel_id)
        return f"{to} (for {mention(item.recipient_id)})" if item.recipient_id else to
    return f"{mention(item.recipient_id)} (DM)"


def failed_list(
    items: list[FailedDelivery], total: int, tz: ZoneInfo, *, now: datetime, note: str | None = None
) -> list[Block]:
    blocks: list[Block] = [section(note)] if note else []
    if not items:
        return [*blocks, section(":white_check_mark: No failed deliveries. Everything due was delivered.")]
    blocks.append(header(f"Failed deliveries ({total})"))
    for item in items:
        plural = "" if item.attempts == 1 else "s"
        blocks.append(
            section(
                f"*{escape(item.kind)}* → {destination(item)}\n"
                f"Due {when_local(item.due_at, tz, now=now)} · {item.attempts} attempt{plural}\n"
                f"Reason: `{escape(item.reason)}`",
                accessory=button("Retry", RETRY_ACTION, str(item.id)),
            )
        )
    if total > len(items):
        blocks.append(context(f"Showing the {len(items)} most recent of {total}."))
    blocks.append(context("Retry puts a delivery back in the queue; it goes out within a few seconds."))
    return blocks


def not_admin(refusal: str) -> list[Block]:
    """``refusal``: the permission rules' answer, naming the admins (mrkdwn built from user ids)."""
    return [section(f":lock: {refusal}")]
