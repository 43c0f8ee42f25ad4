"""Slack mrkdwn helpers. Anything a person typed goes through ``escape`` before we echo it."""

from __future__ import annotations

import re

_SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)[^>]*>")


def escape(text: str | None) -> str:
    """Escape the three characters Slack treats as control sequences, so a note can never ping."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_nobody_"


def channel_link(channel_id: str | None) -> str:
    return f"<#{channel_id}>" if channel_id else "_none_"


def quote(text: str, limit: int = 600) -> str:
    """An escaped block quote, shortened to ``limit`` characters."""
    body = escape(text if len(text) <= limit else text[: limit - 1] + "…")
    return "\n".join("> " + line for line in body.splitlines() or [""])


def plain(text: str) -> str:
    """Text for notification fallbacks: special mentions neutralised too."""
    return _SPECIAL_MENTION.sub("", escape(text))


def money(amount: int | None) -> str:
    return "—" if amount is None else f"{amount:,}"
