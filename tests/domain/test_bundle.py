"""Splicing a button's result into a bundled message: only the clicked item changes."""

from __future__ import annotations

from bot.blocks.bundle import bundle_id, is_bundle, splice
from bot.blocks.common import actions, button, context, divider, header, section


def _morning() -> list[dict]:
    return [
        {**header("Good morning"), "block_id": bundle_id(lines=True)},
        {**section("*Follow-ups*"), "block_id": bundle_id("followups")},
        section("A overdue"),
        actions(button("Done", "done", "1"), button("Snooze", "snooze", "a")),
        section("B overdue"),
        actions(button("Done", "done", "2"), button("Snooze", "snooze", "b")),
        {**section("*Renewals*"), "block_id": bundle_id("renewals")},
        section("C renews"),
        actions(button("Snooze", "snooze", "c")),
    ]


def test_a_line_is_replaced_and_the_others_keep_their_buttons() -> None:
    blocks = _morning()
    assert is_bundle(blocks) and not is_bundle([section("x")])
    done_b = splice(blocks, {"action_id": "done", "value": "2"}, [section("B: Done ✓")])
    assert done_b is not None
    texts = [b.get("text", {}).get("text") for b in done_b if b["type"] == "section"]
    assert texts == ["*Follow-ups*", "A overdue", "B: Done ✓", "*Renewals*", "C renews"]
    assert len([b for b in done_b if b["type"] == "actions"]) == 2
    # The next click on a neighbour leaves the first result alone.
    done_a = splice(done_b, {"action_id": "done", "value": "1"}, [section("A: Done ✓")])
    assert done_a is not None
    texts = [b.get("text", {}).get("text") for b in done_a if b["type"] == "section"]
    assert texts == ["*Follow-ups*", "A: Done ✓", "B: Done ✓", "*Renewals*", "C renews"]
    snoozed = splice(done_a, {"action_id": "snooze", "value": "c"}, [section("C: snoozed")])
    assert snoozed is not None and snoozed[-1]["text"]["text"] == "C: snoozed"


def test_items_between_dividers_are_replaced_whole() -> None:
    blocks = [
        {**section("2 reminders"), "block_id": bundle_id()},
        divider(),
        section("one"),
        actions(button("Done", "done", "1"), block_id="r"),
        context("note one"),
        divider(),
        section("two"),
        actions(button("Done", "done", "2"), block_id="r.2"),
    ]
    result = splice(blocks, {"block_id": "r.2", "action_id": "done", "value": "2"}, [section("two ✓")])
    assert result == [*blocks[:6], section("two ✓")]
    result = splice(blocks, {"block_id": "r", "action_id": "done", "value": "1"}, [section("one ✓")])
    assert result == [*blocks[:2], section("one ✓"), *blocks[5:]]
    assert splice(blocks, {"action_id": "gone", "value": "9"}, [section("x")]) is None
