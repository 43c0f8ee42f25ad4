"""Every table's row count and a checksum of its rows: what a rejected request must leave unchanged."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import Dialect, Engine

from bot.storage.models import Base

# Things that change without anyone asking: a person's profile is refreshed from Slack (and marked for
# the planning passes when it changes); events and slash commands already handled are remembered (for
# retries and replays). None is a write a request can be refused for.
VOLATILE = {"user_profiles", "planning_marks", "processed_events", "seen_requests"}
# What pings when Slack reads it in mrkdwn and the bot never writes itself: special mentions, user
# groups, and a person's mention with its label (typed text; the bot's own mentions are ``<@U…>``).
PINGS = re.compile(r"<!(?:channel|here|everyone|subteam)[^>]*>|<@[UW][A-Z0-9]*\|[^>]*>")


def _queries(dialect: Dialect) -> list[tuple[str, str]]:
    """(table, SELECT of all its rows in primary-key order) for every table a snapshot covers."""
    quote = dialect.identifier_preparer
    return [
        (
            table.name,
            f"SELECT * FROM {quote.format_table(table)} ORDER BY "
            + ", ".join(quote.quote(c.name) for c in table.primary_key.columns),
        )
        for table in Base.metadata.sorted_tables
        if table.name not in VOLATILE
    ]


_QUERIES: dict[str, list[tuple[str, str]]] = {}


def snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows as stored (read through the driver: it is
    taken before and after every request, so it must be cheap)."""
    queries = _QUERIES.get(engine.dialect.name)
    if queries is None:
        queries = _QUERIES[engine.dialect.name] = _queries(engine.dialect)
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn, conn.begin():  # one transaction: one consistent view
        cursor = conn.connection.cursor()
        try:
            for name, sql in queries:
                cursor.execute(sql)
                rows = cursor.fetchall()
                digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16]
                out[name] = (len(rows), digest)
        finally:
            cursor.close()
    return out


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def texts(node: Any) -> list[str]:
    """Every text Slack reads as mrkdwn in a payload: mrkdwn objects and a message's ``text``."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") != "plain_text" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found.extend(texts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(texts(value))
    return found


def pings(payload: Any) -> list[str]:
    """The pings anywhere in a message or view the bot sent."""
    return [m for text in texts(payload) for m in PINGS.findall(text)]
