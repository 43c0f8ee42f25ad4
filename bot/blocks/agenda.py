"""The agenda (``/agenda``) and the App Home view."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import Block, button, context, divider, header, section
from bot.blocks.limits import more_hint
from bot.blocks.visits import DONE_ACTION, TASK_DONE_ACTION, day_label
from bot.domain.agenda import Agenda, AgendaItem
from bot.domain.dates import format_when
from bot.domain.text import escape, mention

HOME_WEEK_LIMIT = 20  # the rest of the week on the App Home; `/agenda week` has them all
KIND_EMOJI = {"visit": ":office:", "noshow": ":no_entry_sign:", "followup": ":pushpin:"}


def item_line(item: AgendaItem, agenda_tz: ZoneInfo, *, now: datetime, with_day: bool) -> str:
    local = item.due_at.astimezone(agenda_tz)
    when = day_label(local, agenda_tz, now=now) if with_day else ""
    if not item.all_day:
        when = (when + ", " if when else "") + f"{local:%H:%M}"
    when = when or "all day"
    title = escape(item.title)
    name = escape(item.account_name)
    text = title.replace(name, f"*{name}*", 1) if name and name in title else f"{title} — *{name}*"
    late = " :warning: _overdue_" if item.overdue else ""
    return f"{KIND_EMOJI.get(item.kind, ':white_small_square:')} {text} · {when}{late}"


def _done_button(item: AgendaItem, refresh: dict[str, str]) -> Block:
    action = DONE_ACTION if item.kind == "visit" else TASK_DONE_ACTION
    value = str(item.task_id) if item.kind == "visit" else json.dumps({"t": item.task_id, **refresh})
    return button("Done", action, value)


def _items(
    items: list[AgendaItem],
    agenda: Agenda,
    now: datetime,
    *,
    buttons: bool,
    refresh: dict[str, str],
    with_day: bool,
) -> list[Block]:
    blocks = []
    for item in items:
        line = item_line(item, agenda.tz, now=now, with_day=with_day)
        blocks.append(section(line, accessory=_done_button(item, refresh) if buttons else None))
    return blocks


def agenda_blocks(
    agenda: Agenda, *, now: datetime, week: bool, own: bool, refresh: dict[str, str]
) -> list[Block]:
    whose = "Your" if own else f"{mention(agenda.user_id)}'s"
    span = "this week" if week else f"today, {day_label(agenda.start, agenda.tz, now=now)}"
    blocks: list[Block] = [section(f":spiral_calendar_pad: *{whose} agenda — {span}*")]
    if agenda.empty:
        blocks.append(section("Nothing due. :sunny:"))
    if agenda.overdue:
        blocks.append(section("*Overdue*"))
        blocks += _items(agenda.overdue, agenda, now, buttons=own, refresh=refresh, with_day=True)
    if agenda.upcoming:
        if week:
            for _day, group in groupby(agenda.upcoming, key=lambda i: i.due_at.astimezone(agenda.tz).date()):
                items = list(group)
                blocks.append(section(f"*{day_label(items[0].due_at, agenda.tz, now=now)}*"))
                blocks += _items(items, agenda, now, buttons=own, refresh=refresh, with_day=False)
        else:
            blocks.append(section("*Today*"))
            blocks += _items(agenda.upcoming, agenda, now, buttons=own, refresh=refresh, with_day=False)
    if agenda.more:
        blocks.append(
            more_hint(f"…and {agenda.more} more. `/followup list` lists every open follow-up, soonest first.")
        )
    blocks.append(
        context(
            f"Times in {agenda.tz.key}. `/agenda week` for the week, `/agenda @someone` for a colleague's."
        )
    )
    return blocks


def home_view(today: Agenda, week: Agenda, next_visits: list[AgendaItem], *, now: datetime) -> dict[str, Any]:
    """The App Home: overdue + today, the rest of the week, my accounts' next visits."""
    blocks: list[Block] = [header("Your agenda")]
    if today.overdue:
        blocks.append(section("*Overdue*"))
        blocks += _items(today.overdue, today, now, buttons=True, refresh={}, with_day=True)
    blocks.append(section(f"*Today, {day_label(today.start, today.tz, now=now)}*"))
    if today.upcoming:
        blocks += _items(today.upcoming, today, now, buttons=True, refresh={}, with_day=False)
    else:
        blocks.append(context("Nothing due today."))
    later = [i for i in week.upcoming if i.due_at >= today.end]
    blocks.append(divider())
    blocks.append(section("*This week*"))
    if later:
        blocks += _items(later[:HOME_WEEK_LIMIT], week, now, buttons=True, refresh={}, with_day=True)
        if (hidden := len(later[HOME_WEEK_LIMIT:]) + week.more) > 0:
            blocks.append(more_hint(f"…and {hidden} more. `/agenda week` lists the whole week."))
    else:
        blocks.append(context("Nothing else this week."))
    blocks.append(divider())
    blocks.append(section("*Next visits on your accounts*"))
    if next_visits:
        lines = [item_line(i, today.tz, now=now, with_day=True) for i in next_visits]
        blocks.append(section("\n".join(lines)))
    else:
        blocks.append(context("No visits planned. `/visit Acme Corp every 4 months`"))
    blocks.append(context(f"Times in {today.tz.key}. Updated {format_when(now, today.tz, now=now)}."))
    return {"type": "home", "blocks": blocks[:100]}
