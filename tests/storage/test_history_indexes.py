"""Queries on the request path walk only what they count, not an account's whole history.

SQLite's planner, given the workspace filter every statement carries (``team_id = ?``), may prefer
the index on (account_id, occurred_at) and then read every activity of the account: the cost grows
with its history. These tests read the plans SQLite chooses for the statements as the app sends them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from bot.domain import activities, noshows
from bot.storage.tenancy import as_team
from tests.helpers import session_factory_for

SINCE = datetime(2026, 1, 1, tzinfo=UTC)

QUERIES: dict[str, Callable[[Session], Any]] = {
    "no-shows of an account": lambda s: noshows.count(s, 1),
    "last meeting or visit": lambda s: activities.last_activity_at(s, 1, ("meeting", "visit")),
    "a meeting since": lambda s: noshows.meeting_since(s, 1, SINCE),
}


def plans(engine: Engine, query: Callable[[Session], Any]) -> Iterator[str]:
    """The plan SQLite chooses for each statement over activities that ``query`` sends."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM activities" in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with as_team("T_LOCAL"), session_factory_for(engine)() as session:
            query(session)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sent, "the query sent nothing over activities"
    with engine.connect() as conn:
        for statement, parameters in sent:
            assert "team_id" in statement  # the workspace filter is there, as in the app
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
                yield str(row[-1])


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_account_queries_by_type_use_the_account_type_time_index(engine: Engine, name: str) -> None:
    found = list(plans(engine, QUERIES[name]))
    assert any("ix_activities_account_type_time (account_id=? AND type" in p for p in found), found


def test_the_plans_are_read_from_a_migrated_database(engine: Engine) -> None:
    with engine.connect() as conn:
        names = {row[0] for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert {"ix_activities_account_type_time", "ix_activities_account_time", "ix_activities_team_id"} <= names
