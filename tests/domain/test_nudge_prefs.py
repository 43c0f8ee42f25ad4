from __future__ import annotations

import pytest

from bot.domain.errors import UserError
from bot.domain.nudge_prefs import KINDS, parse_nudges_command
from bot.domain.nudge_sources import renewal_threshold


def test_show_on_off_with_aliases() -> None:
    assert parse_nudges_command("").verb == "show"
    assert parse_nudges_command("off renewals").kinds == ("renewal",)
    assert parse_nudges_command("ON follow-ups, visits risk").kinds == (
        "followup_overdue",
        "overdue_visit",
        "risk",
    )
    assert parse_nudges_command("off all").kinds == tuple(KINDS)
    assert parse_nudges_command("off signal_waiting signals").kinds == ("signal_waiting",)


@pytest.mark.parametrize("text", ["off bananas", "off", "mute renewals"])
def test_bad_input_names_the_kinds_and_gives_an_example(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_nudges_command(text)
    assert err.value.example == "/salesbot nudges off renewals"
    if text != "mute renewals":
        assert "overdue_visit" in err.value.message and "signal_waiting" in err.value.message


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(91, None), (90, 90), (61, 90), (60, 60), (45, 60), (30, 30), (1, 30), (0, 30), (-1, None)],
)
def test_renewal_threshold_is_the_tightest_one(days_left: int, threshold: int | None) -> None:
    assert renewal_threshold(days_left, (90, 60, 30)) == threshold
