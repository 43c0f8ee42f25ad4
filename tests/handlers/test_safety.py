"""Requests must be signed and fresh; nothing a person typed can ping anyone when echoed back."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from sqlalchemy import select

from bot.storage.models import Account, Activity
from tests.helpers import SIGNING_SECRET, Harness, mrkdwn_text, sign

PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U0CAROL>", "<!subteam^S123>")


def command_body(bot: Harness, text: str) -> str:
    return urlencode(
        {
            "command": "/account",
            "text": text,
            "user_id": "U0ALICE",
            "channel_id": "C1",
            "team_id": "T_LOCAL",
            "response_url": bot.fake.response_url("sig"),
            "trigger_id": "t.1",
        }
    )


def dispatch(bot: Harness, body: str, headers: dict[str, str]) -> Any:
    headers = {"content-type": "application/x-www-form-urlencoded", **headers}
    return bot.app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in headers.items()}))


def test_bad_signature_is_rejected(bot: Harness) -> None:
    body = command_body(bot, "add Acme Corp")
    response = dispatch(bot, body, sign("not-the-secret", body))
    assert response.status == 401
    assert bot.count(Account) == 0 and bot.replies() == []


def test_tampered_body_is_rejected(bot: Harness) -> None:
    headers = sign(SIGNING_SECRET, command_body(bot, "add Acme Corp"))
    response = dispatch(bot, command_body(bot, "add Evil Corp"), headers)
    assert response.status == 401
    assert bot.count(Account) == 0


def test_stale_signature_is_rejected(bot: Harness) -> None:
    body = command_body(bot, "add Acme Corp")
    response = dispatch(bot, body, sign(SIGNING_SECRET, body, int(time.time()) - 6 * 60))
    assert response.status == 401
    assert bot.count(Account) == 0


def test_fresh_signature_is_accepted(bot: Harness) -> None:
    body = command_body(bot, "add Acme Corp")
    response = dispatch(bot, body, sign(SIGNING_SECRET, body, int(time.time()) - 60))
    assert response.status == 200
    assert bot.count(Account) == 1


def assert_no_pings(bot: Harness) -> None:
    messages = bot.replies() + [
        p for m in ("chat.postMessage", "chat.postEphemeral") for p in bot.fake.params(m)
    ]
    assert messages
    for message in messages:
        text = mrkdwn_text(message)
        for ping in PINGS:
            assert ping not in text, (ping, text)


def test_typed_text_never_pings_on_any_echo_path(bot: Harness) -> None:
    hostile = "<!channel> & <@U0CAROL> <!here>"
    # Account name, tags and external id, echoed by the creation reply and the card.
    bot.command("/account", "add <!channel> Corp tags:<!here>,vip external_id:<!everyone>")
    assert "&lt;!channel&gt; Corp" in bot.last_text()
    bot.command("/account", "<!channel> Corp")
    assert bot.last_reply()["text"].startswith("&lt;!channel&gt; Corp")
    # Confirmation, then the card's last activities, then Undo.
    bot.command("/log", f"call <!channel> Corp: {hostile}")
    assert "&lt;!channel&gt; &amp; @U0CAROL &lt;!here&gt;" in bot.last_text()
    confirmation = bot.last_reply()["blocks"]
    bot.click("Open account")
    bot.click("Undo", blocks=confirmation)
    # Lists, with a hostile filter too.
    bot.command("/account", "list")
    bot.command("/account", "list tag:<!here>")
    assert "tag *&lt;!here&gt;*" in bot.last_text()
    # Changes, links, and every error that quotes what was typed.
    bot.command("/account", "set <!channel> Corp tags:<!subteam^S123> mrr:<!here>")
    bot.command("/account", "set <!channel> Corp tags:<!subteam^S123>")
    bot.command("/account", "link <!channel> Corp <#C0ACME|acme>")
    bot.command("/account", "add <!channel> Corp")
    bot.command("/account", "add Acme tier:<!channel>")
    bot.command("/account", "add Acme status:<!here>")
    bot.command("/account", "add Acme owner:<!channel>")
    bot.command("/account", "add Acme renewal:<!channel>")
    bot.command("/account", "<@U0CAROL> Industries")
    bot.command("/log", "<!channel> Acme: x")
    bot.command("/log", f"call <!here> Industries: {hostile}")
    bot.click("Create")
    bot.command("/log", "note <!channel> Corp: " + "<!channel>" * 400)
    # The modal's confirmation.
    with bot.db() as s:
        account_id = s.scalars(select(Account.id).where(Account.name == "<!channel> Corp")).one()
    bot.command("/log", "")
    values = {
        "account": {"account": {"selected_option": {"value": str(account_id)}}},
        "type": {"type": {"selected_option": {"value": "note"}}},
        "date": {"date": {"selected_date": "2026-11-23"}},
        "time": {"time": {"selected_time": "09:00"}},
        "notes": {"notes": {"value": hostile}},
    }
    bot.slack.submit(bot.last_view(), values)
    with bot.db() as s:
        assert [a.notes for a in s.scalars(select(Activity))] == [
            hostile,
            hostile,
            hostile,
        ]  # stored as typed
    assert_no_pings(bot)


# What the bot may put between < and > in mrkdwn: mentions, channel links, dates, links. Anything else
# (a placeholder like `<account>`) is a control sequence Slack would mangle, even inside backticks.
CONTROL_SEQUENCE = re.compile(r"<([^<>]*)>")
UNDERSTOOD = re.compile(
    r"^(@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|!date\^[^|]+\|.+|https?://[^|]+(\|.*)?|mailto:[^|]+(\|.*)?)$"
)


def test_every_control_sequence_the_bot_sends_is_one_slack_understands(bot: Harness) -> None:
    for command, text in [
        ("/salesbot", "help"),
        ("/account", "add Acme Corp tier:gold owner:<@U0ALICE|alice> csm:<@U0BOB>"),
        ("/account", "add Globex"),
        ("/account", "Globex"),
        ("/account", "list"),
        ("/account", "link Acme Corp <#C0ACME|acme>"),
        ("/account", "set Acme Corp colour:red"),
        ("/log", "help"),
        ("/log", "call Acme Corp: talked to <@U0BOB|bob>"),
        ("/log", "call Acme: x"),
        ("/log", "call Acme Crop: x"),
        ("/log", "dance Acme Corp: x"),
        ("/log", "meeting Globex yesterday 3pm: demo went well"),
        ("/account", "Globex"),
        ("/followup", "list"),
        ("/agenda", ""),
    ]:
        bot.command(command, text)
    messages = bot.replies() + [
        p for m in ("chat.postMessage", "chat.postEphemeral") for p in bot.fake.params(m)
    ]
    for message in messages:
        for inner in CONTROL_SEQUENCE.findall(mrkdwn_text(message)):
            assert UNDERSTOOD.match(inner), (inner, mrkdwn_text(message))
