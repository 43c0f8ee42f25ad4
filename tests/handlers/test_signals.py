"""/signal and the "Flag a signal" shortcut, end to end: flagging, routing, the three buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.blocks.signals import DISMISS_MODAL_CALLBACK, OPPORTUNITY_MODAL_CALLBACK, SIGNAL_MODAL_CALLBACK
from bot.storage.models import Account, Opportunity, Reminder, Signal
from tests.helpers import Harness, all_text, buttons

SETUP = "add Acme Corp status:customer owner:<@U0ALICE|alice> csm:<@U0CAROL|carol>"


@pytest.fixture
def acme(bot: Harness) -> Harness:
    bot.command("/account", SETUP)
    return bot


def dm_texts(bot: Harness, user: str) -> list[str]:
    return [all_text(p.get("blocks")) or str(p.get("text")) for p in bot.dms(user)]


def signal_count(bot: Harness) -> int:
    with bot.db() as s:
        return s.scalar(select(func.count()).select_from(Signal)) or 0


@pytest.mark.parametrize(
    ("text", "kind", "points", "told"),
    [
        ("Acme Corp upsell: asked whether they can add 20 seats", "upsell", 30, ["U0ALICE", "U0CAROL"]),
        ("Acme Corp cross-sell: wants a marketing module", "cross-sell", 30, ["U0ALICE", "U0CAROL"]),
        ("Acme Corp churn-risk: complained about support twice", "churn-risk", 40, ["U0CAROL", "U0ALICE"]),
        ("Acme Corp advocacy: happy to be a reference", "advocacy", 10, ["U0ALICE"]),
    ],
)
def test_each_kind_is_stored_and_routed(
    acme: Harness, text: str, kind: str, points: int, told: list[str]
) -> None:
    bot = acme
    bot.command("/signal", text, user="U0BOB")
    thanks = bot.last_text()
    assert "Thanks!" in thanks and f"(+{points})" in thanks
    assert "What happens next" in thanks
    for user in told:
        assert f"<@{user}>" in thanks
    with bot.db() as s:
        signal = s.scalars(select(Signal)).one()
        assert (signal.kind, signal.points, signal.flagged_by, signal.status) == (
            kind,
            points,
            "U0BOB",
            "open",
        )
        assert signal.quote == text.split(": ", 1)[1]
    bot.deliver()
    quote = text.split(": ", 1)[1]
    for user in ("U0ALICE", "U0CAROL"):
        routed = [t for t in dm_texts(bot, user) if "signal on *Acme Corp*" in t]
        if user in told:
            assert len(routed) == 1 and f"> {quote}" in routed[0] and "<@U0BOB>" in routed[0]
            labels = [b["text"]["text"] for b in buttons(bot.dms(user)[0]["blocks"])]
            assert labels == ["Create opportunity", "Not now", "Dismiss"]
        else:
            assert routed == []


def test_unknown_kind_lists_the_kinds_and_writes_nothing(acme: Harness) -> None:
    acme.command("/signal", "Acme Corp upgrade: more seats", user="U0BOB")
    text = acme.last_text()
    assert "“upgrade” is not a kind of signal" in text
    for kind in ("upsell", "cross-sell", "churn-risk", "advocacy"):
        assert f"`{kind}`" in text
    assert "Example: `/signal Acme Corp upsell:" in text
    assert signal_count(acme) == 0


def test_missing_colon_and_empty_quote_are_explained(acme: Harness) -> None:
    acme.command("/signal", "Acme Corp upsell more seats")
    assert "colon" in acme.last_text()
    acme.command("/signal", "Acme Corp upsell:")
    assert "After the colon" in acme.last_text()
    assert signal_count(acme) == 0


def test_unknown_account_suggests_and_creates_then_flags(acme: Harness) -> None:
    acme.command("/signal", "Acme Crop upsell: asked for 20 seats", user="U0BOB")
    text = acme.last_text()
    assert "I don't know an account called “Acme Crop”" in text and "Did you mean “Acme Corp”?" in text
    assert signal_count(acme) == 0
    acme.click("Acme Corp", user="U0BOB")  # the suggestion re-runs the command with that account
    assert "Thanks!" in acme.last_text()
    acme.command("/signal", "Initech upsell: wants 5 seats", user="U0BOB")
    acme.click("Create “Initech”", user="U0BOB")
    assert "Thanks!" in acme.last_text()
    with acme.db() as s:
        names = sorted(
            a.name for a in s.scalars(select(Account).join(Signal, Signal.account_id == Account.id))
        )
        assert names == ["Acme Corp", "Initech"]


def test_special_mentions_in_a_quote_never_ping(acme: Harness) -> None:
    bot = acme
    bot.command("/signal", "Acme Corp upsell: <!channel> <!here> wants 20 <b>more</b> seats", user="U0BOB")
    assert "<!channel>" not in bot.last_text() and "&lt;!channel&gt;" in bot.last_text()
    bot.deliver()
    posts = bot.fake.params("chat.postMessage")
    assert posts
    for post in posts:
        rendered = str(post.get("text")) + all_text(post.get("blocks"))
        assert "<!channel>" not in rendered and "<!here>" not in rendered
    assert "&lt;!channel&gt;" in dm_texts(bot, "U0ALICE")[0]


def test_owner_flagging_on_own_account_gets_the_buttons_not_a_dm(acme: Harness) -> None:
    acme.command("/signal", "Acme Corp advocacy: happy to be a reference", user="U0ALICE")
    assert "It's your account" in acme.last_text()
    assert buttons(acme.last_reply()["blocks"])[0]["text"]["text"] == "Create opportunity"
    acme.deliver()
    assert acme.dms("U0ALICE") == []


def test_dm_waits_for_the_recipients_working_hours(bot: Harness) -> None:
    bot.command("/account", "add Globex owner:<@U0BOB|bob>")
    bot.command("/signal", "Globex upsell: 10 more seats", user="U0CAROL")
    bot.deliver()
    assert bot.dms("U0BOB") == []  # 04:00 in New York
    bot.clock.advance(hours=5)  # 09:00 in New York
    bot.deliver()
    assert len(bot.dms("U0BOB")) == 1


def _shortcut_message() -> dict[str, Any]:
    return {
        "type": "message",
        "ts": "1700000000.000200",
        "user": "U0EXT",
        "text": "Could we add 20 seats? <!channel>",
    }


def test_shortcut_prefills_linked_account_and_stores_permalink(acme: Harness) -> None:
    bot = acme
    bot.command("/account", "link Acme Corp <#C0ACME|acme-team>")
    sent = bot.slack.shortcut("flag_signal", _shortcut_message(), user="U0BOB", channel="C0ACME")
    assert sent.status == 200
    view = bot.fake.params("views.open")[-1]["view"]
    assert view["callback_id"] == SIGNAL_MODAL_CALLBACK
    by_block = {b["block_id"]: b for b in view["blocks"]}
    assert by_block["account"]["element"]["initial_option"]["text"]["text"] == "Acme Corp"
    assert by_block["account"]["element"]["type"] == "external_select"
    # What the message says, as people read it: Slack's control sequences are not shown as such.
    assert by_block["quote"]["element"]["initial_value"] == "Could we add 20 seats? @channel"
    with bot.db() as s:
        account_id = s.scalars(select(Account.id)).one()
    # The picker is served by the existing account options listener.
    options = bot.slack.options("account", "acm", user="U0BOB").json["options"]
    assert options[0]["value"] == str(account_id)
    bot.slack.submit(
        view,
        {
            "account": {"account": {"selected_option": {"value": str(account_id)}}},
            "kind": {"kind": {"selected_option": {"value": "upsell"}}},
            "quote": {"quote": {"value": "Could we add 20 seats? <!channel>"}},
        },
        user="U0BOB",
    )
    with bot.db() as s:
        signal = s.scalars(select(Signal)).one()
        assert signal.permalink == "https://local.slack.test/archives/C0ACME/p1700000000000200"
        assert signal.kind == "upsell" and signal.flagged_by == "U0BOB"
    thanks = bot.fake.params("chat.postEphemeral")[-1]
    assert thanks["user"] == "U0BOB" and thanks["channel"] == "C0ACME"
    assert "Thanks!" in all_text(thanks["blocks"]) and "<!channel>" not in all_text(thanks["blocks"])
    bot.deliver()
    routed = dm_texts(bot, "U0ALICE")[0]
    assert "archives/C0ACME/p1700000000000200" in routed and "&lt;!channel&gt;" in routed


def test_shortcut_prefills_the_message_as_people_read_it(acme: Harness) -> None:
    bot = acme
    message = {"type": "message", "ts": "1700000000.000300", "user": "U0EXT", "text": "20 seats &amp; SSO?"}
    bot.slack.shortcut("flag_signal", message, user="U0BOB", channel="C0ACME")
    by_block = {b["block_id"]: b for b in bot.last_view()["blocks"]}
    assert by_block["quote"]["element"]["initial_value"] == "20 seats & SSO?"


def test_shortcut_without_linked_channel_and_missing_fields(acme: Harness) -> None:
    bot = acme
    bot.slack.shortcut("flag_signal", _shortcut_message(), user="U0BOB", channel="C_OTHER")
    view = bot.fake.params("views.open")[-1]["view"]
    assert "initial_option" not in view["blocks"][0]["element"]
    sent = bot.slack.submit(view, {"quote": {"quote": {"value": " "}}}, user="U0BOB")
    assert sent.json["response_action"] == "errors"
    assert set(sent.json["errors"]) == {"account", "kind", "quote"}
    assert signal_count(bot) == 0


def _flag_and_deliver(bot: Harness) -> dict[str, Any]:
    bot.command("/signal", "Acme Corp upsell: asked whether they can add 20 seats", user="U0BOB")
    bot.deliver()
    return bot.dms("U0ALICE")[-1]


def test_create_opportunity_from_a_signal(acme: Harness) -> None:
    bot = acme
    dm = _flag_and_deliver(bot)
    bot.click("Create opportunity", blocks=dm["blocks"])
    view = bot.fake.params("views.open")[-1]["view"]
    assert view["callback_id"] == OPPORTUNITY_MODAL_CALLBACK
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["kind"]["element"]["initial_option"]["value"] == "upsell"
    assert blocks["title"]["element"]["initial_value"] == "asked whether they can add 20 seats"
    values = {
        "kind": {"kind": {"selected_option": {"value": "upsell"}}},
        "title": {"title": {"value": "20 more seats"}},
        "mrr": {"mrr": {"value": "lots"}},
        "stage": {"stage": {"selected_option": {"value": "qualified"}}},
        "close": {"close": {"selected_date": "2027-01-31"}},
    }
    sent = bot.slack.submit(view, values)
    assert sent.json == {"response_action": "errors", "errors": {"mrr": "A number, like 1200 or 1.2k."}}
    values["mrr"] = {"mrr": {"value": "1.2k"}}
    bot.slack.submit(view, values)
    with bot.db() as s:
        opportunity = s.scalars(select(Opportunity)).one()
        signal = s.scalars(select(Signal)).one()
        assert (opportunity.title, opportunity.mrr, opportunity.kind, opportunity.stage) == (
            "20 more seats",
            1200,
            "upsell",
            "qualified",
        )
        assert opportunity.signal_id == signal.id and opportunity.owner_id == "U0ALICE"
        assert opportunity.close_date.isoformat() == "2027-01-31"
        assert (signal.status, signal.opportunity_id) == ("acted", opportunity.id)
    assert "Created opportunity *#1*" in dm_texts(bot, "U0ALICE")[-1]
    updated = bot.fake.params("chat.update")[-1]
    assert "created opportunity #1" in all_text(updated["blocks"]) and not buttons(updated["blocks"])
    # Carol's copy of the message: the signal was already acted on.
    bot.click("Create opportunity", user="U0CAROL", blocks=bot.dms("U0CAROL")[-1]["blocks"])
    assert "Turned into opportunity #1" in bot.last_text()
    # The flagger learns what became of it, in their own working hours (New York).
    bot.deliver()
    assert not any("became opportunity" in t for t in dm_texts(bot, "U0BOB"))
    bot.clock.advance(hours=5)
    bot.deliver()
    assert "became opportunity #1" in dm_texts(bot, "U0BOB")[-1]


def test_not_now_snoozes_for_a_week_and_brings_it_back(acme: Harness) -> None:
    bot = acme
    dm = _flag_and_deliver(bot)
    bot.click("Not now", blocks=dm["blocks"])
    assert "snoozed it until" in bot.last_text()
    with bot.db() as s:
        signal = s.scalars(select(Signal)).one()
        assert signal.status == "snoozed"
        assert signal.snoozed_until == bot.clock.now() + timedelta(days=7)
    before = len(bot.dms("U0ALICE"))
    bot.clock.advance(days=6)
    bot.deliver()
    assert len(bot.dms("U0ALICE")) == before
    bot.clock.advance(days=1)
    bot.deliver()
    back = dm_texts(bot, "U0ALICE")[-1]
    assert "Back from “Not now”" in back and "add 20 seats" in back


def test_dismiss_asks_a_reason_and_stores_it(acme: Harness) -> None:
    bot = acme
    dm = _flag_and_deliver(bot)
    bot.click("Dismiss", blocks=dm["blocks"])
    view = bot.fake.params("views.open")[-1]["view"]
    assert view["callback_id"] == DISMISS_MODAL_CALLBACK
    sent = bot.slack.submit(view, {"reason": {"reason": {"value": ""}}})
    assert sent.json["response_action"] == "errors"
    with bot.db() as s:
        assert s.scalars(select(Signal)).one().status == "open"
    bot.slack.submit(view, {"reason": {"reason": {"value": "they already have <!everyone> licensed"}}})
    with bot.db() as s:
        signal = s.scalars(select(Signal)).one()
        assert signal.status == "dismissed"
        assert signal.dismiss_reason == "they already have <!everyone> licensed"
    updated = all_text(bot.fake.params("chat.update")[-1]["blocks"])
    assert "dismissed it: they already have &lt;!everyone&gt; licensed" in updated
    bot.clock.advance(hours=5)
    bot.deliver()
    assert "was dismissed by <@U0ALICE>" in dm_texts(bot, "U0BOB")[-1]
    # Nothing left to escalate or resurface.
    with bot.db() as s:
        pending = s.scalars(select(Reminder).where(Reminder.status == "pending")).all()
        assert pending == []


def test_not_now_on_a_saturday_says_the_monday_it_comes_back(acme: Harness) -> None:
    bot = acme
    dm = _flag_and_deliver(bot)
    bot.clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))  # Saturday 11:00 in Paris
    bot.click("Not now", blocks=dm["blocks"])
    assert (
        "snoozed it until Sat 5 Dec; it comes back to <@U0ALICE> Mon 7 Dec, 09:00, "
        "the next working morning." in bot.last_text()
    )
    bot.clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    before = len(bot.dms("U0ALICE"))
    bot.deliver()
    assert len(bot.dms("U0ALICE")) == before
    bot.clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    bot.deliver()
    assert "Back from “Not now”" in dm_texts(bot, "U0ALICE")[-1]
