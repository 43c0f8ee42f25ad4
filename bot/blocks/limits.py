"""Slack's Block Kit limits, in one place: every message, modal and App Home view is fitted and
checked here before it is sent (``bot/slack_client.py`` calls ``fit_message`` / ``fit_view``).

Builders keep to the limits themselves (a list says "…and N more" with the command that shows the
rest); this is the net under all of them. What is too long is cut with ``cut``, which never cuts
inside an entity (``&amp;``), a mention (``<@U…>``) or a link (``<url|label>``) and says how much was
left out. A message with too many blocks, or too many characters in its blocks, keeps what fits and
ends with "…and N more", followed by the surface's own hint when it has one: a ``context`` block
whose ``block_id`` is ``more`` (``more_hint``), else a general one.

The limits (https://api.slack.com/reference/block-kit/blocks, /surfaces, /composition-objects):
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # a modal and the App Home tab
MAX_MESSAGE_BLOCK_CHARS = (
    12_000  # Slack refuses somewhat over 13 000 characters of text in a message's blocks
)
MAX_FALLBACK_TEXT = 3000  # ``text`` beside blocks: the notification and screen-reader text
MAX_TEXT = 4000  # ``text`` of a message without blocks (Slack refuses 40 000, advises 4 000)
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100  # in a menu, in an options response (external select), and groups in one
MAX_OPTION_VALUE = 150
MAX_OVERFLOW_OPTIONS = 5
MAX_PLACEHOLDER = 150
MAX_LABEL = 2000  # input block label and hint
MAX_INITIAL_VALUE = 3000  # plain_text_input
MAX_ALT_TEXT = 2000
MAX_VIEW_TITLE = 24  # title, submit and close of a modal
MAX_PRIVATE_METADATA = 3000
# A form's refusal under a field (``response_action: errors``): Slack documents no limit and shows it
# like a hint, so it is held to a hint's.
MAX_ERROR_TEXT = MAX_LABEL

GENERAL_HINT = "Narrow the command (one account, one person, a status) to see the rest."

# An entity (&amp; &lt; &gt; &#8226;) or a Slack token (<@U…>, <#C…|name>, <!here>, <https://…|label>).
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_TOKEN = re.compile(r"<[^<>\n]*>")


def cut(text: str, limit: int, *, unit: str = "characters") -> str:
    """``text`` in at most ``limit`` characters. When it has to be cut, it ends with
    "… (N more characters)" and never inside an entity, a mention or a link; at a line break when
    one is close to the cut."""
    if len(text) <= limit:
        return text
    keep = limit - 40  # room for the marker
    if keep <= 0:
        return text[: max(limit - 1, 0)] + "…" if limit > 0 else ""
    keep = _safe_end(text, keep)
    newline = text.rfind("\n", 0, keep)
    if newline > keep * 0.8:
        keep = newline
    rest = len(text) - keep
    marker = f"… _({rest} more {unit})_" if limit >= 60 else "…"
    return text[:keep].rstrip() + marker


def cut_plain(text: str, limit: int) -> str:
    """A ``plain_text`` cut (labels, headers, options): ends with "…", no mrkdwn in the marker."""
    if len(text) <= limit:
        return text
    return text[: _safe_end(text, limit - 1)].rstrip() + "…"


def _safe_end(text: str, end: int) -> int:
    """The largest position ≤ ``end`` that is not inside an entity or a ``<…>`` token."""
    for pattern in (_TOKEN, _ENTITY):
        opener = "<" if pattern is _TOKEN else "&"
        start = text.rfind(opener, max(0, end - 4000), end)
        if start >= 0:
            match = pattern.match(text, start)
            if match and match.end() > end:
                end = start
    # never split a surrogate pair or a combining sequence's base from its mark
    while 0 < end < len(text) and _is_combining(text[end]):
        end -= 1
    return end


def _is_combining(char: str) -> bool:
    return "\u0300" <= char <= "\u036f" or "\ufe00" <= char <= "\ufe0f" or char == "\u200d"


def more_hint(text: str) -> Block:
    """The line that says how to see the rest of a list, kept last when a message has to be cut."""
    return {"type": "context", "block_id": "more", "elements": [{"type": "mrkdwn", "text": text}]}


@dataclass
class Fitted:
    """What fitting changed (for the log): ``cuts`` texts cut, ``dropped`` blocks left out."""

    cuts: list[str] = field(default_factory=list)
    dropped: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.cuts or self.dropped)


# -- fitting ----------------------------------------------------------------------------------------
def fit_message(payload: dict[str, Any], *, report: Fitted | None = None) -> dict[str, Any]:
    """A copy of a message (chat.postMessage/update/postEphemeral, a response_url body) within limits."""
    report = report if report is not None else Fitted()
    fitted = dict(payload)
    blocks = fitted.get("blocks")
    if isinstance(blocks, list):
        fitted["blocks"] = fit_blocks(
            blocks, max_blocks=MAX_MESSAGE_BLOCKS, max_chars=MAX_MESSAGE_BLOCK_CHARS, report=report
        )
    text = fitted.get("text")
    if isinstance(text, str):
        limit = MAX_FALLBACK_TEXT if fitted.get("blocks") else MAX_TEXT
        if len(text) > limit:
            fitted["text"] = cut(text, limit)
            report.cuts.append(f"text {len(text)}")
    return fitted


def fit_view(view: dict[str, Any], *, report: Fitted | None = None) -> dict[str, Any]:
    """A copy of a modal or Home tab view within limits."""
    report = report if report is not None else Fitted()
    fitted = dict(view)
    for key in ("title", "submit", "close"):
        if key in fitted:
            fitted[key] = _fit_text_object(fitted[key], MAX_VIEW_TITLE, report, key)
    if isinstance(fitted.get("blocks"), list):
        fitted["blocks"] = fit_blocks(
            fitted["blocks"], max_blocks=MAX_VIEW_BLOCKS, max_chars=None, report=report
        )
    return fitted


def fit_blocks(
    blocks: list[Block], *, max_blocks: int, max_chars: int | None, report: Fitted | None = None
) -> list[Block]:
    """Each block within its own limits; then as many blocks as fit, and "…and N more" for the rest."""
    report = report if report is not None else Fitted()
    fitted = [_fit_block(_copied(block), report) for block in blocks]
    hint_block = next((b for b in fitted if b.get("block_id") == "more" and b.get("type") == "context"), None)
    if len(fitted) <= max_blocks and (max_chars is None or block_chars(fitted) <= max_chars):
        return fitted
    body = [b for b in fitted if b is not hint_block]
    tail = _closing_actions(body)  # the message's own buttons (Edit, Log …) stay
    body = body[: len(body) - len(tail)]
    hint = _context_text(hint_block) if hint_block else GENERAL_HINT
    budget_chars = (max_chars or 10**9) - len(hint) - 40 - block_chars(tail)
    kept: list[Block] = []
    used = 0
    for block in body:
        size = block_chars([block])
        if len(kept) + len(tail) + 1 >= max_blocks or used + size > budget_chars:
            break
        kept.append(block)
        used += size
    while kept and kept[-1].get("type") in ("divider", "header"):  # don't end on a heading
        kept.pop()
    left_out = body[len(kept) :]
    shown = sum(1 for b in left_out if b.get("type") in ("section", "context", "image", "input"))
    report.dropped += len(left_out)
    if not left_out:  # only the "more" line changed: still a cut message
        report.cuts.append("more")
    more = f"…and {max(shown, 1)} more. {hint}"
    closing = {
        "type": "context",
        "block_id": "more",
        "elements": [{"type": "mrkdwn", "text": cut(more, 3000)}],
    }
    return [*kept, closing, *tail]


def _closing_actions(blocks: list[Block]) -> list[Block]:
    """The last block when it is a row of buttons for the whole message (not one item's)."""
    if len(blocks) > 1 and blocks[-1].get("type") == "actions" and block_chars(blocks[-1:]) <= 2000:
        return blocks[-1:]
    return []


def _context_text(block: Block) -> str:
    return " ".join(str(e.get("text", "")) for e in block.get("elements") or [] if isinstance(e, dict))


def block_chars(blocks: list[Block]) -> int:
    """Characters of text in ``blocks`` (what counts towards a message's size)."""
    return sum(len(t) for t in _texts(blocks))


_MENU_KEYS = frozenset({"options", "option_groups", "initial_option", "initial_options"})


def _texts(node: Any) -> Iterator[str]:
    """The texts a message shows (a menu's options are not shown until it is opened: not counted)."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["text"]
            return
        for key, value in node.items():
            if key not in _MENU_KEYS:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _fit_text_object(obj: Any, limit: int, report: Fitted, where: str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or len(obj["text"]) <= limit:
        return obj
    report.cuts.append(f"{where} {len(obj['text'])}")
    cutter: Callable[[str, int], str] = cut if obj.get("type") == "mrkdwn" else cut_plain
    return {**obj, "text": cutter(obj["text"], limit)}


def _copied(node: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars): what ``_fit_block`` may change in place.
    Several times faster than ``copy.deepcopy``, which every message sent would pay."""
    if isinstance(node, dict):
        return {key: _copied(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copied(item) for item in node]
    return node


def _fit_block(block: Block, report: Fitted) -> Block:
    kind = block.get("type")
    if kind == "section":
        block["text"] = _fit_text_object(block.get("text"), MAX_SECTION_TEXT, report, "section")
        if isinstance(block.get("fields"), list):
            fields = block["fields"][:MAX_FIELDS]
            if len(block["fields"]) > MAX_FIELDS:
                report.cuts.append(f"fields {len(block['fields'])}")
            block["fields"] = [_fit_text_object(f, MAX_FIELD_TEXT, report, "field") for f in fields]
        if block.get("text") is None:
            block.pop("text", None)
    elif kind == "header":
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") != "plain_text":  # a header shows plain text only
            report.cuts.append("mrkdwn header")
            block["text"] = text = {"type": "plain_text", "text": str(text.get("text", ""))}
        block["text"] = _fit_text_object(text, MAX_HEADER_TEXT, report, "header")
    elif kind == "context":
        elements = block.get("elements") or []
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            report.cuts.append(f"context elements {len(elements)}")
        block["elements"] = [
            _fit_text_object(e, MAX_SECTION_TEXT, report, "context") if e.get("type") != "image" else e
            for e in elements[:MAX_CONTEXT_ELEMENTS]
        ]
    elif kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > MAX_ACTIONS_ELEMENTS:
            report.cuts.append(f"actions elements {len(elements)}")
        block["elements"] = elements[:MAX_ACTIONS_ELEMENTS]
    elif kind == "input":
        block["label"] = _fit_text_object(block.get("label"), MAX_LABEL, report, "label")
        if "hint" in block:
            block["hint"] = _fit_text_object(block["hint"], MAX_LABEL, report, "hint")
    elif kind == "image" and isinstance(block.get("alt_text"), str):
        block["alt_text"] = cut_plain(block["alt_text"], MAX_ALT_TEXT)
    if isinstance(block.get("accessory"), dict):
        block["accessory"] = _fit_element(block["accessory"], report)
    if isinstance(block.get("element"), dict):
        block["element"] = _fit_element(block["element"], report)
    if kind == "actions":
        block["elements"] = [_fit_element(e, report) for e in block["elements"]]
    return block


def _fit_element(element: Block, report: Fitted) -> Block:
    kind = element.get("type")
    if kind == "button":
        element["text"] = _fit_text_object(element.get("text"), MAX_BUTTON_TEXT, report, "button")
    if "placeholder" in element:
        element["placeholder"] = _fit_text_object(
            element["placeholder"], MAX_PLACEHOLDER, report, "placeholder"
        )
    initial = element.get("initial_value")
    if kind == "plain_text_input" and isinstance(initial, str) and len(initial) > MAX_INITIAL_VALUE:
        report.cuts.append(f"initial_value {len(element['initial_value'])}")
        element["initial_value"] = cut_plain(element["initial_value"], MAX_INITIAL_VALUE)
    limit = MAX_OVERFLOW_OPTIONS if kind == "overflow" else MAX_OPTIONS
    for key in ("options", "initial_options"):
        if isinstance(element.get(key), list):
            if len(element[key]) > limit:
                report.cuts.append(f"{key} {len(element[key])}")
            element[key] = [_fit_option(o, report) for o in element[key][:limit]]
    if isinstance(element.get("initial_option"), dict):
        element["initial_option"] = _fit_option(element["initial_option"], report)
    if isinstance(element.get("option_groups"), list):
        element["option_groups"] = [
            {**g, "options": [_fit_option(o, report) for o in (g.get("options") or [])[:MAX_OPTIONS]]}
            for g in element["option_groups"][:MAX_OPTIONS]
        ]
    return element


def _fit_option(option: Block, report: Fitted) -> Block:
    option = dict(option)
    option["text"] = _fit_text_object(option.get("text"), MAX_OPTION_TEXT, report, "option")
    if "description" in option:
        option["description"] = _fit_text_object(option["description"], MAX_OPTION_TEXT, report, "option")
    return option


def fit_ack(body: dict[str, Any], *, report: Fitted | None = None) -> dict[str, Any]:
    """A copy of an answer given in the ack (the HTTP response to Slack's request) within limits:
    an options response (external select: ``options`` or ``option_groups``), a form's refusals
    (``response_action: errors``), a view it updates or pushes, or a message (a command's reply)."""
    report = report if report is not None else Fitted()
    fitted = dict(body)
    if isinstance(fitted.get("options"), list):
        fitted["options"] = _fit_options(fitted["options"], report)
    if isinstance(fitted.get("option_groups"), list):
        groups = fitted["option_groups"]
        if len(groups) > MAX_OPTIONS:
            report.cuts.append(f"option_groups {len(groups)}")
        fitted["option_groups"] = [
            {
                **group,
                "label": _fit_text_object(group.get("label"), MAX_OPTION_TEXT, report, "group label"),
                "options": _fit_options(group.get("options") or [], report),
            }
            for group in groups[:MAX_OPTIONS]
            if isinstance(group, dict)
        ]
    if isinstance(fitted.get("errors"), dict):
        fitted["errors"] = {key: _fit_error(str(text), report) for key, text in fitted["errors"].items()}
    if isinstance(fitted.get("view"), dict):
        fitted["view"] = fit_view(fitted["view"], report=report)
    if "blocks" in fitted or isinstance(fitted.get("text"), str):
        fitted = fit_message(fitted, report=report)
    return fitted


def _fit_options(options: list[Any], report: Fitted) -> list[Block]:
    if len(options) > MAX_OPTIONS:
        report.cuts.append(f"options {len(options)}")
    return [_fit_option(o, report) for o in options[:MAX_OPTIONS] if isinstance(o, dict)]


def _fit_error(text: str, report: Fitted) -> str:
    if len(text) <= MAX_ERROR_TEXT:
        return text
    report.cuts.append(f"error {len(text)}")
    return cut_middle(text, MAX_ERROR_TEXT)


def cut_middle(text: str, limit: int) -> str:
    """A ``plain_text`` cut in the middle, for a refusal that echoes what was typed: the start and
    the end (which says what is wrong and gives an example) are kept."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    head = limit - tail - 1
    return text[:head] + "…" + text[len(text) - tail :]


# -- checking ---------------------------------------------------------------------------------------
def message_problems(payload: dict[str, Any]) -> list[str]:
    """Every way this message breaks the limits above (empty when it is fit to send)."""
    problems: list[str] = []
    blocks = payload.get("blocks")
    text = payload.get("text")
    if isinstance(text, str) and len(text) > (MAX_FALLBACK_TEXT if blocks else MAX_TEXT):
        problems.append(f"text: {len(text)} characters")
    if isinstance(blocks, list):
        problems += blocks_problems(blocks, max_blocks=MAX_MESSAGE_BLOCKS, max_chars=MAX_MESSAGE_BLOCK_CHARS)
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("title", "submit", "close"):
        obj = view.get(key)
        if isinstance(obj, dict) and len(str(obj.get("text", ""))) > MAX_VIEW_TITLE:
            problems.append(f"view {key}: more than {MAX_VIEW_TITLE} characters")
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        problems.append(f"private_metadata: more than {MAX_PRIVATE_METADATA} characters")
    return problems + blocks_problems(view.get("blocks") or [], max_blocks=MAX_VIEW_BLOCKS, max_chars=None)


def ack_problems(body: dict[str, Any]) -> list[str]:
    """Every way an answer given in the ack (see ``fit_ack``) breaks the limits."""
    problems: list[str] = []
    groups = [g for g in body.get("option_groups") or [] if isinstance(g, dict)]
    if len(groups) > MAX_OPTIONS:
        problems.append(f"{len(groups)} option groups (at most {MAX_OPTIONS})")
    for group in groups:
        label = str((group.get("label") or {}).get("text", ""))
        if len(label) > MAX_OPTION_TEXT:
            problems.append(f"option group label: {len(label)} characters")
    for options in [body.get("options") or [], *(g.get("options") or [] for g in groups)]:
        if len(options) > MAX_OPTIONS:
            problems.append(f"{len(options)} options (at most {MAX_OPTIONS})")
        for option in options:
            for key in ("text", "description"):
                text = str(((option or {}).get(key) or {}).get("text", ""))
                if len(text) > MAX_OPTION_TEXT:
                    problems.append(f"option {key}: {len(text)} characters (at most {MAX_OPTION_TEXT})")
            if len(str((option or {}).get("value", ""))) > MAX_OPTION_VALUE:
                problems.append(f"option value: more than {MAX_OPTION_VALUE} characters")
    for key, text in (body.get("errors") or {}).items() if isinstance(body.get("errors"), dict) else ():
        if len(str(text)) > MAX_ERROR_TEXT:
            problems.append(f"error for {key}: {len(str(text))} characters (at most {MAX_ERROR_TEXT})")
    if isinstance(body.get("view"), dict):
        problems += view_problems(body["view"])
    if "blocks" in body or isinstance(body.get("text"), str):
        problems += message_problems(body)
    return problems


def blocks_problems(blocks: list[Block], *, max_blocks: int, max_chars: int | None) -> list[str]:
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (at most {max_blocks})")
    if max_chars is not None and block_chars(blocks) > max_chars:
        problems.append(f"{block_chars(blocks)} characters of text in blocks (at most {max_chars})")
    for n, block in enumerate(blocks):
        check = Fitted()
        _fit_block(_copied(block), check)
        problems += [f"block {n} ({block.get('type')}): {c} too long" for c in check.cuts]
    return problems
