"""Digests and weekly summaries due together are rendered together: one read-only unit of work for
the batch, everyone's figures computed once before the first render (bot.domain.digest.prepare), and
what each render shows is exactly what it shows alone."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event

from bot.domain import digest
from bot.domain.periods import last_full
from bot.reminders.digest import TEAM_DIGEST, weekly_pass
from bot.storage.db import unit_of_work
from bot.storage.models import Reminder
from tests.helpers import Harness
from tests.insight.conftest import NOW

MONDAY_0830_NEW_YORK = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
MONDAY_0900_NEW_YORK = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # the working start: DMs arrive
TEAM = ["U0ALICE", "U0BOB"]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_prepared_batch_renders_each_summary_without_a_query_and_shows_the_same(world: Harness) -> None:
    playbook = world.services.playbook
    week = last_full("week", NOW, ZoneInfo("America/New_York"))
    with unit_of_work(world.session_factory, read_only=True) as session:
        alone = {u: digest.personal_summary(session, u, week, now=NOW, playbook=playbook) for u in TEAM}
        team_alone = digest.team_digest(session, "U0MGR", TEAM, week, now=NOW, playbook=playbook)
    engine = world.session_factory.kw["bind"]
    with unit_of_work(world.session_factory, read_only=True) as session:
        digest.prepare(session, [(TEAM, week)], [(u, week) for u in TEAM], now=NOW, playbook=playbook)
        with statements(engine) as seen:
            together = {
                u: digest.personal_summary(session, u, week, now=NOW, playbook=playbook) for u in TEAM
            }
        assert seen == []
        team_together = digest.team_digest(session, "U0MGR", TEAM, week, now=NOW, playbook=playbook)
    assert together == alone
    assert team_together.report.total == team_alone.report.total
    assert team_together.report.by_member == team_alone.report.by_member
    assert any(line.actual for line in alone["U0ALICE"].lines)  # the world has figures for that week


def test_overdue_accounts_of_many_people_in_one_query_are_each_ones_own(world: Harness) -> None:
    later = datetime(2026, 12, 20, tzinfo=UTC)  # every open task of the world is overdue by then
    people = ["U0ALICE", "U0BOB", "U0KENJI", "U0NOBODY"]
    with world.db() as session:
        together = digest.overdue_by_person(session, people, later, limit=1)
        alone = {p: digest.overdue_accounts(session, [p], later, limit=1) for p in people}
    assert together == alone
    assert (
        together["U0ALICE"][1] == 2 and len(together["U0ALICE"][0]) == 1
    )  # Acme and Wayne, the oldest shown
    assert together["U0NOBODY"] == ([], 0)


def test_the_monday_batch_renders_in_one_unit_of_work_and_keeps_the_charts_file(
    world: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot = world
    bot.clock.set(MONDAY_0830_NEW_YORK)
    with caplog.at_level(logging.INFO, logger="bot.reminders.dispatcher"):
        weekly_pass(bot.services, bot.clock.now())
        bot.clock.set(MONDAY_0900_NEW_YORK)
        bot.deliver()
    assert not [r for r in caplog.records if "one by one" in r.getMessage()]
    with bot.db() as s:
        rows = s.query(Reminder).filter(Reminder.kind == TEAM_DIGEST).all()
        sent = [r for r in rows if r.status == "sent"]  # Tokyo's, late at 22:30 there, waits for its morning
        assert [r.payload["user"] for r in sent] == ["U0MGR"]
        assert sent[0].payload.get("file_id")  # a retry would not upload the chart again
    assert len(bot.fake.uploaded()) == 1
