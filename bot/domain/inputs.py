"""Typed input, checked against what the database holds (``bot/storage/limits.py``).

- Control characters: Slack input is cleaned once, on the way in (``clean``: NUL, other C0/C1
  controls and lone surrogates are dropped; new lines and tabs stay). Files (``salesbot import``)
  are refused row by row instead (``control_character``).
- Numbers are ASCII digits only: ``²`` and ``٣`` are not numbers here (``int('²')`` raises), and
  never longer than the column's type allows.
- Texts that become keys (an account's ``name_key`` and ``search_key``) are measured after folding:
  ``ß`` folds to ``ss``, ``ﬃ`` to ``ffi``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.errors import UserError
from bot.storage.limits import INTEGER_MAX, int_bounds, max_length

# C0 and C1 controls but tab and new line, DEL, and lone surrogates (not UTF-8, no database stores them).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# The longest text a command reads (Slack caps a slash command's text at about 4 000 characters;
# a modal field at 3 000). Longer input is refused before any parsing.
MAX_COMMAND_TEXT = 12_000


class OutOfRange(UserError):
    """A number or a date beyond what its column holds (or anyone means)."""


def clean(text: str) -> str:
    """``text`` without control characters (tabs and new lines kept; ``\\r\\n`` read as ``\\n``)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def cleaned(value: Any) -> Any:
    """``clean`` applied to every string inside a JSON-like value (a request body)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    return value


_CONTROL_IN_FILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """The first control character in ``text`` but tab and line breaks, named (``U+0000``), or ``None``."""
    m = _CONTROL_IN_FILE.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


def whole_number(text: str, *, at_most: int = INTEGER_MAX) -> int | None:
    """``text`` as a whole number when it is ASCII digits no larger than ``at_most``; else ``None``."""
    text = text.strip()
    if not _ASCII_DIGITS.fullmatch(text) or len(text) > len(str(at_most)):
        return None
    number = int(text)
    return number if number <= at_most else None


def record_id(value: Any) -> int | None:
    """A row id as carried by a button, a form or typed (``12``, ``#12``): a positive number an id
    column holds, or ``None`` for anything else (garbage, ``²``, 99999999999999999999)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= INTEGER_MAX else None
    if not isinstance(value, str):
        return None
    number = whole_number(value.lstrip("#"))
    return number if number else None


def fits(attribute: InstrumentedAttribute[Any], text: str) -> bool:
    limit = max_length(attribute)
    return limit is None or len(text) <= limit


def check_length(attribute: InstrumentedAttribute[Any], text: str, what: str, example: str | None) -> str:
    """``text`` if its column holds it, else a ``UserError`` saying how long ``what`` may be."""
    limit = max_length(attribute)
    if limit is not None and len(text) > limit:
        raise UserError(f"{what} is too long ({limit} characters at most).", example)
    return text


def check_amount(attribute: InstrumentedAttribute[Any], amount: int, what: str, example: str | None) -> int:
    """``amount`` if its integer column holds it, else a ``UserError`` with the range."""
    bounds = int_bounds(attribute)
    if bounds is not None and not bounds[0] <= amount <= bounds[1]:
        raise OutOfRange(f"{what} is out of range (at most {bounds[1]:,}).", example)
    return amount
