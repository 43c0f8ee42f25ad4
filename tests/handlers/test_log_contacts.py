"""Activities with people: ``/log … with``, the log modal's "Who took part", the message shortcut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain import contacts as ct
from bot.storage.models import Activity, ActivityContact, Contact
from tests.handlers.test_log_modal import blocks_by_id, state
from tests.helpers import FakeSlack, Harness, all_text, buttons

ROI = "https://example.com/roi"


@pytest.fixture
def acme(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text(
        "followup_rules = []\n[[buying_team.content]]\n"
        f'role = "economic buyer"\nstage = "evaluating"\ntitle = "ROI calculator"\nlink = "{ROI}"\n'
    )
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex owner:<@U0BOB|bob>")
    bot.command("/contact", 'add Acme Corp "Jane Doe" role:economic-buyer stage:evaluating')
    bot.command("/contact", 'add Acme Corp "Tom Lee" role:procurement')
    bot.command("/contact", 'add Globex "Bill Hart"')
    return bot


def participants(bot: Harness) -> list[tuple[int, str]]:
    with bot.db() as s:
        rows = s.execute(
            select(ActivityContact.activity_id, Contact.name)
            .join(Contact, Contact.id == ActivityContact.contact_id)
            .order_by(ActivityContact.activity_id, Contact.name)
        ).all()
        return [(a, n) for a, n in rows]


def activity_count(bot: Harness) -> int:
    with bot.db() as s:
        return len(s.scalars(select(Activity.id)).all())


def touched(bot: Harness) -> dict[str, Any]:
    with bot.db() as s:
        names = dict(s.execute(select(Contact.id, Contact.name)).all())
        return {names[i]: at for i, at in ct.last_touched(s).items()}


def test_log_with_two_people_links_them_touches_them_and_suggests_content(acme: Harness) -> None:
    acme.command("/log", "meeting Acme Corp yesterday 3pm with Jane Doe, Tom Lee: pricing review")
    text = acme.last_text()
    assert "Logged a *meeting* with *Acme Corp* (Jane Doe, Tom Lee)" in text
    assert f":bulb: For Jane Doe (economic buyer, evaluating): <{ROI}|ROI calculator>" in text
    assert participants(acme) == [(1, "Jane Doe"), (1, "Tom Lee")]
    assert set(touched(acme)) == {"Jane Doe", "Tom Lee"}
    with acme.db() as s:
        activity = s.get(Activity, 1)
        assert activity is not None and activity.notes == "pricing review"
        assert activity.occurred_at.isoformat() == "2026-11-22T14:00:00+00:00"  # 3pm in Paris


def test_first_names_and_and_work_and_undo_untouches(acme: Harness) -> None:
    acme.command("/log", "call Acme Corp with jane and Tom: quick check")
    assert participants(acme) == [(1, "Jane Doe"), (1, "Tom Lee")]
    acme.click("Undo")
    assert touched(acme) == {}  # an undone activity touches nobody


def test_an_unknown_name_offers_to_create_the_contact_then_logs(acme: Harness) -> None:
    acme.command("/log", "meeting Acme Corp with Ann Bell: intro")
    assert "I don't know a contact called “Ann Bell” at Acme Corp." in acme.last_text()
    assert activity_count(acme) == 0
    acme.click("Create Ann Bell at Acme Corp")
    replies = [all_text(r.get("blocks")) for r in acme.replies()[-2:]]
    assert "Added *Ann Bell* to *Acme Corp*" in replies[0]
    assert "Logged a *meeting* with *Acme Corp* (Ann Bell)" in replies[1]
    assert participants(acme) == [(1, "Ann Bell")]


def test_an_ambiguous_name_gives_pick_buttons(acme: Harness) -> None:
    acme.command("/contact", 'add Acme Corp "Tom Baker"')
    acme.command("/log", "call Acme Corp with Tom: budget")
    assert "“Tom” matches several contacts. Which one?" in acme.last_text()
    assert [b["text"]["text"] for b in buttons(acme.last_reply()["blocks"])] == [
        "Tom Baker (Acme Corp)",
        "Tom Lee (Acme Corp)",
    ]
    assert activity_count(acme) == 0
    acme.click("Tom Lee (Acme Corp)")
    assert "Logged a *call* with *Acme Corp* (Tom Lee)" in acme.last_text()
    assert participants(acme) == [(1, "Tom Lee")]


def test_a_contact_at_another_account_is_refused(acme: Harness) -> None:
    acme.command("/log", "call Acme Corp with Bill Hart: hello")
    text = acme.last_text()
    assert "Bill Hart is a contact at Globex, not at Acme Corp." in text
    assert "Example: `/log meeting Acme Corp with Jane Doe, Tom Lee: pricing review`" in text
    assert activity_count(acme) == 0 and participants(acme) == []


def test_with_and_no_names(acme: Harness) -> None:
    acme.command("/log", "call Acme Corp with : hello")
    assert "Who took part?" in acme.last_text()
    assert activity_count(acme) == 0


def test_an_account_whose_name_contains_with_still_logs(acme: Harness) -> None:
    acme.command("/account", "add Work With Us")
    acme.command("/log", "call Work With Us: hello")
    assert "Logged a *call* with *Work With Us*" in acme.last_text()


def test_the_modal_offers_the_picked_accounts_contacts_and_links_the_chosen_ones(acme: Harness) -> None:
    acme.command("/log", "")
    opened = acme.last_view()
    assert "contacts" not in blocks_by_id(opened)  # no account yet: no one to pick
    account_block = next(b for b in opened["blocks"] if b["block_id"] == "account")
    assert account_block["dispatch_action"] is True
    view = {**opened, "id": "V42", "hash": "h1", "state": {"values": state(1, notes="typed so far")}}
    picked = {"type": "external_select", "action_id": "account", "block_id": "account",
              "selected_option": {"text": {"type": "plain_text", "text": "Acme Corp"}, "value": "1"}}  # fmt: skip
    sent = acme.slack.block_action("account", view=view, action=picked)
    assert sent.status == 200
    update = acme.fake.params("views.update")[-1]
    assert (update["view_id"], update["hash"]) == ("V42", "h1")
    options = blocks_by_id(update["view"])["contacts"]
    assert options["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in options["options"]] == [
        "Jane Doe (economic buyer)",
        "Tom Lee (procurement)",
    ]
    assert blocks_by_id(update["view"])["notes"]["initial_value"] == "typed so far"
    values = state(1, kind="meeting")
    values["contacts"] = {
        "contacts": {"type": "multi_static_select", "selected_options": options["options"][:1]}
    }
    acme.slack.submit(update["view"], values)
    assert participants(acme) == [(1, "Jane Doe")]
    dm = acme.fake.params("chat.postEphemeral")[-1]
    assert "(Jane Doe)" in all_text(dm["blocks"]) and "ROI calculator" in all_text(dm["blocks"])


def test_the_shortcut_in_an_account_channel_offers_its_contacts(acme: Harness) -> None:
    acme.command("/account", "link Acme Corp <#C0ACME|acme-shared>")
    acme.slack.shortcut(
        "log_message_as_activity", {"ts": "1.5", "text": "Tom says procurement needs a DPA"}, channel="C0ACME"
    )
    opened = acme.last_view()
    options = blocks_by_id(opened)["contacts"]["options"]
    assert [o["value"] for o in options] == ["1", "2"]
    values = state(1, kind="note", notes="Tom says procurement needs a DPA")
    values["contacts"] = {"contacts": {"type": "multi_static_select", "selected_options": [options[1]]}}
    acme.slack.submit(opened, values)
    assert participants(acme) == [(1, "Tom Lee")]
    with acme.db() as s:
        activity = s.get(Activity, 1)
        assert activity is not None and activity.source == "shortcut" and activity.permalink


def test_a_contact_picked_in_the_form_but_moved_meanwhile_is_not_linked(acme: Harness) -> None:
    acme.command("/log", "")
    values = state(1)
    values["contacts"] = {"contacts": {"type": "multi_static_select", "selected_options": [{"value": "3"}]}}
    acme.slack.submit(acme.last_view(), values)  # Bill Hart is at Globex
    assert activity_count(acme) == 1 and participants(acme) == []
