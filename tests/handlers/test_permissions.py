"""Permissions end to end, through signed requests: a rep cannot touch a colleague's account (by
command, by a button whose value was edited, by a form), their manager and an admin can, a viewer only
reads. Every refusal names who may act and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import Account, Activity, AuditEntry, Task
from tests.handlers.test_edit_forms import state
from tests.helpers import FakeSlack, FakeUser, Harness, find_button

CONFIG = """
[roles]
admins = ["U0ADMIN"]
viewers = ["U0CAROL"]
[roles.managers]
"U0MGR" = ["U0BOB"]
"""


@pytest.fixture
def world(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    """Alice and Bob are reps; Bob's manager is U0MGR; U0ADMIN is an admin; Carol is a viewer.
    Globex is Bob's, with a follow-up of his; Acme is Alice's."""
    fake_slack.add_user(FakeUser("U0MGR", "dana", tz="UTC"))
    fake_slack.add_user(FakeUser("U0ADMIN", "erin", tz="UTC"))
    config = tmp_path / "salesbot.toml"
    config.write_text(CONFIG)
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex tier:gold owner:<@U0BOB|bob>", user="U0BOB")
    bot.command("/followup", "Globex: send the proposal tomorrow 9am", user="U0BOB")
    return bot


def globex(bot: Harness) -> Account:
    with bot.db() as s:
        return s.scalars(select(Account).where(Account.name == "Globex")).one()


def bobs_task(bot: Harness) -> Task:
    with bot.db() as s:
        return s.scalars(select(Task).where(Task.assignee_id == "U0BOB")).one()


def test_a_rep_cannot_change_a_colleagues_account_by_command(world: Harness) -> None:
    before = world.count(AuditEntry)
    for text in (
        "set Globex tier:silver",
        "set Globex owner:<@U0ALICE|alice>",
        "link Globex <#C0SALES|sales>",
    ):
        world.command("/account", text, user="U0ALICE")
        reply = world.last_text()
        assert (
            ":lock: Sorry, *Globex* is not yours: only its owner <@U0BOB>, their manager or an admin" in reply
        )
        assert "(admins: <@U0ADMIN>)" in reply
    world.command("/visit", "Globex every 2 weeks", user="U0ALICE")
    assert "*Globex* is not yours" in world.last_text()
    world.command("/followup", f"done <@U0BOB|bob> {bobs_task(world).number}", user="U0ALICE")
    assert "is not yours: only its owner <@U0BOB>" in world.last_text()
    assert world.count(AuditEntry) == before  # nothing written
    assert globex(world).tier == "gold" and globex(world).channel_id is None
    # Logging anywhere is every rep's right.
    world.command("/log", "call Globex: heard they are hiring", user="U0ALICE")
    assert "Logged a *call*" in world.last_text()


def test_a_button_whose_value_names_someone_elses_row_is_refused(world: Harness) -> None:
    world.command("/followup", "Acme Corp: call back tomorrow 9am", user="U0ALICE")
    done = find_button(world.last_reply()["blocks"], "Undo")
    edited = {**done, "value": str(bobs_task(world).id)}  # her own button, edited to name Bob's follow-up
    sent = world.slack.click(edited, user="U0ALICE")
    assert sent.status == 200
    assert "is not yours: only its owner <@U0BOB>" in world.last_text()
    assert world.last_reply().get("replace_original") is not True  # her message is left as it was
    assert bobs_task(world).status == "open"
    # A button pressed by whoever sees it (a forwarded message) gives no extra rights either.
    world.slack.click({**done, "value": str(bobs_task(world).id)}, user="U0CAROL")
    assert "your role is *viewer*" in world.last_text()
    assert bobs_task(world).status == "open"


def test_a_form_sent_for_someone_elses_account_is_refused(world: Harness) -> None:
    world.command("/account", "Acme Corp", user="U0ALICE")
    world.click("Edit", user="U0ALICE")
    view = world.last_view()
    # The form of her own account, with its metadata edited to name Bob's account.
    meta = json.loads(view["private_metadata"])
    forged = {**view, "private_metadata": json.dumps({**meta, "account": globex(world).id})}
    sent = world.slack.submit(forged, state(view, tier="silver"), user="U0ALICE")
    assert sent.status == 200
    body = json.loads(sent.response.body)
    assert body["response_action"] == "errors" and "Globex is not yours" in json.dumps(body["errors"])
    assert globex(world).tier == "gold"
    # And the Edit button of Bob's card does not open the form for her.
    opened = len(world.fake.calls("views.open"))
    world.command("/account", "Globex", user="U0ALICE")
    world.click("Edit", user="U0ALICE")
    assert len(world.fake.calls("views.open")) == opened
    assert "*Globex* is not yours" in world.last_text()


def test_the_reps_manager_and_an_admin_can(world: Harness) -> None:
    world.command("/account", "set Globex tier:silver", user="U0MGR")
    assert "silver" in world.last_text() and globex(world).tier == "silver"
    world.command("/followup", f"done <@U0BOB|bob> {bobs_task(world).number}", user="U0MGR")
    assert "Done" in world.last_text() and bobs_task(world).status == "done"
    world.command("/account", "link Globex <#C0SALES|sales>", user="U0ADMIN")
    assert globex(world).channel_id == "C0SALES"
    # The manager of Bob is not Alice's manager.
    world.command("/account", "set Acme Corp tier:gold", user="U0MGR")
    assert "*Acme Corp* is not yours" in world.last_text()


def test_a_viewer_reads_but_changes_nothing(world: Harness) -> None:
    before = (world.count(AuditEntry), world.count(Activity))
    world.command("/account", "Globex", user="U0CAROL")
    assert "Globex" in world.last_text() and ":lock:" not in world.last_text()
    for command, text in (
        ("/log", "call Globex: hello"),
        ("/account", "add Initech"),
        ("/followup", "Globex: call back tomorrow"),
        ("/signal", "Globex upsell: wants more seats"),
        ("/opportunity", 'add Globex upsell "more seats"'),
        ("/account", "set Globex tier:silver"),
    ):
        world.command(command, text, user="U0CAROL")
        assert "your role is *viewer*" in world.last_text(), (command, world.last_text())
    assert (world.count(AuditEntry), world.count(Activity)) == before
