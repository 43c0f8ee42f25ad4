"""Block Kit as terminal text: what a person would read in Slack, with buttons numbered to press."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from bot.domain.dates import format_when

Block = dict[str, Any]

# Elements a person can act on in a message or on the App Home.
INTERACTIVE = {
    "button",
    "overflow",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "datepicker",
    "timepicker",
    "checkboxes",
    "radio_buttons",
}
_LINK = re.compile(r"<([^<>]*)>")
WIDTH = 100


@dataclass
class Names:
    """Who and what ids stand for, to show ``<@U0ALICE>`` as ``@alice`` and ``<#C0ACME>`` as ``#acme-team``."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    # The reader's zone: Slack shows ``<!date^…>`` in it. Without one, the fallback text is shown.
    tz: tzinfo | None = None


def _slack_date(target: str, label: str, tz: tzinfo | None) -> str:
    """``!date^1700000000^{date_short_pretty} {time}`` in the reader's zone, like Slack shows it."""
    parts = target.split("^")
    if tz is None or len(parts) < 3 or not parts[1].isdigit():
        return label or target
    at = datetime.fromtimestamp(int(parts[1]), tz)
    return format_when(at, tz, now=datetime.now(tz), with_time="{time" in parts[2])


def mrkdwn(text: str, names: Names) -> str:
    """Slack's control sequences resolved, entities unescaped; *bold*, _italics_ and `code` kept as typed."""

    def link(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (names.users.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (names.channels.get(target[1:]) or label or target[1:])
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!date^"):
            return _slack_date(target, label, names.tz)
        if target.startswith("!"):
            return "@" + target[1:]
        if label:
            return f"{label} ({target})"
        return target

    text = _LINK.sub(link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(obj: Any, names: Names) -> str:
    """A text object (plain_text or mrkdwn) as terminal text."""
    if not isinstance(obj, dict):
        return "" if obj is None else str(obj)
    raw = str(obj.get("text", ""))
    return mrkdwn(raw, names) if obj.get("type") == "mrkdwn" else raw


def _indent(text: str, prefix: str = "  ") -> list[str]:
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        wrapped = textwrap.wrap(line, WIDTH - len(prefix), replace_whitespace=False) or [""]
        lines += [prefix + w for w in wrapped]
    return lines


def element_label(element: Block, names: Names) -> str:
    kind = element.get("type")
    if kind == "button":
        return text_of(element.get("text"), names)
    if kind == "overflow":
        return "…"
    if kind == "datepicker":
        initial = element.get("initial_date")
        if not initial:
            return "date (pick)"
        return "date " + format_when(date.fromisoformat(initial), now=datetime.now(names.tz or UTC))
    if kind == "timepicker":
        return f"time {element.get('initial_time') or '(pick)'}"
    placeholder = text_of(element.get("placeholder"), names)
    initial = element.get("initial_option")
    if isinstance(initial, dict):
        return f"{text_of(initial.get('text'), names)} ▾"
    return f"{placeholder or 'Choose'} ▾"


class Renderer:
    """Renders blocks; each interactive element is numbered by ``number(element, its block)``."""

    def __init__(self, names: Names, number: Callable[[Block, Block], int]) -> None:
        self.names = names
        self.number = number

    def _control(self, element: Block, block: Block) -> str:
        return f"[{self.number(element, block)}] {element_label(element, self.names)}"

    def blocks(self, blocks: list[Block] | None) -> list[str]:
        out: list[str] = []
        for block in blocks or []:
            out += self.block(block)
        return out

    def block(self, block: Block) -> list[str]:
        kind = block.get("type")
        names = self.names
        if kind == "header":
            title = text_of(block.get("text"), names)
            return ["", f"  {title}", "  " + "=" * min(len(title), WIDTH - 2)]
        if kind == "divider":
            return ["  " + "─" * 40]
        if kind == "section":
            lines: list[str] = []
            if block.get("text"):
                lines += _indent(text_of(block["text"], names))
            for f in block.get("fields") or []:
                lines += _indent(text_of(f, names), "    ")
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") in INTERACTIVE:
                lines.append("    " + self._control(accessory, block))
            elif isinstance(accessory, dict) and accessory.get("type") == "image":
                lines.append(f"    [image: {accessory.get('alt_text', '')}]")
            return lines
        if kind == "context":
            parts = []
            for element in block.get("elements") or []:
                if element.get("type") == "image":
                    parts.append(f"[{element.get('alt_text', 'image')}]")
                else:
                    parts.append(text_of(element, names))
            return _indent(" · ".join(p for p in parts if p), "  ░ ")
        if kind == "actions":
            controls = [
                self._control(e, block) for e in block.get("elements") or [] if e.get("type") in INTERACTIVE
            ]
            return ["  " + "  ".join(controls)] if controls else []
        if kind == "image":
            return [f"  [image: {block.get('alt_text', '')}]"]
        if kind == "input":
            label = text_of(block.get("label"), names)
            optional = " (optional)" if block.get("optional") else ""
            return [f"  ▸ {label}{optional}"]
        if kind == "rich_text":
            return _indent(_rich_text(block, names))
        return [f"  [{kind} block]"]


def _rich_text(node: Any, names: Names) -> str:
    if isinstance(node, list):
        return "".join(_rich_text(n, names) for n in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "user":
        return "@" + names.users.get(node.get("user_id", ""), node.get("user_id", ""))
    if kind == "channel":
        return "#" + names.channels.get(node.get("channel_id", ""), node.get("channel_id", ""))
    if kind == "link":
        return str(node.get("text") or node.get("url", ""))
    if kind == "emoji":
        return f":{node.get('name', '')}:"
    inner = _rich_text(node.get("elements", []), names)
    return (
        inner + "\n" if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote") else inner
    )
