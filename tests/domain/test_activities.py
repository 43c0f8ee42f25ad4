from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain import accounts as acc
from bot.domain import activities
from bot.domain.activities import LogForm, check_form, form_occurred_at, occurred_at
from bot.domain.dates import parse_when
from bot.domain.errors import UserError
from bot.playbook import load_playbook
from bot.storage.db import unit_of_work
from bot.storage.models import Activity

PLAYBOOK = load_playbook()
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris
TYPES = PLAYBOOK.activity_types


def form(**kw: object) -> LogForm:
    values: dict[str, object] = {
        "account_id": "1",
        "activity_type": "call",
        "day": "2026-11-23",
        "at": "09:30",
        "notes": "",
    }
    values.update(kw)
    return LogForm(**values)  # type: ignore[arg-type]


def test_a_bare_day_means_noon() -> None:
    yesterday = parse_when("yesterday", NOW.astimezone(PARIS), prefer="past")
    assert occurred_at(yesterday, NOW) == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)


def test_a_bare_today_before_noon_means_now() -> None:
    today = parse_when("today", NOW.astimezone(PARIS))
    assert occurred_at(today, NOW) == NOW


def test_a_time_is_kept() -> None:
    when = parse_when("8am", NOW.astimezone(PARIS), prefer="past")
    assert occurred_at(when, NOW) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_check_form_accepts_a_good_form() -> None:
    assert check_form(form(), types=TYPES, now=NOW, tz=PARIS) == {}
    assert form_occurred_at(form(), now=NOW, tz=PARIS) == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert form_occurred_at(form(at=None), now=NOW, tz=PARIS) == NOW


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"account_id": None}, "account", "Pick an account"),
        ({"account_id": "x"}, "account", "Pick an account"),
        ({"activity_type": "lunch"}, "type", "Pick a type: call, email"),
        ({"day": None}, "date", "Pick the day"),
        ({"day": "2026-11-24"}, "date", "in the future"),
        ({"at": "23:00"}, "time", "in the future"),
        ({"notes": "x" * 3001}, "notes", "3001 characters; 3000 at most"),
    ],
)
def test_check_form_names_the_bad_field(changes: dict[str, object], field: str, says: str) -> None:
    errors = check_form(form(**changes), types=TYPES, now=NOW, tz=PARIS)
    assert list(errors) == [field]
    assert says in errors[field]


def test_check_form_uses_the_persons_zone() -> None:
    # 09:30 today is past in Paris (10:00) but not yet in New York (04:00).
    assert check_form(form(), types=TYPES, now=NOW, tz=ZoneInfo("America/New_York")) == {
        "time": "That is in the future: log what already happened, or use /followup for what's next."
    }


@pytest.fixture
def logged(session_factory):  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        account = acc.create(s, "Acme Corp", {}, playbook=PLAYBOOK, now=NOW, created_by="U0ALICE")
        return activities.log_activity(
            s, account=account, activity_type="call", user_id="U0ALICE", occurred_at=NOW,
            notes="  hello  ", source="command", now=NOW,
        ).activity.id  # fmt: skip


def test_log_rejects_long_notes_and_future_times(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        account = acc.create(s, "Acme Corp", {}, playbook=PLAYBOOK, now=NOW, created_by="U0ALICE")
        kw = {
            "account": account,
            "activity_type": "call",
            "user_id": "U0ALICE",
            "source": "command",
            "now": NOW,
        }
        with pytest.raises(UserError, match="3,001 characters; 3,000 at most"):
            activities.log_activity(s, occurred_at=NOW, notes="x" * 3001, **kw)  # type: ignore[arg-type]
        with pytest.raises(UserError, match="in the future"):
            activities.log_activity(s, occurred_at=NOW + timedelta(hours=1), notes="", **kw)  # type: ignore[arg-type]
        assert s.scalars(select(Activity)).all() == []


def test_undo_only_by_the_logger_and_once(session_factory, logged: int) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        with pytest.raises(UserError, match="is not yours: only <@U0ALICE>, their manager or an admin"):
            activities.undo_activity(s, logged, user_id="U0BOB", now=NOW)
        activities.undo_activity(s, logged, user_id="U0ALICE", now=NOW)
    with unit_of_work(session_factory) as s:
        assert s.get(Activity, logged).undone_at == NOW  # type: ignore[union-attr]
        assert s.get(Activity, logged).notes == "hello"  # type: ignore[union-attr]
        with pytest.raises(UserError, match="already undone"):
            activities.undo_activity(s, logged, user_id="U0ALICE", now=NOW)
        with pytest.raises(UserError, match="no longer exists"):
            activities.undo_activity(s, 999, user_id="U0ALICE", now=NOW)
        assert activities.recent(s, s.get(Activity, logged).account_id) == []  # type: ignore[union-attr]
