"""Edit forms' pure parts: refusals worded for a field, due times from a picked day and time."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import UserError
from bot.domain.forms import check_each, field_message, followup_due
from bot.playbook import WorkingHours

HOURS = WorkingHours((0, 1, 2, 3, 4), time(9), time(18))
PARIS, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Paris


def test_a_commands_refusal_reads_as_a_fields() -> None:
    assert field_message("`mrr:lots` is not an amount. Use a number like `mrr:4200`.") == (
        "lots is not an amount. Use a number like 4200."
    )
    assert (
        field_message('`name:` needs the new name, e.g. `name:"Acme"`.') == 'Needs the new name, e.g. "Acme".'
    )


def test_each_field_is_checked_on_its_own() -> None:
    def validate(one: dict[str, str]) -> dict[str, int]:
        ((key, raw),) = one.items()
        if not raw.isdigit():
            raise UserError(f"`{key}:{raw}` is not a number.")
        return {key: int(raw)}

    assert check_each({"a": "1", "b": "x", "c": "3"}, validate) == (
        {"a": 1, "c": 3},
        {"b": "x is not a number."},
    )


def test_a_day_and_time_are_the_editors_clock_a_day_alone_the_assignees_morning() -> None:
    at, all_day = followup_due(
        "2026-11-25", "15:00", now=NOW, editor_tz=PARIS, hours=HOURS, assignee_tz=NEW_YORK
    )
    assert (at, all_day) == (datetime(2026, 11, 25, 14, 0, tzinfo=UTC), False)
    at, all_day = followup_due(
        "2026-11-25", None, now=NOW, editor_tz=PARIS, hours=HOURS, assignee_tz=NEW_YORK
    )
    assert (at, all_day) == (datetime(2026, 11, 25, 14, 0, tzinfo=UTC), True)  # 09:00 in New York
    with pytest.raises(UserError, match="in the past"):
        followup_due("2026-11-20", "09:00", now=NOW, editor_tz=PARIS, hours=HOURS, assignee_tz=PARIS)
    with pytest.raises(UserError, match="Pick the day"):
        followup_due(None, None, now=NOW, editor_tz=PARIS, hours=HOURS, assignee_tz=PARIS)
