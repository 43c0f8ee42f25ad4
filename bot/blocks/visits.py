"""Block Kit for visit plans, visit and no-show reminders, and the account card's visit section."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import Block, actions, button, context, input_block, line_sections, modal, section
from bot.domain.dates import format_when
from bot.domain.text import escape, mention

DONE_ACTION = "visit_done"  # logs the plan's activity: the occurrence is satisfied
NOSHOW_ACTION = "visit_noshow"  # logs a no-show for the task's account
BOOK_MODAL = "visit_book_modal"  # "Slot booked" on an announcement: the booked day and time
TASK_DONE_ACTION = "agenda_done"  # marks any task done (follow-ups, no-show tasks)


def day_label(at: datetime, tz: ZoneInfo, *, now: datetime | None = None) -> str:
    """``Thu 10 Dec`` (with the year when it is not this year's)."""
    return format_when(at, tz, now=now, with_time=False)


def when_label(at: datetime, tz: ZoneInfo, *, all_day: bool, now: datetime | None = None) -> str:
    return format_when(at, tz, now=now, with_time=not all_day)


def plan_created_blocks(
    account_name: str, words: str, next_when: str | None, *, replaced: bool, zone: str
) -> list[Block]:
    text = f":calendar: *{escape(account_name)}*: {escape(words)}."
    if next_when:
        text += f"\nNext {words.split()[1]}: *{next_when}* ({zone})."
    blocks = [section(text)]
    notes = ["I'll announce each occurrence ahead so you can book the slot, and remind you on the day."]
    if replaced:
        notes.append("This replaces the account's previous plan.")
    blocks.append(context(" ".join(notes) + f" Stop it with `/visit stop {escape(account_name)}`."))
    return blocks


def plan_list_blocks(lines: list[str], scope: str) -> list[Block]:
    if not lines:
        return [section(f"No visit plans {scope}. Add one: `/visit Acme Corp every 4 months`.")]
    blocks = line_sections(f"*Visit plans {scope}*", lines[:40])
    if len(lines) > 40:
        blocks.append(
            context(
                f"…and {len(lines) - 40} more. `/visit list` shows your accounts only; "
                "`/account Acme Corp` shows one account's plan."
            )
        )
    return blocks


def visit_buttons(task_id: int, account_id: int, *, noshow: bool = True) -> Block:
    elements = [button("Done", DONE_ACTION, str(task_id), style="primary")]
    if noshow:
        elements.append(button("No-show", NOSHOW_ACTION, str(task_id)))
    elements.append(button("Open account", "open_account", str(account_id)))
    return actions(*elements)


def visit_announce_blocks(
    title: str, when: str, task_id: int, account_id: int, *, owner: str | None = None
) -> list[Block]:
    who = f"{mention(owner)} " if owner else ""
    text = f":calendar: {who}*{escape(title)}* due {when} — book the slot."
    blocks = [section(text)]
    if owner is None:  # buttons only in the owner's DM
        blocks.append(
            actions(
                button("Slot booked", DONE_ACTION, str(task_id), style="primary"),
                button("Open account", "open_account", str(account_id)),
            )
        )
        blocks.append(context("Slot booked asks for the day and time. The visit is logged when it happens."))
    return blocks


def book_modal(title: str, day: str, at: str, metadata: dict[str, Any]) -> Block:
    """The "slot booked" form: the day (the planned one by default) and the time."""
    return modal(
        BOOK_MODAL,
        title="Slot booked",
        submit="Save",
        metadata=metadata,
        blocks=[
            section(f"When is *{escape(title)}* booked?"),
            input_block("day", "Day", {"type": "datepicker", "initial_date": day}),
            input_block("time", "Time", {"type": "timepicker", "initial_time": at}),
        ],
    )


def booked_blocks(title: str, when: str, account_id: int) -> list[Block]:
    return [
        section(
            f":white_check_mark: Slot booked: *{escape(title)}* on *{when}*. I'll remind you that day; "
            "its Done logs the visit."
        ),
        actions(button("Open account", "open_account", str(account_id))),
    ]


def visit_due_blocks(title: str, when: str, task_id: int, account_id: int) -> list[Block]:
    return [
        section(f":office: Today: *{escape(title)}* ({when})."),
        visit_buttons(task_id, account_id),
        context("Done logs it and plans the next one. No-show starts the rebooking."),
    ]


def noshow_task_blocks(account_name: str, title: str, task_id: int, account_id: int) -> list[Block]:
    return [
        section(f":no_entry_sign: No-show at *{escape(account_name)}*. {escape(title)}."),
        actions(
            button("Done", TASK_DONE_ACTION, str(task_id), style="primary"),
            button("Open account", "open_account", str(account_id)),
        ),
    ]


def noshow_chase_blocks(
    account_name: str, since: str, account_id: int, *, owner: str | None = None
) -> list[Block]:
    who = f"{mention(owner)} " if owner else ""
    blocks = [
        section(
            f":hourglass: {who}Still no new meeting with *{escape(account_name)}* since the no-show on {since}."
        )
    ]
    if owner is None:
        blocks.append(actions(button("Open account", "open_account", str(account_id))))
    return blocks


def card_section_blocks(plan: str, next_visit: str, last_visit: str, noshows: int) -> list[Block]:
    return [
        section(
            f"*Visits*\n*Plan:* {plan}\n*Next planned:* {next_visit}\n*Last visit:* {last_visit}"
            f"   *No-shows:* {noshows}"
        )
    ]
