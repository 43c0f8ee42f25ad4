from __future__ import annotations

from pathlib import Path

import pytest

from bot.playbook import PlaybookError, load_playbook


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "playbook.toml"
    path.write_text(text)
    return path


def test_defaults() -> None:
    pb = load_playbook()
    assert pb.statuses[:6] == (
        "customer",
        "prospect",
        "hot prospect",
        "cold prospect",
        "former customer",
        "competitor",
    )
    assert pb.tiers == ("gold", "silver", "bronze")
    assert list(pb.activity_types) == ["call", "email", "meeting", "video", "demo", "visit", "note"]
    assert all(e.startswith(":") and e.endswith(":") for e in pb.activity_types.values())
    assert pb.default_status == "prospect"


def test_custom_statuses_tiers_and_types_replace_the_defaults(tmp_path: Path) -> None:
    pb = load_playbook(
        write(
            tmp_path,
            """
[accounts]
statuses = ["Lead", "Customer", "Churned"]
tiers = ["platinum", "standard"]

[activity_types]
call = ":phone:"
lunch = ":fork_and_knife:"
""",
        )
    )
    assert pb.statuses == ("lead", "customer", "churned")
    assert pb.default_status == "lead"  # the default "prospect" is gone: the first status
    assert pb.tiers == ("platinum", "standard")
    assert pb.activity_types == {"call": ":phone:", "lunch": ":fork_and_knife:"}
    # Built-in rules about removed tiers, types and statuses are dropped, not errors.
    assert pb.tier_cadence == {}
    assert pb.followup_rules == ()
    assert set(pb.inactive_days) == {"customer"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[accounts]\nstatuses = []", "accounts.statuses: list at least one status"),
        ('[accounts]\nstatuses = "customer"', "accounts.statuses: expected a list of names, got 'customer'"),
        ('[accounts]\nstatuses = ["a", "A"]', "accounts.statuses: 'a' is listed twice"),
        ('[accounts]\ntiers = ["gold", ""]', "accounts.tiers: expected a list of names"),
        (
            '[accounts]\ndefault_status = "lead"',
            "accounts.default_status: 'lead' is not one of accounts.statuses",
        ),
        ('[activity_types]\nCall = ":phone:"', "activity_types.Call: a type is one lower-case word"),
        (
            '[activity_types]\ncall = "phone"',
            "activity_types.call: expected an emoji like ':telephone_receiver:', got 'phone'",
        ),
        ("activity_types = 3", "activity_types: expected a table of type = emoji"),
        (
            '[[followup_rules]]\nafter = ["lunch"]\ntitle = "x"\ndue = "2h"',
            "followup_rules[0].after: 'lunch' is not an activity type",
        ),
        (
            '[visits.tier_cadence.platinum]\nrrule = "FREQ=MONTHLY"',
            "visits.tier_cadence.platinum: 'platinum' is not one of accounts.tiers",
        ),
        ('[working_hours]\nstart = "9am"', 'working_hours.start: expected a time like "09:00"'),
        ("statuses = [", "playbook.toml: not valid TOML"),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(PlaybookError) as err:
        load_playbook(write(tmp_path, toml))
    assert message in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="config file not found"):
        load_playbook(tmp_path / "nope.toml")
