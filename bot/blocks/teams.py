"""Block Kit for /team: who reports to whom, one team, and what changed."""

from __future__ import annotations

from bot.blocks.common import Block, context, line_sections, section
from bot.domain.teams import Added
from bot.domain.text import channel_link, mention


def _members(members: list[str]) -> str:
    return ", ".join(mention(m) for m in members) if members else "_nobody yet_"


def teams_blocks(teams: dict[str, list[str]]) -> list[Block]:
    if not teams:
        return [
            section("No teams yet."),
            context("Example: `/team add @manager @alice @bob` (admins, or the manager themselves)"),
        ]
    lines = [f"• {mention(manager)} ← {_members(members)}" for manager, members in teams.items()]
    return [
        *line_sections(":busts_in_silhouette: *Teams* (manager ← members)", lines),
        context("`/team show @manager` for one team · `/team help`"),
    ]


def team_blocks(manager_id: str, members: list[str], channel_id: str | None, boss: str | None) -> list[Block]:
    lines = [
        f":busts_in_silhouette: *{mention(manager_id)}'s team* ({len(members)})",
        _members(members),
        f"*Weekly digest:* {channel_link(channel_id) if channel_id else 'by DM to ' + mention(manager_id)}",
    ]
    if boss:
        lines.append(f"*Reports to:* {mention(boss)}")
    return [section("\n".join(lines))]


def added_blocks(manager_id: str, added: list[Added], members: list[str]) -> list[Block]:
    if not added:
        return [section(f"Nothing to change: they are already in {mention(manager_id)}'s team.")]
    moved = [a for a in added if a.previous_manager]
    text = (
        f":white_check_mark: Added {_members([a.member_id for a in added])} to {mention(manager_id)}'s team."
    )
    for a in moved:
        text += f"\n{mention(a.member_id)} moved from {mention(a.previous_manager)}'s team."
    return [section(text), context(f"Team now: {_members(members)}")]


def removed_blocks(manager_id: str, removed: list[str], members: list[str]) -> list[Block]:
    return [
        section(f":white_check_mark: Removed {_members(removed)} from {mention(manager_id)}'s team."),
        context(f"Team now: {_members(members)}"),
    ]


def channel_blocks(manager_id: str, channel_id: str | None) -> list[Block]:
    where = channel_link(channel_id) if channel_id else f"{mention(manager_id)} by DM"
    return [section(f":white_check_mark: {mention(manager_id)}'s weekly digest now goes to {where}.")]


def refused_blocks(manager_id: str) -> list[Block]:
    return [
        section(
            f":lock: Only {mention(manager_id)} or an admin can change {mention(manager_id)}'s team. "
            "Anyone can read it: `/team show @manager`."
        )
    ]
