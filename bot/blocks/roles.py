"""Block Kit for /salesbot role and /salesbot roles."""

from __future__ import annotations

from bot.blocks.common import Block, context, line_sections, section
from bot.domain import roles
from bot.domain.text import escape, mention
from bot.storage.models import Role

EXAMPLES = (
    "`/salesbot role @dana manager` · `/salesbot role @sales-managers csm` · `/salesbot role @dana remove`"
)


def who(row: Role) -> str:
    """A person as a mention; a user group by its handle (escaped, never a ping)."""
    if row.kind == roles.USERGROUP:
        return f"the group *@{escape(row.handle or row.subject_id)}* ({len(row.members or [])} people)"
    return mention(row.subject_id)


def roles_blocks(rows: list[Role]) -> list[Block]:
    lines = [f"• *{row.role}*: {who(row)}" for row in rows]
    if not lines:
        lines = ["_No roles stored yet._"]
    return [
        *line_sections(":closed_lock_with_key: *Roles* (everyone else is a *rep*)", lines),
        context(f"Admins change them: {EXAMPLES} · what each role may do: docs/PERMISSIONS.md"),
    ]


def shown_blocks(user_id: str, resolved: roles.Resolved, group: Role | None) -> list[Block]:
    if resolved.source == "own":
        how = "their own role"
    elif resolved.source == "group" and group is not None:
        how = f"through {who(group)}"
    else:
        how = "the default: nobody gave them a role"
    return [section(f"{mention(user_id)} is *{resolved.role}* ({how}).")]


def group_shown_blocks(row: Role | None, handle: str | None, group_id: str) -> list[Block]:
    if row is None:
        return [
            section(f"The group *@{escape(handle or group_id)}* has no role: its members keep their own.")
        ]
    return [section(f"{who(row)[0].upper()}{who(row)[1:]} gives its members the role *{row.role}*.")]


def changed_blocks(subject: str, change: roles.Change) -> list[Block]:
    if change.after is None:
        text = f":white_check_mark: {subject} no longer has a role of their own (was *{change.before}*)."
    elif change.before == change.after:
        text = f"Nothing to change: {subject} is already *{change.after}*."
    else:
        was = f" (was *{change.before}*)" if change.before else ""
        text = f":white_check_mark: {subject} is now *{change.after}*{was}."
    return [section(text)]
