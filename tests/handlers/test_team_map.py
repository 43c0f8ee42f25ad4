"""The buying-team map: on the account card, ``/opportunity 12``, ``/opportunity team``, the chart."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.storage.models import Contact, OpportunityContact, Task
from tests.helpers import FakeSlack, Harness, all_text, buttons, find_button


@pytest.fixture
def acme(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text("followup_rules = []\n")
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex owner:<@U0BOB|bob>")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" stage:proposal')
    bot.command("/contact", 'add Acme Corp "Jane Doe" role:economic-buyer stage:evaluating')
    bot.command("/contact", 'add Acme Corp "Tom Lee" role:procurement stage:problem-aware')
    bot.command("/contact", 'add Acme Corp "Ann Bell" role:champion stage:ready-to-decide')
    bot.command("/contact", 'add Globex "Bill Hart"')
    return bot


def check_limits(blocks: list[dict[str, Any]]) -> None:
    """What Slack enforces on a message: 50 blocks, 3000 characters a section, 25 elements an actions block."""
    assert len(blocks) <= 50, len(blocks)
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for element in block["elements"]:
                if element["type"] == "button":
                    assert len(element["text"]["text"]) <= 75 and len(element.get("value", "")) <= 2000
        if block["type"] == "context":
            assert len(block["elements"][0]["text"]) <= 3000


def test_the_account_card_shows_the_team_by_stage_laggard_first_with_warnings(acme: Harness) -> None:
    acme.command("/log", "meeting Acme Corp with Ann Bell: kickoff")
    acme.command("/account", "Acme Corp")
    text = acme.last_text()
    assert "*Buying team* (3) — by readiness, who lags first" in text
    order = [
        text.index(s)
        for s in ("*Problem aware* (2/7) :warning: behind", "*Evaluating* (4/7)", "*Ready to decide* (6/7)")
    ]
    assert order == sorted(order)
    assert "• *Ann Bell* — champion · touched today · <@U0ALICE>" in text
    assert "• *Tom Lee* — procurement · never touched" in text
    assert "*#1* “20 more seats” is single-threaded: only Ann Bell was touched in the last 30 days." in text
    assert "*#1* “20 more seats” is at proposal, and the economic buyer Jane Doe was never met." in text
    assert "Tom Lee (procurement, problem aware) lags behind Ann Bell (ready to decide)" in text
    check_limits(acme.last_reply()["blocks"])


def test_opportunity_card_and_naming_its_team(acme: Harness) -> None:
    acme.command("/opportunity", "1")
    text = acme.last_text()
    assert "*#1* “20 more seats” · *Acme Corp* · upsell · proposal" in text
    assert "*Buying team* (3)" in text and "Everyone at Acme Corp until you name the team" in text
    acme.command("/opportunity", 'team 1 add "Jane Doe", Tom')
    text = acme.last_text()
    assert "Added *Jane Doe*, *Tom Lee* to #1." in text
    assert "*Buying team* (2)" in text and "Ann Bell" not in text
    assert "the team is 2 stages apart; Tom Lee (procurement, problem aware) lags behind Jane Doe" in text
    acme.command("/opportunity", "team 1 remove Tom Lee")
    assert "Removed 1 from #1's team." in acme.last_text()
    with acme.db() as s:
        assert s.scalars(select(OpportunityContact.contact_id)).all() == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('team 1 add "Bill Hart"', "Bill Hart is a contact at Globex, not at Acme Corp."),
        ('team 1 add "Zed Zee"', "I don't know a contact called “Zed Zee” at Acme Corp."),
        ("team 1 invite Jane", "`/opportunity team 12` takes `add` or `remove`"),
        ("team 1 add", "Whom? Give one or more names"),
        ("team 9 add Jane", "There is no opportunity #9"),
        ("team", "Which opportunity?"),
        ("77", "There is no opportunity #77"),
    ],
)
def test_bad_team_commands_explain_and_write_nothing(acme: Harness, text: str, expected: str) -> None:
    acme.command("/opportunity", text)
    reply = acme.last_text()
    assert expected in reply and "Example: `/opportunity" in reply
    with acme.db() as s:
        assert s.scalars(select(OpportunityContact)).all() == []


def test_an_unknown_team_member_can_be_created_from_the_reply(acme: Harness) -> None:
    acme.command("/opportunity", 'team 1 add "Zed Zee"')
    acme.click("Create Zed Zee at Acme Corp")
    assert "Added *Zed Zee* to #1." in acme.last_text()


def test_map_command_uploads_a_readiness_chart_to_the_dm(acme: Harness) -> None:
    acme.command("/account", "Acme Corp map")
    text = acme.last_text()
    assert "*Buying team* (3)" in text and "The readiness chart is in your DM with me." in text
    [upload] = acme.fake.uploaded()
    assert upload.content.startswith(b"\x89PNG") and upload.channel == "D0ALICE"
    assert upload.title == "Acme Corp: buying-team readiness"
    assert [c.method for c in acme.fake.calls() if "upload" in c.method.lower()] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_map_upload_failure_still_shows_the_map(acme: Harness) -> None:
    acme.fake.fail("files.getUploadURLExternal", "not_allowed_token_type")
    acme.command("/account", "Acme Corp map")
    assert (
        "*Buying team* (3)" in acme.last_text() and "couldn't upload the readiness chart" in acme.last_text()
    )


def test_plan_it_opens_the_follow_up_form_prefilled_and_the_follow_up_clears_the_blocker(
    acme: Harness,
) -> None:
    acme.command("/contact", 'set "Tom Lee" role:blocker')
    acme.command("/opportunity", "1")
    blocks = acme.last_reply()["blocks"]
    assert (
        "Tom Lee (blocker, problem aware) is a blocker and nothing is planned with them." in acme.last_text()
    )
    button = find_button(blocks, "Plan: Plan a meeting with Tom Lee (blocker")
    assert json.loads(button["value"]) == {
        "a": 1,
        "t": "Plan a meeting with Tom Lee (blocker, problem aware)",
    }
    acme.slack.click(button)
    view = acme.last_view()
    what = next(b for b in view["blocks"] if b.get("block_id") == "what")
    assert what["element"]["initial_value"] == "Plan a meeting with Tom Lee (blocker, problem aware)"
    day = (acme.clock.now() + timedelta(days=2)).date().isoformat()
    acme.slack.submit(
        view,
        {
            "what": {"what": {"value": what["element"]["initial_value"]}},
            "date": {"date": {"selected_date": day}},
        },
    )
    with acme.db() as s:
        [task] = s.scalars(select(Task)).all()
        assert (task.title, task.assignee_id, task.status) == (
            "Plan a meeting with Tom Lee (blocker, problem aware)",
            "U0ALICE",
            "open",
        )
    assert "Next follow-up set" in all_text(acme.last_dm("U0ALICE")["blocks"])
    acme.command("/opportunity", "1")
    assert "is a blocker and nothing is planned" not in acme.last_text()


def add_many(bot: Harness, account_id: int, count: int, *, team_of: int | None = None) -> None:
    """``count`` contacts in one insert (the commands are tested above; this is about size)."""
    now = bot.clock.now()
    stages = bot.services.playbook.buying_team.stages
    roles = bot.services.playbook.buying_team.roles
    rows = [
        {
            "account_id": account_id,
            "name": f"Person {i:03d} With A Rather Long Family Name",
            "name_key": f"person {i:03d}",
            "title": None,
            "email": None,
            "phone": None,
            "role": roles[i % len(roles)],
            "stage": stages[i % len(stages)],
            "stage_changed_at": now,
            "stage_changed_by": "U0ALICE",
            "owner_id": "U0ALICE",
            "notes": "",
            "created_by": "U0ALICE",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    with bot.db() as s:
        s.execute(insert(Contact), rows)
        if team_of is not None:
            ids = s.scalars(select(Contact.id).where(Contact.account_id == account_id)).all()
            s.execute(
                insert(OpportunityContact),
                [
                    {"opportunity_id": team_of, "contact_id": i, "added_by": "U0ALICE", "added_at": now}
                    for i in ids
                ],
            )


def test_the_map_stays_within_block_kit_limits_for_40_on_a_deal_and_500_at_an_account(acme: Harness) -> None:
    acme.command("/account", "add Initech owner:<@U0ALICE|alice>")
    acme.command("/opportunity", "add Initech new stage:proposal")
    add_many(acme, 3, 40, team_of=2)
    acme.command("/opportunity", "2")
    text = acme.last_text()
    assert "*Buying team* (40)" in text
    check_limits(acme.last_reply()["blocks"])
    add_many(acme, 2, 500)
    acme.command("/account", "Globex")
    text = acme.last_text()
    assert "*Buying team* (501)" in text and "more: `/contact list Globex`" in text
    check_limits(acme.last_reply()["blocks"])
    acme.command("/contact", "list Globex")
    assert (
        "501 contacts at Globex" in acme.last_text()
        and "more. Everything: `salesbot export`" in acme.last_text()
    )
    check_limits(acme.last_reply()["blocks"])
    acme.command("/account", "Globex map")
    [upload] = acme.fake.uploaded()
    assert upload.content.startswith(b"\x89PNG")
    assert len(buttons(acme.last_reply()["blocks"])) <= 25
