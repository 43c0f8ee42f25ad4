"""Edit forms: the account card's Edit, "Edit a follow-up…", "Edit an opportunity…", through signed requests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from bot.storage.models import Account, Opportunity, Reminder, Task
from tests.helpers import Harness, Sent, all_text, find_button


def opened_after(bot: Harness, sent: Sent) -> dict[str, Any]:
    """The modal opened for this very request, with the Web API calls the app made for it."""
    assert sent.status == 200, sent.response.body
    opened = bot.fake.params("views.open")
    assert opened, "no modal was opened"
    assert f"trigger.{opened[-1]['trigger_id'].removeprefix('trigger.')}" in sent.body
    return opened[-1]["view"]


def state(view: dict[str, Any], **changed: Any) -> dict[str, dict[str, Any]]:
    """What Slack sends on submit: every input as the form opened, except the ``changed`` fields
    (a string for text, a date or time, an option value, a user or channel id; ``None`` empties it)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        kind = element["type"]
        new = changed.get(block_id, ...)
        if kind == "plain_text_input":
            value = element.get("initial_value") if new is ... else new
            entry = {"type": kind, "value": value}
        elif kind == "static_select":
            if new is ...:
                picked = element.get("initial_option")
            else:
                picked = next((o for o in element["options"] if o["value"] == new), {"value": new})
            entry = {"type": kind, "selected_option": picked}
        else:
            key, initial = {
                "users_select": ("selected_user", "initial_user"),
                "channels_select": ("selected_channel", "initial_channel"),
                "datepicker": ("selected_date", "initial_date"),
                "timepicker": ("selected_time", "initial_time"),
            }[kind]
            entry = {"type": kind, key: element.get(initial) if new is ... else new}
        values[block_id] = {block_id: entry}
    return values


def select_menu(
    bot: Harness, blocks: list[dict[str, Any]], action_id: str, value: str, *, user: str = "U0ALICE"
) -> Sent:
    """Pick ``value`` in the message menu ``action_id`` found in ``blocks``."""
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                option = next(o for o in element["options"] if o["value"] == value)
                picked = {**element, "block_id": "b", "selected_option": option, "action_ts": "1"}
                return bot.slack.block_action(action_id, action=picked, user=user)
    raise AssertionError(f"no menu {action_id!r} in these blocks")


def account(bot: Harness, name: str) -> Account:
    with bot.db() as s:
        return s.scalars(select(Account).where(Account.name == name)).one()


def test_the_cards_edit_opens_a_form_with_every_field_checked_like_account_set(bot: Harness) -> None:
    bot.command(
        "/account",
        "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice> tags:retail mrr:4200 external_id:CRM-1",
    )
    bot.command("/account", "add Globex")
    bot.command("/account", "Acme Corp")
    before = len(bot.fake.calls())
    view = opened_after(bot, bot.click("Edit"))
    assert [c.method for c in bot.fake.calls()[before:]] == ["views.open"]  # nothing before the form
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(fields) == [
        "name", "status", "tier", "owner", "csm", "channel", "tags", "mrr", "renewal", "external_id",
    ]  # fmt: skip
    assert fields["name"]["initial_value"] == "Acme Corp"
    assert fields["status"]["initial_option"]["value"] == "customer"
    assert fields["tier"]["initial_option"]["value"] == "gold"
    assert fields["owner"]["initial_user"] == "U0ALICE" and "initial_user" not in fields["csm"]
    assert (fields["tags"]["initial_value"], fields["mrr"]["initial_value"]) == ("retail", "4200")
    assert fields["external_id"]["initial_value"] == "CRM-1"
    stored = account(bot, "Acme Corp")

    refused = bot.slack.submit(view, state(view, mrr="lots", renewal="2027-02-30", name="  "))
    assert refused.json["response_action"] == "errors"
    errors = refused.json["errors"]
    assert set(errors) == {"mrr", "renewal", "name"}
    assert errors["mrr"] == "lots is not an amount. Use a number like 4200 or 4.2k."
    assert "is not a date. Use YYYY-MM-DD" in errors["renewal"]
    taken = bot.slack.submit(view, state(view, name="GLOBEX"))
    assert taken.json["errors"] == {
        "name": "Another account is already called “Globex”.",
    }
    unchanged = account(bot, "Acme Corp")
    assert (unchanged.name, unchanged.mrr, unchanged.updated_at) == ("Acme Corp", 4200, stored.updated_at)

    saved = bot.slack.submit(
        view,
        state(
            view,
            name="Acme Corporation",
            tier="-",
            csm="U0BOB",
            channel="C0ACME",
            tags="north, Retail",
            mrr="5.1k",
            renewal="2027-03-31",
            external_id=None,
        ),
    )
    assert saved.status == 200 and saved.response.body == ""  # the form closes
    acme = account(bot, "Acme Corporation")
    assert (acme.tier, acme.csm_id, acme.channel_id, acme.tags, acme.mrr) == (
        None, "U0BOB", "C0ACME", ["north", "retail"], 5100,
    )  # fmt: skip
    assert (acme.renewal_date, acme.external_id, acme.owner_id) == (date(2027, 3, 31), None, "U0ALICE")
    note = bot.fake.params("chat.postEphemeral")[-1]
    assert note["user"] == "U0ALICE" and note["channel"] == "C_GENERAL"
    assert "Updated *Acme Corporation*" in all_text(note["blocks"])
    assert "tier: gold → *—*" in all_text(note["blocks"])


def test_a_follow_up_is_edited_from_the_list(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "list")
    with bot.db() as s:
        task = s.scalars(select(Task)).one()
        first_reminder = s.scalars(select(Reminder).where(Reminder.task_id == task.id)).one()
    view = opened_after(bot, select_menu(bot, bot.last_reply()["blocks"], "edit_followup", str(task.id)))
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "send the proposal"
    assert fields["assignee"]["initial_user"] == "U0ALICE"
    assert (fields["date"]["initial_date"], fields["time"]["initial_time"]) == ("2026-11-24", "09:00")

    refused = bot.slack.submit(view, state(view, title=" ", date="2026-11-20"))
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"title", "time"}
    assert "That is in the past" in refused.json["errors"]["time"]
    with bot.db() as s:
        assert s.get(Task, task.id).title == "send the proposal"  # type: ignore[union-attr]

    # Handed to bob, on Wednesday at 15:00 Paris time (alice's), which is 09:00 for bob in New York.
    saved = bot.slack.submit(
        view, state(view, title="send the signed proposal", assignee="U0BOB", date="2026-11-25", time="15:00")
    )
    assert saved.response.body == ""
    with bot.db() as s:
        edited = s.get(Task, task.id)
        assert edited is not None
        assert (edited.title, edited.assignee_id) == ("send the signed proposal", "U0BOB")
        assert edited.due_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
        reminders = list(s.scalars(select(Reminder).where(Reminder.task_id == task.id).order_by(Reminder.id)))
    assert [(r.id == first_reminder.id, r.status, r.recipient_id) for r in reminders] == [
        (True, "cancelled", "U0ALICE"),
        (False, "pending", "U0BOB"),
    ]
    assert "send the signed proposal" in all_text(bot.fake.params("chat.postEphemeral")[-1]["blocks"])
    # Only the assignee or whoever asked may edit it: carol gets told, and no form.
    opened = len(bot.fake.calls("views.open"))
    bot.command("/account", "Acme Corp", user="U0CAROL")
    select_menu(bot, bot.last_reply()["blocks"], "edit_followup", str(task.id), user="U0CAROL")
    assert len(bot.fake.calls("views.open")) == opened
    assert "is not yours" in bot.last_text()


def test_an_opportunity_is_edited_from_the_list_and_the_card(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200')
    bot.command("/opportunity", "list")
    with bot.db() as s:
        number = s.scalars(select(Opportunity.id)).one()
    view = opened_after(bot, select_menu(bot, bot.last_reply()["blocks"], "edit_opportunity", str(number)))
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(fields) == ["title", "kind", "stage", "mrr", "close", "owner"]
    assert (fields["title"]["initial_value"], fields["mrr"]["initial_value"]) == ("20 more seats", "1200")

    refused = bot.slack.submit(view, state(view, mrr="a lot", stage="won"))
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"mrr", "stage"}
    assert "“won” is not a stage" in refused.json["errors"]["stage"]
    with bot.db() as s:
        assert s.get(Opportunity, number).mrr == 1200  # type: ignore[union-attr]

    saved = bot.slack.submit(
        view, state(view, stage="proposal", mrr="1.5k", close="2027-01-31", kind="cross-sell")
    )
    assert saved.response.body == ""
    with bot.db() as s:
        found = s.get(Opportunity, number)
        assert found is not None
        assert (found.stage, found.mrr, found.close_date, found.kind) == (
            "proposal", 1500, date(2027, 1, 31), "cross-sell",
        )  # fmt: skip
    assert "Updated `kind`, `stage`, `mrr`, `close`" in all_text(
        bot.fake.params("chat.postEphemeral")[-1]["blocks"]
    )

    bot.command("/account", "Acme Corp")
    card = bot.last_reply()["blocks"]
    find_button(card, "Edit")
    assert opened_after(bot, select_menu(bot, card, "edit_opportunity", str(number)))["title"][
        "text"
    ].startswith("Edit opportunity")
