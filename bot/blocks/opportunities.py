"""Block Kit for opportunities: one line each, lists, the pipeline and the account-card section."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.common import Block, bounded_lines, context, section
from bot.blocks.edit_forms import has_items, opportunity_menu
from bot.domain.dates import format_when
from bot.domain.opportunities import StageTotal
from bot.domain.text import escape, mention, money
from bot.storage.models import Account, Opportunity


def opportunity_line(opportunity: Opportunity, account: Account | None = None, *, now: datetime) -> str:
    """One deal on one line; the close date as people read dates (the year when not ``now``'s)."""
    parts = [f"*#{opportunity.id}* “{escape(opportunity.title)}”"]
    if account is not None:
        parts.append(f"*{escape(account.name)}*")
    parts += [escape(opportunity.kind), escape(opportunity.stage), f"MRR +{money(opportunity.mrr)}"]
    if opportunity.close_date:
        parts.append(f"close {format_when(opportunity.close_date, now=now)}")
    parts.append(f"owner {mention(opportunity.owner_id)}")
    if opportunity.status == "won":
        parts.append(":trophy: won")
    elif opportunity.status == "lost":
        parts.append(f":x: lost ({escape(opportunity.lost_reason)})")
    if opportunity.signal_id:
        parts.append(f"from signal {opportunity.signal_id}")
    return " · ".join(parts)


def list_blocks(rows: list[tuple[Opportunity, Account]], description: str, *, now: datetime) -> list[Block]:
    if not rows:
        return [
            section(f"No opportunities {description}."),
            context('Add one: `/opportunity add Acme Corp upsell "20 more seats" mrr:+1200`'),
        ]
    total = sum(o.mrr for o, _ in rows)
    lines = [f"• {opportunity_line(o, a, now=now)}" for o, a in rows[:50]]
    blocks = bounded_lines(
        f"*{len(rows)} opportunit{'ies' if len(rows) != 1 else 'y'}* {description} · MRR +{money(total)}",
        lines,
        total=len(rows),
        hint="Narrow with `kind:`, `stage:`, `owner:` or `account:`.",
    )
    more = blocks.pop() if blocks[-1].get("block_id") == "more" else None
    menu = opportunity_menu([o for o, _ in rows[:50]])
    if has_items(menu):
        blocks.append(menu)
    return [*blocks, more] if more else blocks


def pipeline_blocks(totals: list[StageTotal], description: str) -> list[Block]:
    count = sum(t.count for t in totals)
    mrr = sum(t.mrr for t in totals)
    width = max((len(t.stage) for t in totals), default=5)
    lines = [f"{'stage'.ljust(width)}  {'deals':>5}  {'MRR':>12}"]
    lines += [f"{t.stage.ljust(width)}  {t.count:>5}  {money(t.mrr):>12}" for t in totals]
    lines.append(f"{'total'.ljust(width)}  {count:>5}  {money(mrr):>12}")
    table = "```" + "\n".join(lines) + "```"
    blocks = [section(f"*Pipeline* {description}: {count} open, MRR +{money(mrr)}\n{table}")]
    blocks.append(
        context("Details: `/opportunity list all`. Move a deal: `/opportunity set 12 stage:proposal`.")
    )
    return blocks


def card_section(opportunities: list[Opportunity], account_name: str, *, now: datetime) -> list[Block]:
    if not opportunities:
        return [section("*Open opportunities:* none.")]
    total = sum(o.mrr for o in opportunities)
    lines = [f"• {opportunity_line(o, now=now)}" for o in opportunities[:5]]
    more = (
        f'\n_…and {len(opportunities) - 5} more:_ `/opportunity list all account:"{escape(account_name)}"`'
        if len(opportunities) > 5
        else ""
    )
    return [
        section(
            f"*Open opportunities ({len(opportunities)}, MRR +{money(total)})*\n" + "\n".join(lines) + more
        ),
        opportunity_menu(opportunities),
    ]
