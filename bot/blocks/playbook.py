"""``/salesbot playbook``: the workspace's playbook as TOML, and the form that changes it.

Slack shows at most 3,000 characters in a section and in a text field. The TOML is cut into parts of
whole tables (``split_toml``): a message shows them as consecutive code blocks (a playbook too long for
one message goes as a ``playbook.toml`` file instead), the form has one field per part, plus an empty
one for more, and the parts are put back together, in order, when it is saved.
"""

from __future__ import annotations

import re
from typing import Any

from bot.blocks.common import Block, context, input_block, modal, plain_text, section
from bot.blocks.limits import MAX_INITIAL_VALUE, MAX_MESSAGE_BLOCK_CHARS, MAX_VIEW_BLOCKS
from bot.domain.text import escape

PLAYBOOK_MODAL = "playbook_form"
PART = "playbook_part_"  # the form's fields: playbook_part_1, playbook_part_2 …
MORE = "playbook_more"
CODE_CHARS = 2_800  # of a section's 3,000 characters: the code fence and escaped characters fit
SHOW_EXAMPLE = "/salesbot playbook"
SET_EXAMPLE = "/salesbot playbook set"
RESET_EXAMPLE = "/salesbot playbook reset"
_HEADER = re.compile(r"^\s*\[")


def split_toml(text: str, limit: int) -> list[str]:
    """``text`` in parts of at most ``limit`` characters that join back with newlines: whole tables
    together when they fit, else whole lines (a line longer than ``limit`` alone is cut)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    tables: list[list[str]] = []
    for line in text.rstrip("\n").split("\n"):
        if _HEADER.match(line) or not tables:
            tables.append([])
        tables[-1].append(line)
    for table in tables:
        table_size = sum(len(line) + 1 for line in table)
        if current and size + table_size > limit:
            parts.append("\n".join(current))
            current, size = [], 0
        for line in table:
            while len(line) > limit:  # rare: one line longer than a whole part
                if current:
                    parts.append("\n".join(current))
                    current, size = [], 0
                parts.append(line[:limit])
                line = line[limit:]
            if current and size + len(line) + 1 > limit:
                parts.append("\n".join(current))
                current, size = [], 0
            current.append(line)
            size += len(line) + 1
    if current:
        parts.append("\n".join(current))
    return parts


def playbook_blocks(toml: str, origin: str) -> list[Block] | None:
    """The playbook as code blocks under a line saying where it comes from; None when it is too long
    for one message (send it as a file)."""
    blocks = [section(origin)]
    shown = escape(toml).replace("```", "`\u200b``")  # text, never a mention or the end of the code
    blocks += [section(f"```{part}```") for part in split_toml(shown, CODE_CHARS)]
    blocks.append(
        context(f"`{SET_EXAMPLE}` opens it in a form (admins) · `{RESET_EXAMPLE}` goes back to the default")
    )
    if (
        sum(len(b.get("text", {}).get("text", "")) for b in blocks) > MAX_MESSAGE_BLOCK_CHARS
        or len(blocks) > 45
    ):
        return None
    return blocks


def sent_as_file_blocks(origin: str) -> list[Block]:
    return [
        section(origin),
        section(
            ":page_facing_up: It is too long for a message: I sent it to you as `playbook.toml` in our DM."
        ),
    ]


def playbook_modal(toml: str, metadata: dict[str, Any]) -> Block | None:
    """The form: the playbook's TOML in as many fields as it needs, and one more for additions.
    None when even the form's 100 blocks can't hold it."""
    parts = split_toml(toml, MAX_INITIAL_VALUE - 100)
    if len(parts) + 2 > MAX_VIEW_BLOCKS:
        return None
    many = len(parts) > 1
    blocks: list[Block] = [
        context(
            "The keys you leave out keep the default's values. A playbook with a mistake is refused "
            "and the current one stays." + (" The fields are read in order, as one file." if many else "")
        )
    ]
    for n, part in enumerate(parts, start=1):
        label = f"Playbook (TOML), part {n} of {len(parts)}" if many else "Playbook (TOML)"
        element = {"type": "plain_text_input", "multiline": True, "max_length": MAX_INITIAL_VALUE}
        if part:
            element["initial_value"] = part
        blocks.append(input_block(f"{PART}{n}", label, element, optional=many))
    more = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": MAX_INITIAL_VALUE,
        "placeholder": plain_text("[[followup_rules]] …"),
    }
    blocks.append(input_block(MORE, "More (optional)", more, optional=True, hint="Added after the rest."))
    return modal(PLAYBOOK_MODAL, title="Playbook", submit="Save", metadata=metadata, blocks=blocks)


def read_form(values: dict[str, Any]) -> tuple[str, list[tuple[str, int]]]:
    """The TOML the form holds, and where each field starts: (block id, first line number)."""
    ids = sorted((b for b in values if b.startswith(PART)), key=lambda b: int(b[len(PART) :] or 0))
    ids.append(MORE) if MORE in values else None
    lines: list[str] = []
    starts: list[tuple[str, int]] = []
    for block_id in ids:
        text = str((values.get(block_id) or {}).get(block_id, {}).get("value") or "")
        starts.append((block_id, len(lines) + 1))
        lines += text.rstrip("\n").split("\n") if text.strip() else []
    return "\n".join(lines) + ("\n" if lines else ""), starts


def field_of_error(message: str, text: str, starts: list[tuple[str, int]]) -> tuple[str, str]:
    """The form field an error is about, and the error as that field reads it: the field holding the
    line a TOML error names (counted within the field), or the table of the key a playbook error
    names; else the first field."""
    if not starts:
        return MORE, message
    line = None
    if found := re.search(r"at line (\d+)", message):
        line = int(found.group(1))
    elif "at end of document" in message:
        line = max(1, text.count("\n"))
    elif found := re.match(r"([A-Za-z0-9_.-]+)(?:\[\d+\])?[.:\[]", message):
        line = _line_of_key(found.group(1).split("."), text)
    chosen, first = starts[0]
    for block_id, begins in starts:
        if line is not None and line >= begins:
            chosen, first = block_id, begins
    if first > 1 and "at line" in message:  # a later field: the line as counted in that field
        message = re.sub(r"at line (\d+)", lambda m: f"at line {int(m.group(1)) - first + 1}", message)
    return chosen, message


def _line_of_key(path: list[str], text: str) -> int | None:
    """The line of the table (or key) nearest to ``path`` (``visits.tier_cadence.gold``): the header
    ``[visits.tier_cadence.gold]`` if there is one, else ``[visits.tier_cadence]``'s, else ``[visits]``'s."""
    lines = text.split("\n")
    for n in range(len(path), 0, -1):
        dotted = re.escape(".".join(path[:n]))
        header = re.compile(rf"\s*\[\[?\s*{dotted}\s*[\].]")
        assignment = re.compile(rf"\s*\"?{re.escape(path[n - 1])}\"?\s*[=.]")
        for number, content in enumerate(lines, start=1):
            if header.match(content) or (n == 1 and assignment.match(content)):
                return number
    return None
