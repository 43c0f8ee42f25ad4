"""Block Kit for /targets: a plan, the coverage the accounts imply, and a simulation."""

from __future__ import annotations

from bot.blocks.common import Block, context, line_sections, section
from bot.blocks.stats import value_text
from bot.domain.stats import Simulation
from bot.domain.targets import CoverageTarget, TargetSpec, format_amount, plural
from bot.domain.text import mention


def spec_text(spec: TargetSpec) -> str:
    return f"`{spec.metric}:{format_amount(spec.amount).replace(',', '')}/{spec.per}`"


def set_blocks(whose: str, specs: list[TargetSpec]) -> list[Block]:
    return [
        section(f":dart: Targets set for {whose}: " + ", ".join(spec_text(s) for s in specs)),
        context("`/targets show` lists the whole plan · `/stats` compares it with what happened"),
    ]


def plan_lines(targets: dict[str, TargetSpec], coverage: list[CoverageTarget]) -> list[str]:
    lines = [f"• {spec_text(s)}" for s in targets.values()] or ["• _no targets set_"]
    if coverage:
        lines.append("_From the accounts owned (playbook coverage targets, per account per year):_")
        lines += [
            f"• {c.tier}: {c.accounts} account{'s' if c.accounts != 1 else ''} × {format_amount(c.per_account_year)} "
            f"{plural(c.activity_type)} = {format_amount(c.accounts * c.per_account_year)} a year"
            for c in coverage
        ]
    return lines


def show_blocks(whose: str, targets: dict[str, TargetSpec], coverage: list[CoverageTarget]) -> list[Block]:
    return line_sections(f":dart: *Plan of {whose}*", plan_lines(targets, coverage))


def team_show_blocks(
    manager_id: str,
    team_targets: dict[str, TargetSpec],
    members: dict[str, tuple[dict[str, TargetSpec], list[CoverageTarget]]],
) -> list[Block]:
    lines = [f"*Team targets:* {', '.join(spec_text(s) for s in team_targets.values()) or '_none_'}"]
    for member, (targets, coverage) in members.items():
        lines.append(f"*{mention(member)}*")
        lines += plan_lines(targets, coverage)
    return line_sections(f":dart: *Plan of {mention(manager_id)}'s team*", lines)


def cleared_blocks(whose: str, count: int) -> list[Block]:
    if not count:
        return [section(f"No such target for {whose}: nothing to clear.")]
    return [section(f":wastebasket: Cleared {count} target{'s' if count != 1 else ''} of {whose}.")]


def simulation_blocks(sim: Simulation) -> list[Block]:
    n = len(sim.reps)
    head = (
        f":test_tube: *If this plan had applied in {sim.period.label}* ({n} people; nothing was changed)\n"
        + ", ".join(spec_text(s) for s in sim.specs)
    )
    lines = []
    for spec in sim.specs:
        lines.append(
            f"• {spec.metric}: target {value_text(sim.targets[spec.metric], 'count')} over the period · "
            f"met by *{sim.count_met(spec.metric)} of {n}*"
        )
    share = round(100 * sim.share)
    lines.append(f"*Whole plan met by {sim.plan_met} of {n} ({share} %)*")
    if sim.verdict == "too hard":
        lines.append(
            ":triangular_flag_on_post: Fewer than 70 % would have met it: the plan looks too hard. Aim for 70–80 %."
        )
    elif sim.verdict == "too easy":
        lines.append(
            ":triangular_flag_on_post: More than 95 % would have met it: the plan looks too easy. Aim for 70–80 %."
        )
    else:
        lines.append(":white_check_mark: Within the 70–95 % band (aim for 70–80 %).")
    lines.append("*Each person* (actual in the period):")
    for rep in sim.reps:
        figures = ", ".join(
            f"{s.metric} {value_text(sim.actual[rep][s.metric], 'count')}"
            + ("" if sim.met(rep, s.metric) else " ✗")
            for s in sim.specs
        )
        mark = ":white_check_mark:" if sim.met_all(rep) else ":x:"
        lines.append(f"{mark} {mention(rep)}: {figures}")
    return line_sections(head, lines)
