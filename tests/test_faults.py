"""Faults, with real processes: ``salesbot tick`` against a fake Slack failing 30 % of the posts and
SIGKILLed at random posts; two ``salesbot tick`` processes on one PostgreSQL database; ``salesbot
import accounts`` SIGKILLed while it reads and while it writes. Small, seeded versions of
``python -m bench.faults`` (which runs the full sizes)."""

from __future__ import annotations

from pathlib import Path

from bench.faults import deliver_under_faults, import_killed, two_dispatchers


def test_each_reminder_is_delivered_once_under_slack_faults_and_sigkill(tmp_path: Path) -> None:
    result = deliver_under_faults(tmp_path, reminders=80, people=8, kills=2, rate=0.3, seed=11)
    assert result.kills == 2, result.line()
    assert result.integrity == ["ok"] * 2
    assert result.statuses == {"sent": 80}, result.line()
    assert result.exactly_once, result.line()
    assert sum(result.injected.values()) >= 10 and len(result.injected) >= 4, result.injected


def test_two_dispatcher_processes_on_one_database_deliver_each_once(db_url: str) -> None:
    """On SQLite, and on PostgreSQL when the suite has a server (``SALESBOT_TEST_POSTGRES_URL``)."""
    result = two_dispatchers(db_url, reminders=300, people=30)
    assert result.statuses == {"sent": 300}, result.line()
    assert result.exactly_once, result.line()


def test_an_import_killed_while_reading_or_writing_leaves_nothing_and_a_rerun_finishes(
    tmp_path: Path,
) -> None:
    result = import_killed(tmp_path, rows=6000, kills=2)
    assert result.integrity == ["ok", "ok"]
    # atomic: one transaction, so a kill leaves all of the file or none of it
    assert all(k.endswith(": 0 accounts") or k.endswith(": 6000 accounts") for k in result.kills), (
        result.kills
    )
    assert (result.accounts_after_rerun, result.distinct_after_rerun) == (6000, 6000), result.line()
    assert result.accounts_after_second_rerun == 6000
