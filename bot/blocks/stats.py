"""Block Kit for /stats: each figure beside its target and the previous period, with an arrow."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.blocks.common import Block, context, divider, header, line_sections
from bot.domain.dates import format_when
from bot.domain.periods import Period
from bot.domain.stats import Line, TeamReport
from bot.domain.targets import format_amount
from bot.domain.text import mention


def people_count(n: int) -> str:
    return "1 person" if n == 1 else f"{n:,} people"


def value_text(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{round(100 * value)} %"
    if kind == "days":
        return f"{value:.1f} d"
    return format_amount(value)


def arrow(actual: float | None, previous: float | None) -> str:
    if actual is None or previous is None:
        return ""
    if abs(actual - previous) < 1e-9:
        return "→"
    return "↑" if actual > previous else "↓"


def line_text(line: Line, previous_name: str) -> str:
    text = f"• {line.label}: *{value_text(line.actual, line.kind)}*"
    if line.detail:
        text += f" ({line.detail})"
    if line.target is not None:
        text += f" · target {value_text(line.target, line.kind)}"
        if line.target and line.actual is not None:
            text += f" ({round(100 * line.actual / line.target)} %)"
    text += f" · {previous_name} {value_text(line.previous, line.kind)} {arrow(line.actual, line.previous)}"
    return text.rstrip()


def lines_blocks(lines: list[Line], period: Period) -> list[Block]:
    blocks: list[Block] = []
    for section, title in (("inputs", "*Inputs*"), ("outputs", "*Outputs*")):
        texts = [line_text(line, period.previous_name) for line in lines if line.section == section]
        blocks += line_sections(title, texts)
    return blocks


def person_blocks(user_id: str, lines: list[Line], period: Period, *, now: datetime) -> list[Block]:
    return [
        header(f"Stats · {period.title}"),
        *line_sections(f"{mention(user_id)} · {period.label}", []),
        *lines_blocks(lines, period),
        context(_footer(period, now)),
    ]


KEY_METRICS = ("calls", "meetings", "visits", "demos", "opportunities", "won", "won_mrr")


def member_summary(user_id: str, lines: list[Line]) -> str:
    parts = []
    for line in lines:
        if line.metric in KEY_METRICS or line.target is not None:
            part = f"{line.label} {value_text(line.actual, line.kind)}"
            if line.target is not None:
                part += f"/{value_text(line.target, line.kind)}"
            parts.append(part)
    return f"• {mention(user_id)}: " + (", ".join(parts) or "nothing yet")


def team_blocks(report: TeamReport, *, now: datetime) -> list[Block]:
    period = report.period
    blocks: list[Block] = [
        header(f"Team stats · {period.title}"),
        *line_sections(
            f"{mention(report.manager_id)}'s team · {people_count(len(report.members))} · {period.label}", []
        ),
        *lines_blocks(report.total, period),
        divider(),
        *line_sections(
            "*Each member* (actual/target)",
            [member_summary(m, report.by_member[m]) for m in report.members],
        ),
        context(_footer(period, now) + " · `/stats @name` for one person's detail"),
    ]
    return blocks


def _footer(period: Period, now: datetime) -> str:
    """The days counted, first to last, as people read dates (``Mon 23 Nov to Sun 29 Nov``)."""
    start = format_when(period.first, now=now.astimezone(period.tz))
    end = format_when(period.next_first - timedelta(days=1), now=now.astimezone(period.tz))
    return f"{start} to {end} ({period.tz.key}) · definitions: docs/stats.md"


def refused_blocks() -> list[Block]:
    return line_sections(
        ":lock: Sorry, you can see your own numbers, and a manager those of their team. "
        "Ask the person's manager or an admin.",
        [],
    )
