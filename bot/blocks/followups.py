"""Block Kit for follow-ups: the confirmation, the due reminder, "What's next?", lists, the card section."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import Block, actions, button, context, input_block, modal, section
from bot.blocks.edit_forms import followup_menu
from bot.blocks.followup_label import number_label
from bot.domain.dates import format_when, when_local
from bot.domain.text import channel_link, escape, mention, titled
from bot.storage.models import Account, Task

UNDO = "followup_undo"
DONE = "followup_done"
SNOOZE_PREFIX = "followup_snooze_"  # + 1h | tomorrow | week
RESCHEDULE = "followup_reschedule"
OPEN_ACCOUNT = "followup_open_account"
MOVE_TO_DAY = "followup_move_to_day"  # value: "<task id>:<YYYY-MM-DD>"
NEXT_PREFIX = "followup_next_"  # + number of days
NEXT_CUSTOM = "followup_next_custom"
NEXT_MODAL = "followup_next_modal"
NEXT_CHOICES = ((7, "Follow up in 1 week"), (14, "Follow up in 2 weeks"))


def due_line(
    due: datetime,
    *,
    viewer_id: str,
    viewer_tz: ZoneInfo,
    assignee_id: str,
    assignee_tz: ZoneInfo,
    now: datetime,
) -> str:
    """The due time in the viewer's zone, plus the assignee's wall clock when it reads differently."""
    mine = when_local(due, viewer_tz, now=now)
    if assignee_id == viewer_id:
        return mine
    theirs = when_local(due, assignee_tz, now=now)
    if theirs == mine:
        return f"{mine} (same for {mention(assignee_id)})"
    return f"{mine} your time · {theirs} for {mention(assignee_id)}"


def who(user_id: str | None, viewer_id: str) -> str:
    return "you" if user_id == viewer_id else mention(user_id)


CREATED_HEADING = ":white_check_mark: Follow-up set"


def created_blocks(
    task: Task,
    account: Account,
    *,
    viewer_id: str,
    viewer_tz: ZoneInfo,
    assignee_tz: ZoneInfo,
    deliver_at: datetime | None,
    channel_id: str | None,
    heading: str = CREATED_HEADING,
    holiday: tuple[str, date] | None = None,
) -> list[Block]:
    """``holiday``: (its name, the next working day) when the due day is a holiday."""
    lines = [
        f"{heading}: *{escape(titled(task.title, account.name))}* · *{escape(account.name)}* · "
        f"{number_label(task, viewer_id)}",
        f"*Assigned to:* {who(task.assignee_id, viewer_id)}",
        "*Due:* "
        + due_line(
            task.due_at,
            viewer_id=viewer_id,
            viewer_tz=viewer_tz,
            assignee_id=task.assignee_id,
            assignee_tz=assignee_tz,
            now=task.created_at,
        ),
    ]
    notes = []
    if deliver_at is not None and deliver_at > task.due_at:
        notes.append(
            f"That is outside {'your' if task.assignee_id == viewer_id else 'their'} working hours: "
            f"the reminder comes at the start of the next working day ({when_local(deliver_at, assignee_tz, now=task.created_at)}"
            + ("" if task.assignee_id == viewer_id else " their time")
            + ")."
        )
    if channel_id:
        notes.append(f"The reminder is also posted in {channel_link(channel_id)}.")
    blocks = [section("\n".join(lines))]
    if holiday is not None:
        name, next_day = holiday
        due_day = task.due_at.astimezone(assignee_tz)
        blocks.append(
            section(
                f":palm_tree: {day_label(due_day, task.created_at)} is a holiday ({escape(name)}). "
                f"Move it to the next working day, {day_label(next_day, task.created_at)}?"
            )
        )
    if notes:
        blocks.append(context(" ".join(notes)))
    buttons = [
        button("Undo", UNDO, str(task.id), style="danger"),
        button("Open account", OPEN_ACCOUNT, str(task.id)),
    ]
    if holiday is not None:
        move = button(
            f"Move to {day_label(holiday[1], task.created_at)}",
            MOVE_TO_DAY,
            f"{task.id}:{holiday[1].isoformat()}",
        )
        buttons.insert(0, move)
    blocks.append(actions(*buttons))
    return blocks


def day_label(day: date | datetime, now: datetime) -> str:
    return format_when(day, now=now, with_time=False)


def reminder_text(task: Task, account: Account) -> str:
    """The notification text: escaped like everything typed, since Slack reads it as mrkdwn too."""
    return f"Follow-up due: {escape(titled(task.title, account.name))} · {escape(account.name)}"


def reminder_blocks(
    task: Task, account: Account, *, assignee_tz: ZoneInfo, now: datetime, note: str = ""
) -> list[Block]:
    """The DM at the due time, with every action on it."""
    asked = "" if task.created_by in (None, task.assignee_id) else f" · asked by {mention(task.created_by)}"
    source = " · after a logged activity" if task.source_activity_id else ""
    blocks = [
        section(
            f":alarm_clock: *{escape(titled(task.title, account.name))}* {number_label(task)}\n"
            f"*{escape(account.name)}*{asked}{source} · due {when_local(task.due_at, assignee_tz, now=now)}"
        )
    ]
    if note:
        blocks.append(context(note))
    blocks.append(
        actions(
            button("Done", DONE, str(task.id), style="primary"),
            button("Snooze 1 hour", SNOOZE_PREFIX + "1h", str(task.id)),
            button("Snooze till tomorrow", SNOOZE_PREFIX + "tomorrow", str(task.id)),
            button("Snooze till next week", SNOOZE_PREFIX + "week", str(task.id)),
            {
                "type": "datepicker",
                "action_id": RESCHEDULE,
                "initial_date": task.due_at.astimezone(assignee_tz).date().isoformat(),
                "placeholder": {"type": "plain_text", "text": "Reschedule"},
            },
            button("Open account", OPEN_ACCOUNT, str(task.id)),
            block_id=f"followup:{task.id}",
        )
    )
    return blocks


def channel_reminder_blocks(task: Task, account: Account, *, tz: ZoneInfo, now: datetime) -> list[Block]:
    """The post in a channel: mentions the assignee; the actions are in their DM. The due time is
    on the assignee's clock (``tz``), the one it was set on."""
    asked = "" if task.created_by in (None, task.assignee_id) else f" (asked by {mention(task.created_by)})"
    return [
        section(
            f":alarm_clock: {mention(task.assignee_id)}, follow-up due: *{escape(titled(task.title, account.name))}* · "
            f"*{escape(account.name)}*{asked}"
        ),
        context(
            f"Due {when_local(task.due_at, tz, now=now)} ({tz.key}) · "
            f"{mention(task.assignee_id)}'s follow-up `#{task.number}`"
        ),
    ]


def done_blocks(task: Task, account: Account, *, viewer_id: str | None = None) -> list[Block]:
    """Done, and one click to the next step so the account never drops without one."""
    value = json.dumps({"a": account.id, "t": task.id}, separators=(",", ":"))
    return [
        section(
            f":white_check_mark: Done: ~{escape(titled(task.title, account.name))}~ · *{escape(account.name)}* "
            f"{number_label(task, viewer_id)}"
        ),
        section(f"*What's next with {escape(account.name)}?*"),
        actions(
            *(button(label, f"{NEXT_PREFIX}{days}", value) for days, label in NEXT_CHOICES),
            button("Custom…", NEXT_CUSTOM, value),
        ),
    ]


def closed_blocks(task: Task, account: Account, verb: str, *, viewer_id: str | None = None) -> list[Block]:
    return [
        section(
            f":leftwards_arrow_with_hook: {verb}: ~{escape(titled(task.title, account.name))}~ · "
            f"*{escape(account.name)}* {number_label(task, viewer_id)}"
        )
    ]


def moved_blocks(
    task: Task,
    account: Account,
    *,
    tz: ZoneInfo,
    how: str,
    viewer_id: str,
    now: datetime,
    deliver_at: datetime | None = None,
) -> list[Block]:
    """After a snooze or reschedule; ``tz`` is the assignee's zone. ``deliver_at`` is when the reminder
    really comes: later than the due time when that falls outside the assignee's working hours."""
    own = task.assignee_id == viewer_id
    whose = "" if own else " their time"
    when = when_local(task.due_at, tz, now=now) + whose
    if deliver_at is not None and deliver_at > task.due_at:
        when = (
            f"{when_local(deliver_at, tz, now=now)}{whose}, {'your' if own else 'their'} next working morning"
        )
    return [
        section(
            f":zzz: {how}: *{escape(titled(task.title, account.name))}* · *{escape(account.name)}* "
            f"{number_label(task, viewer_id)} — "
            f"I'll remind {who(task.assignee_id, viewer_id)} {when}."
        )
    ]


def info_blocks(message: str) -> list[Block]:
    return [section(f":information_source: {escape(message)}")]


PAGE_SIZE = 40  # follow-ups per page of /followup list (the domain's LIST_LIMIT)


def list_blocks(
    rows: list[tuple[Task, Account]], total: int, *, tz: ZoneInfo, now: datetime, page: int = 1
) -> list[Block]:
    if not rows and page > 1:
        return [
            section(
                f"Page {page} is empty: you have {total} open follow-ups. `/followup list` shows the first."
            )
        ]
    if not rows:
        return [
            section("You have no open follow-ups. :tada:"),
            context("Add one: `/followup Acme Corp: send the proposal tomorrow 9am`"),
        ]
    first = (page - 1) * PAGE_SIZE
    shown = f", {first + 1}–{first + len(rows)}" if page > 1 or total > len(rows) else ""
    blocks: list[Block] = [section(f"*Your open follow-ups* ({total}{shown})")]
    for task, account in rows:
        late = " · :red_circle: overdue" if task.due_at < now else ""
        blocks.append(
            section(
                f"`#{task.number}` *{escape(titled(task.title, account.name))}* · {escape(account.name)} · "
                f"due {when_local(task.due_at, tz, now=now)}{late}",
                accessory=button("Done", DONE, str(task.id)),
            )
        )
    footer = "`/followup done N` · `/followup snooze N tomorrow` · `/followup cancel N`"
    if (rest := total - first - len(rows)) > 0:
        footer = f"…and {rest} more, due later: `/followup list {page + 1}`. " + footer
    blocks.append(followup_menu([(task, account.name) for task, account in rows]))
    blocks.append(context(footer))
    return blocks


def card_section(tasks: list[Task], total: int, account_name: str, *, now: datetime) -> list[Block]:
    """Open follow-ups on the account card, soonest first; due times in the reader's zone (``now``'s).
    Each shows its assignee's number (``@bob #3``: ``/followup done @bob 3``)."""
    if not tasks:
        example = f"/followup {escape(account_name)}: send the proposal tomorrow 9am"
        return [section(f"*Open follow-ups*\n_None._ Add one: `{example}`")]
    tz = now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC")
    lines = [
        f"• *{escape(titled(t.title, account_name))}* · due {when_local(t.due_at, tz, now=now)} · "
        f"{mention(t.assignee_id)} `#{t.number}`"
        for t in tasks
    ]
    if total > len(tasks):
        lines.append(
            f"…and {total - len(tasks)} more, due later: `/followup list` shows each assignee theirs."
        )
    return [
        section("*Open follow-ups*\n" + "\n".join(lines)),
        followup_menu([(t, account_name) for t in tasks]),
    ]


def next_modal(
    account: Account, default_day: str, metadata: dict[str, Any], *, title: str = ""
) -> dict[str, Any]:
    """The small "Custom…" form: what (``title`` when given), and on which day."""
    return modal(
        NEXT_MODAL,
        title="Next follow-up",
        submit="Schedule",
        metadata=metadata,
        blocks=[
            section(f"Next step with *{escape(account.name)}*"),
            input_block(
                "what",
                "What",
                {
                    "type": "plain_text_input",
                    "initial_value": (title or f"Follow up with {account.name}")[:500],
                    "max_length": 500,
                },
            ),
            input_block("date", "Day", {"type": "datepicker", "initial_date": default_day}),
        ],
    )
