"""Block Kit for the weekly team digest and each rep's personal weekly summary."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.common import Block, context, header, line_sections
from bot.blocks.stats import arrow, line_text, people_count, value_text
from bot.domain.digest import Overdue, PersonalSummary, TeamDigest
from bot.domain.text import escape, mention


def _days_ago(since: datetime, now: datetime) -> str:
    days = (now - since).days
    return "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} ago"


def _overdue_line(o: Overdue, now: datetime) -> str:
    tasks = f"{o.tasks} open task{'s' if o.tasks != 1 else ''}"
    return f"• *{escape(o.name)}*: {tasks}, the oldest due {_days_ago(o.since, now)}"


def team_digest_blocks(digest: TeamDigest, now: datetime) -> list[Block]:
    report = digest.report
    period = report.period
    changes = [
        f"• {line.label}: *{value_text(line.actual, line.kind)}* "
        f"(week before {value_text(line.previous, line.kind)} {arrow(line.actual, line.previous)})"
        + (f" · target {value_text(line.target, line.kind)}" if line.target is not None else "")
        for line in digest.changes
    ]
    overdue = [_overdue_line(o, now) for o in digest.overdue] or ["• nothing overdue :tada:"]
    waiting = [
        f"• *{escape(w.account_name)}* · {escape(w.kind)} · flagged {_days_ago(w.flagged_at, now)}"
        for w in digest.waiting
    ]
    if digest.waiting_count > len(digest.waiting):
        waiting.append(f"… and {digest.waiting_count - len(digest.waiting)} more")
    best = [
        f"• {metric}: {', '.join(mention(p) for p in people)} ({value_text(count, 'count')})"
        for metric, people, count in digest.best
    ] or ["• nobody logged anything this week"]
    return [
        header(f"Weekly digest · {period.title}"),
        *line_sections(
            f"{mention(digest.manager_id)}'s team · {people_count(len(report.members))} · {period.label}",
            [],
        ),
        *line_sections("*What changed since last week*", changes),
        *line_sections("*Most overdue accounts*", overdue),
        *line_sections(f"*Signals waiting for a decision* ({digest.waiting_count})", waiting or ["• none"]),
        *line_sections("*Best of the week*", best),
        context(
            "The chart above: each rep's inputs against target, and the expansion pipeline · `/stats team week`"
        ),
    ]


def summary_blocks(summary: PersonalSummary, now: datetime) -> list[Block]:
    period = summary.period
    lines = [line_text(line, period.previous_name) for line in summary.lines] or ["• nothing logged"]
    overdue = [_overdue_line(o, now) for o in summary.overdue]
    if summary.overdue_count > len(summary.overdue):
        overdue.append(f"… and {summary.overdue_count - len(summary.overdue)} more accounts")
    return [
        header(f"Your week · {period.title}"),
        *line_sections("*Your figures* (against your targets and the week before)", lines),
        *line_sections("*Overdue*", overdue or ["• nothing overdue :tada:"]),
        context("`/stats` any time · `/salesbot nudges off weekly` stops this summary"),
    ]
