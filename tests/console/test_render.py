from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import actions, button, context, divider, header, section
from bot.console.render import Names, Renderer, mrkdwn

NAMES = Names(users={"U0ALICE": "alice", "U0BOB": "bob"}, channels={"C0ACME": "acme-team"})


def test_mrkdwn_resolves_mentions_links_and_entities() -> None:
    text = (
        "<@U0ALICE> and <@U0BOB|bob> in <#C0ACME> · <!here> · <https://x.test|the deal> · a &lt;b&gt; &amp; c"
    )
    assert (
        mrkdwn(text, NAMES) == "@alice and @bob in #acme-team · @here · the deal (https://x.test) · a <b> & c"
    )
    assert mrkdwn("<!date^1700000000^{date}|Nov 14>", NAMES) == "Nov 14"
    # With the reader's zone, a date reads as Slack shows it: in that zone (1700000000 = 14 Nov 2023 22:13 UTC).
    paris = Names(tz=ZoneInfo("Europe/Paris"))
    assert mrkdwn("<!date^1700000000^{date_short_pretty} {time}|Tue 14 Nov 2023, 22:13 UTC>", paris) == (
        "Tue 14 Nov 2023, 23:13"
    )
    assert mrkdwn("<!date^1700000000^{date_short_pretty}|Nov 14>", paris) == "Tue 14 Nov 2023"
    assert mrkdwn("<@U0ZED|zed>", NAMES) == "@zed"


def test_blocks_render_readably_and_number_controls() -> None:
    pressed: list[tuple[str, Any]] = []

    def number(element: dict[str, Any], block: dict[str, Any]) -> int:
        pressed.append((element["action_id"], block.get("type")))
        return len(pressed)

    blocks = [
        header("Acme Corp"),
        section("*Owner:* <@U0ALICE>", accessory=button("Edit", "edit", "1")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Tier:* gold"}]},
        divider(),
        context("Example: `/log call Acme`"),
        actions(button("Undo", "undo", "7"), button("Open account", "open", "1")),
    ]
    lines = Renderer(NAMES, number).blocks(blocks)
    assert lines == [
        "",
        "  Acme Corp",
        "  =========",
        "  *Owner:* @alice",
        "    [1] Edit",
        "    *Tier:* gold",
        "  " + "─" * 40,
        "  ░ Example: `/log call Acme`",
        "  [2] Undo  [3] Open account",
    ]
    assert pressed == [("edit", "section"), ("undo", "actions"), ("open", "actions")]


def test_a_date_picker_shows_its_day_like_every_date_people_read() -> None:
    from bot.console.render import element_label

    picker = {"type": "datepicker", "action_id": "x", "initial_date": "2031-03-07"}
    assert element_label(picker, Names(tz=ZoneInfo("Europe/Paris"))) == "date Fri 7 Mar 2031"
    assert element_label({"type": "datepicker", "action_id": "x"}, Names()) == "date (pick)"
