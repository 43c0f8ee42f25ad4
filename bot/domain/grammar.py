"""The command grammar shared by every slash command.

Slack sends mentions as ``<@U123|alice>`` or ``<@U123>`` and channels as ``<#C123|name>``; fields
are ``key:value`` (quotes allowed: ``status:"hot prospect"``); the first colon that is not inside a
time like ``3:30`` separates the head of a command from its free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.errors import UserError

USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_REF = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
USERGROUP_REF = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|@?([^>]*))?>$")
_TOKEN = re.compile(r'<[^>]*>|[^\s:"]+:"[^"]*"|"[^"]*"|\S+')
_FIELD = re.compile(r"^([a-z_]+):(.*)$", re.S | re.I)
# Phones and some keyboards turn quotes into typographic ones; read them as plain quotes.
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@dataclass
class Parsed:
    words: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def tokenize(text: str) -> list[str]:
    """Split on white space, keeping ``"quoted words"``, ``key:"quoted"`` and ``<@U1|name>`` whole."""
    tokens = []
    for tok in _TOKEN.findall(text.translate(_SMART_QUOTES).strip()):
        if len(tok) >= 2 and tok[0] == tok[-1] == '"':
            tok = tok[1:-1]
        tokens.append(tok)
    return tokens


def parse_fields(text: str, allowed: set[str], *, example: str | None = None) -> Parsed:
    """Words and ``key:value`` fields. A ``word:`` whose key is not allowed is an error, with the keys."""
    out = Parsed()
    for tok in tokenize(text):
        m = _FIELD.match(tok) if not tok.startswith("<") else None
        if m and not tok.lower().startswith(("http:", "https:", "mailto:")):
            key, value = m.group(1).lower(), m.group(2)
            if key not in allowed:
                raise UserError(
                    f"I don't know the field `{key}:`. Fields: "
                    + ", ".join(f"`{k}:`" for k in sorted(allowed)),
                    example,
                )
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            out.fields[key] = value.strip()
        else:
            out.words.append(tok)
    return out


def split_head(text: str) -> tuple[str, str | None]:
    """``"Acme Corp yesterday 3:30pm: notes"`` → (``"Acme Corp yesterday 3:30pm"``, ``"notes"``).

    The separator is the first colon not between two digits and not inside ``<…>``. Returns ``None``
    for the tail when there is no separator.
    """
    depth = 0
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if before.isdigit() and after.isdigit():
                continue
            if text[max(0, i - 6) : i].lower().endswith(("http", "https", "mailto")):
                continue
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), None


def user_id_of(token: str) -> str | None:
    m = USER_REF.match(token.strip())
    return m.group(1) if m else None


def usergroup_of(token: str) -> tuple[str, str | None] | None:
    """``<!subteam^S123|@sales-managers>`` → (``S123``, ``sales-managers``)."""
    m = USERGROUP_REF.match(token.strip())
    return (m.group(1), m.group(2) or None) if m else None


def channel_id_of(token: str) -> str | None:
    m = CHANNEL_REF.match(token.strip())
    return m.group(1) if m else None


def normalise_choice(value: str, choices: tuple[str, ...]) -> str | None:
    """Match ``hot-prospect`` / ``Hot_Prospect`` / ``hot prospect`` to a configured value."""
    key = re.sub(r"[\s_-]+", " ", value.strip().lower())
    for choice in choices:
        if re.sub(r"[\s_-]+", " ", choice) == key:
            return choice
    return None
