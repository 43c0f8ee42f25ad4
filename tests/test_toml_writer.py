"""The playbook written back as TOML, and cut in parts that fit Slack's fields."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from bot.blocks.playbook import MORE, PART, field_of_error, read_form, split_toml
from bot.domain.playbooks import as_toml
from bot.playbook import load_playbook
from bot.toml_writer import dumps


def test_the_playbook_reads_back_as_it_was_written() -> None:
    playbook = load_playbook()
    assert tomllib.loads(dumps(playbook.raw)) == playbook.raw
    text = as_toml(playbook)
    assert 'days = ["mon", "tue", "wed", "thu", "fri"]' in text  # short arrays on one line
    assert "[roles]" not in text and "claim_lease_seconds" not in text
    assert load_playbook(workspace=text) == playbook


@pytest.mark.parametrize(
    "data",
    [
        {"x y": 'q"\\\n\x7f\t<!channel> é', "f": 1.5, "big": 1e300, "neg": -3, "yes": True},
        {"arr": [[1, 2], ["a"]], "emp": [], "day": date(2026, 12, 24), "inline": [{"a": 1}, {"b": [2]}]},
        {"t": [{"a": 1, "sub": {"c": 2}}, {"a": 2}], "deep": {"er": {"est": {"k": "v"}}}, "empty": {}},
        {"holidays": {"dates": [date(2026, 12, 25)]}, "1": {"2": 3}, "a.b": {"c-d": 4}},
    ],
)
def test_any_playbook_data_round_trips(data: dict) -> None:
    assert tomllib.loads(dumps(data)) == data


def test_parts_fit_and_join_back() -> None:
    text = dumps({f"table{n}": {"key": "v" * 40, "n": n} for n in range(200)})
    parts = split_toml(text, 300)
    assert all(len(p) <= 300 for p in parts) and "\n".join(parts) == text.rstrip("\n")
    assert all(p.startswith("[") for p in parts)  # whole tables together
    assert split_toml("a = 1", 300) == ["a = 1"]
    long = 'line = "' + "z" * 500 + '"'
    assert [len(p) for p in split_toml(f"[t]\n{long}", 300)] == [3, 300, len(long) - 300]


def test_an_error_is_shown_on_the_field_holding_its_line_or_its_table() -> None:
    values = {
        f"{PART}1": {f"{PART}1": {"value": "[accounts]\ntiers = []\n\n[working_hours]\nstart = 9"}},
        f"{PART}2": {
            f"{PART}2": {"value": "[visits]\nannounce_days_ahead = 7\n[visits.tier_cadence.gold]\nx = 1"}
        },
        MORE: {MORE: {"value": ""}},
    }
    text, starts = read_form(values)
    assert text.count("\n") == 9 and starts == [(f"{PART}1", 1), (f"{PART}2", 6), (MORE, 10)]
    assert field_of_error("working_hours.start: expected a time", text, starts)[0] == f"{PART}1"
    assert field_of_error("visits.tier_cadence.gold.rrule: not a rule", text, starts)[0] == f"{PART}2"
    assert field_of_error("not valid TOML: Bad (at line 7, column 2)", text, starts) == (
        f"{PART}2",
        "not valid TOML: Bad (at line 2, column 2)",
    )
    assert field_of_error("followup_rules[0].title: expected text", text, starts)[0] == f"{PART}1"
