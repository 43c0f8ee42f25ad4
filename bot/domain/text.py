"""Slack mrkdwn helpers. Anything a person typed goes through ``escape`` before we echo it."""

from __future__ import annotations

import re
from collections.abc import Mapping

_SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)[^>]*>")
# A person or channel reference as Slack sends it in typed text: <@U123|alice>, <@U123>, <#C123|sales>.
_REFERENCE = re.compile(r"<([@#])([UWCG][A-Z0-9]+)(?:\|([^<>|]*))?>")


ACCOUNT_SLOT = "{account}"  # in a title the bot writes: the account's name when it is shown


def titled(title: str, account_name: str) -> str:
    """A task's title as people read it: ``Visit {account}`` → ``Visit L'Oréal``, with the
    account's current name (a renamed account reads with its new name in every later message)."""
    return title.replace(ACCOUNT_SLOT, account_name)


def a_or_an(word: str) -> str:
    """``an`` email, ``a`` call: the article for the word that follows."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def escape(text: str | None) -> str:
    """Make typed text safe to echo: it can never ping anyone nor inject a link.

    References to people and channels read as plain ``@alice`` / ``#sales``; everything else that
    Slack treats as a control sequence (``&``, ``<``, ``>``) is escaped, so ``<!channel>`` shows as text.
    """
    if not text:
        return ""
    if "<" not in text and ">" not in text and "&" not in text:
        return text  # nothing to escape (most names and titles)
    text = _REFERENCE.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_typed(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` typed in a command as entities; we store what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_LINK = re.compile(r"<((?:https?|mailto):[^<>|]*)(?:\|([^<>]*))?>")


def as_read(text: str | None, names: Mapping[str, str] | None = None) -> str:
    """Stored text as people read it, for files and plain-text places: ``<@U0BOB|bob>`` reads ``@bob``
    (``<@U0BOB>`` reads ``@`` and the name in ``names``, else the id), ``<#C1|sales>`` ``#sales``, a link
    its label and address, ``<!here>`` ``@here``. Nothing else changes: the result is not mrkdwn.
    """
    if not text:
        return ""
    names = names or {}
    text = _REFERENCE.sub(lambda m: m.group(1) + (m.group(3) or names.get(m.group(2)) or m.group(2)), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    return re.sub(r"<!(channel|here|everyone)(?:\|[^<>]*)?>", r"@\1", text)


def message_as_read(text: str | None) -> str:
    """A Slack message's ``text`` as people read it, to prefill a form with: ``as_read``, and the
    entities Slack uses for ``&``, ``<`` and ``>`` are unescaped (the text is escaped again when echoed).
    """
    return unescape_typed(as_read(text))


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
