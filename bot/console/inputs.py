"""Asking for a Block Kit element's value in the terminal and returning it as Slack's state would hold it.

Used for modal inputs and for selects and pickers in messages. Enter keeps the default shown in
[brackets]; ``:none`` leaves an optional field empty; ``:cancel`` gives up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from typing import Any

from bot.console.render import Names, text_of
from bot.console.terminal import EndOfInput, Terminal

Block = dict[str, Any]
# (action_id, block_id, typed) → options as the app's options endpoint answered them.
OptionsLoader = Callable[[str, str, str], list[Block]]

CANCEL = ":cancel"
CONSOLE_WORDS = {":help", ":as", ":in", ":home", ":time", ":shortcut", ":who"}
NONE = ":none"


class Cancelled(Exception):
    """The person typed ``:cancel``."""


def flatten_options(source: Block) -> list[Block]:
    """``options`` or every option inside ``option_groups``."""
    if source.get("options"):
        return list(source["options"])
    found: list[Block] = []
    for group in source.get("option_groups") or []:
        found += group.get("options") or []
    return found


class ElementPrompter:
    def __init__(
        self,
        term: Terminal,
        names: Names,
        *,
        resolve_user: Callable[[str], str | None],
        resolve_channel: Callable[[str], str | None],
        load_options: OptionsLoader,
    ) -> None:
        self.term = term
        self.names = names
        self.resolve_user = resolve_user
        self.resolve_channel = resolve_channel
        self.load_options = load_options

    def _ask(self, prompt: str) -> str:
        while True:
            answer = self.term.ask(prompt).strip()
            word = answer.split(" ", 1)[0].lower()
            if word == CANCEL:
                raise Cancelled
            if word in (":quit", ":q", ":exit"):
                raise EndOfInput
            if word not in CONSOLE_WORDS:
                return answer
            self.term.say(f"    ! finish this first, or type {CANCEL}; {word} works once it is closed")

    # -- one element -----------------------------------------------------------------------------
    def value(self, element: Block, *, label: str, optional: bool, block_id: str = "") -> Block:
        """Slack's state for ``element``: ``{"type": ..., "value": ...}``, ``selected_option`` etc."""
        kind = element.get("type", "plain_text_input")
        while True:
            try:
                state = self._value_once(kind, element, label, optional, block_id)
            except ValueError as exc:
                self.term.say(f"    ! {exc}")
                continue
            state = state or empty_state(kind)
            if is_empty(state) and not optional:
                self.term.say(f"    ! “{label}” is required.")
                continue
            return state

    def _value_once(
        self, kind: str, element: Block, label: str, optional: bool, block_id: str
    ) -> Block | None:
        opt = " (optional)" if optional else ""
        if kind in ("static_select", "radio_buttons"):
            option = self.pick(flatten_options(element), label + opt, element.get("initial_option"))
            return {"type": kind, "selected_option": option} if option else None
        if kind in ("multi_static_select", "checkboxes"):
            chosen = self.pick_many(flatten_options(element), label + opt, element.get("initial_options"))
            return {"type": kind, "selected_options": chosen} if chosen else None
        if kind == "external_select":
            option = self.search(element, label + opt, block_id)
            return {"type": kind, "selected_option": option} if option else None
        if kind in ("users_select", "multi_users_select"):
            return self._users(kind, element, label + opt)
        if kind in ("conversations_select", "channels_select"):
            key = "initial_conversation" if kind == "conversations_select" else "initial_channel"
            default = element.get(key)
            shown = f" [#{self.names.channels.get(default, default)}]" if default else ""
            typed = self._ask(f"  {label}{opt} (#channel){shown} › ")
            if not typed:
                return self._selected(kind, default)
            if typed.lower() == NONE:
                return None
            cid = self.resolve_channel(typed)
            if cid is None:
                raise ValueError(
                    f"no channel {typed}; known: {', '.join(sorted(self.names.channels.values()))}"
                )
            return self._selected(kind, cid)
        if kind == "datepicker":
            default = element.get("initial_date")
            typed = self._ask(f"  {label}{opt} (YYYY-MM-DD){_shown(default)} › ")
            value = self._typed_or_default(typed, default)
            if value is not None:
                date.fromisoformat(value)  # ValueError → asked again
            return {"type": kind, "selected_date": value} if value else None
        if kind == "timepicker":
            default = element.get("initial_time")
            typed = self._ask(f"  {label}{opt} (HH:MM, 24h){_shown(default)} › ")
            value = self._typed_or_default(typed, default)
            if value is not None:
                if not re.fullmatch(r"\d{1,2}:\d{2}", value):
                    raise ValueError("type a time like 14:30")
                value = time.fromisoformat(value.zfill(5)).strftime("%H:%M")
            return {"type": kind, "selected_time": value} if value else None
        if kind == "number_input":
            default = element.get("initial_value")
            typed = self._ask(f"  {label}{opt} (a number){_shown(default)} › ")
            value = self._typed_or_default(typed, default)
            if value is not None:
                float(value) if element.get("is_decimal_allowed") else int(value)
            return {"type": kind, "value": value} if value else None
        # plain_text_input, email_text_input, url_text_input and anything unknown: free text.
        default = element.get("initial_value")
        hint = " (\\n for a new line)" if element.get("multiline") else ""
        typed = self._ask(f"  {label}{opt}{hint}{_shown(default)} › ")
        value = self._typed_or_default(typed, default)
        if value is not None and element.get("multiline"):
            value = value.replace("\\n", "\n")
        limit = element.get("max_length")
        if value is not None and limit and len(value) > int(limit):
            raise ValueError(f"at most {limit} characters")
        if value is not None and element.get("min_length") and len(value) < int(element["min_length"]):
            raise ValueError(f"at least {element['min_length']} characters")
        return {"type": kind, "value": value}

    def _typed_or_default(self, typed: str, default: str | None) -> str | None:
        if typed.lower() == NONE:
            return None
        return typed or default or None

    def _selected(self, kind: str, cid: str | None) -> Block | None:
        if cid is None:
            return None
        key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
        return {"type": kind, key: cid}

    def _users(self, kind: str, element: Block, label: str) -> Block | None:
        multi = kind == "multi_users_select"
        default = element.get("initial_users") if multi else element.get("initial_user")
        if isinstance(default, list):
            shown = (
                " [" + ", ".join("@" + self.names.users.get(u, u) for u in default) + "]" if default else ""
            )
        else:
            shown = f" [@{self.names.users.get(default, default)}]" if default else ""
        typed = self._ask(f"  {label} (@name{', @name …' if multi else ''}){shown} › ")
        if typed.lower() == NONE:
            return None
        if not typed:
            if not default:
                return None
            return {"type": kind, "selected_users" if multi else "selected_user": default}
        ids = []
        for word in re.split(r"[\s,]+", typed):
            if not word:
                continue
            uid = self.resolve_user(word)
            if uid is None:
                known = ", ".join("@" + n for n in sorted(self.names.users.values()))
                raise ValueError(f"no person {word}; known: {known}")
            ids.append(uid)
        if multi:
            return {"type": kind, "selected_users": ids}
        if len(ids) != 1:
            raise ValueError("pick one person")
        return {"type": kind, "selected_user": ids[0]}

    # -- choosing among options -----------------------------------------------------------------
    def _list(self, options: list[Block], default: Block | None = None) -> None:
        default_value = (default or {}).get("value")
        for i, option in enumerate(options, 1):
            mark = "  (default)" if option.get("value") == default_value and default_value is not None else ""
            self.term.say(f"    {i}) {text_of(option.get('text'), self.names)}{mark}")

    def _match(self, options: list[Block], typed: str) -> Block:
        if typed.isdigit() and 1 <= int(typed) <= len(options):
            return options[int(typed) - 1]
        low = typed.lower()
        exact = [o for o in options if text_of(o.get("text"), self.names).lower() == low]
        prefix = [o for o in options if text_of(o.get("text"), self.names).lower().startswith(low)]
        found = exact or prefix
        if len(found) == 1:
            return found[0]
        raise ValueError(
            f"type a number from 1 to {len(options)}" if not found else f"“{typed}” is ambiguous"
        )

    def pick(self, options: list[Block], label: str, default: Block | None = None) -> Block | None:
        if not options:
            self.term.say(f"  {label}: (no choices)")
            return None
        self.term.say(f"  {label}:")
        self._list(options, default)
        shown = f" [{text_of(default.get('text'), self.names)}]" if default else ""
        while True:
            typed = self._ask(f"  pick 1-{len(options)}{shown} › ")
            if not typed:
                return default
            if typed.lower() == NONE:
                return None
            try:
                return self._match(options, typed)
            except ValueError as exc:
                self.term.say(f"    ! {exc}")

    def pick_many(self, options: list[Block], label: str, default: list[Block] | None = None) -> list[Block]:
        self.term.say(f"  {label} (several: 1,3):")
        self._list(options)
        while True:
            typed = self._ask(
                f"  pick{' [' + ', '.join(text_of(o.get('text'), self.names) for o in default) + ']' if default else ''} › "
            )
            if not typed:
                return list(default or [])
            if typed.lower() == NONE:
                return []
            try:
                return [self._match(options, part.strip()) for part in typed.split(",") if part.strip()]
            except ValueError as exc:
                self.term.say(f"    ! {exc}")

    def search(self, element: Block, label: str, block_id: str) -> Block | None:
        """An external select: type to search (the app's options endpoint answers), then pick."""
        default = element.get("initial_option")
        shown = f" [{text_of(default.get('text'), self.names)}]" if default else ""
        minimum = int(element.get("min_query_length", 3) or 0)
        while True:
            typed = self._ask(f"  {label} (type to search){shown} › ")
            if not typed and default:
                return default
            if typed.lower() == NONE:
                return None
            if len(typed) < minimum:
                self.term.say(f"    ! type at least {minimum} characters")
                continue
            options = self.load_options(element.get("action_id", ""), block_id, typed)
            if not options:
                self.term.say("    no matches; search again")
                continue
            self._list(options)
            while True:
                pick = self._ask(f"  pick 1-{len(options)} (Enter to search again) › ")
                if not pick:
                    break
                try:
                    return self._match(options, pick)
                except ValueError as exc:
                    self.term.say(f"    ! {exc}")


_EMPTY_KEY = {
    "static_select": ("selected_option", None),
    "external_select": ("selected_option", None),
    "radio_buttons": ("selected_option", None),
    "multi_static_select": ("selected_options", []),
    "checkboxes": ("selected_options", []),
    "users_select": ("selected_user", None),
    "multi_users_select": ("selected_users", []),
    "conversations_select": ("selected_conversation", None),
    "channels_select": ("selected_channel", None),
    "datepicker": ("selected_date", None),
    "timepicker": ("selected_time", None),
}


def empty_state(kind: str) -> Block:
    """What Slack puts in ``state.values`` for an input left empty."""
    key, empty = _EMPTY_KEY.get(kind, ("value", None))
    return {"type": kind, key: empty}


def is_empty(state: Block) -> bool:
    return all(v in (None, "", []) for k, v in state.items() if k != "type")


def _shown(default: str | None) -> str:
    if not default:
        return ""
    one_line = default.replace("\n", "\\n")
    return f" [{one_line[:60] + '…' if len(one_line) > 60 else one_line}]"
