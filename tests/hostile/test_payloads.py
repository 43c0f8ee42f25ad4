"""Reading what buttons and forms carry back (``bot/handlers/payloads.py``): what the bot wrote is read,
anything else is ``Unreadable``, a polite ``UserError``."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from bot.handlers import payloads
from bot.handlers.payloads import Unreadable


@pytest.mark.parametrize("raw, expected", [("12", 12), (" 7 ", 7), (12, 12), ("2147483647", 2_147_483_647)])
def test_row_ids_the_bot_wrote_are_read(raw: Any, expected: int) -> None:
    assert payloads.row_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "0", "-1", "1.5", "²", "٣", "१२", "99999999999999999999", "2147483648", "12abc", None, True, [1], 0],
)
def test_anything_else_is_not_a_row_id(raw: Any) -> None:
    with pytest.raises(Unreadable) as refused:
        payloads.row_id(raw)
    assert "nothing was changed" in refused.value.message and "e.g. `/" in refused.value.message


def test_a_value_is_a_json_object_with_the_fields_expected() -> None:
    data = payloads.payload('{"a": 3, "c": "C0ACME", "t": "call back"}')
    assert payloads.id_in(data, "a") == 3
    assert payloads.slack_id_in(data, "c") == "C0ACME"
    assert payloads.text_in(data, "t") == "call back" and payloads.text_in(data, "x", "") == ""
    assert payloads.metadata({"private_metadata": ""}) == {}
    assert payloads.metadata({"private_metadata": '{"task": 4}'}) == {"task": 4}
    for raw in ["", "{", "[]", "null", "5", '"{}"', "[" * 5000 + "]" * 5000, 5]:
        with pytest.raises(Unreadable):
            payloads.payload(raw)
    for bad in [{"a": "x"}, {"a": None}, {"a": 1.5}, {"a": 2**40}, {}]:
        with pytest.raises(Unreadable):
            payloads.id_in(bad, "a")
    for text in [None, 5, ["x"]]:
        with pytest.raises(Unreadable):
            payloads.text_in({"t": text}, "t")


@pytest.mark.parametrize("raw", ["<!channel>", "C0ACME> <!here", "c0acme", "", "C" * 40, None, 7])
def test_a_channel_id_is_never_text_that_could_ping(raw: Any) -> None:
    with pytest.raises(Unreadable):
        payloads.slack_id_in({"c": raw}, "c")


def test_days_and_times_are_on_the_calendar_and_the_clock() -> None:
    assert payloads.day("2026-03-02") == date(2026, 3, 2)
    assert payloads.time_of_day("09:30") == time(9, 30)
    for raw in ["2026-02-30", "0001-01-01", "9999-12-31", "2026-3-2", "garbage", "", None, 20260302]:
        with pytest.raises(Unreadable) as refused:
            payloads.day(raw)
        assert refused.value.message == payloads.NOT_A_DAY
    for raw in ["25:00", "9:30", "x", "", None, "09:30:00"]:
        with pytest.raises(Unreadable):
            payloads.time_of_day(raw)


def test_a_menu_carries_its_id_in_the_option_a_button_in_its_value() -> None:
    assert payloads.picked_id({"value": "4"}) == 4
    assert payloads.picked_id({"selected_option": {"value": "9"}}) == 9
    with pytest.raises(Unreadable):
        payloads.picked_id({"selected_option": "9"})


def test_a_response_url_is_slacks_or_nothing() -> None:
    api = "http://127.0.0.1:3000/api/"
    hook = "https://hooks.slack.com/actions/T1/2/abc"
    assert payloads.response_url(hook, "https://slack.com/api/") == hook
    assert (
        payloads.response_url("http://127.0.0.1:3000/response/1", api) == "http://127.0.0.1:3000/response/1"
    )
    for forged in [
        "http://hooks.slack.com/actions/T1/2/abc",  # not https
        "https://hooks.slack.com.evil.example/x",
        "http://127.0.0.1:5432/",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "",
        None,
        ["https://hooks.slack.com/x"],
    ]:
        assert payloads.response_url(forged, api) is None
