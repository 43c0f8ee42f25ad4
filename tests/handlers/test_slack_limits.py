"""Block Kit limits: every surface, rendered for a huge account, is within what Slack accepts.

The account has 10 000 activities (one with a 20 000-character note), 500 open follow-ups, 500 open
opportunities, 200 contacts, signals and a long audit trail, seeded with bulk inserts. Every
message, modal and Home tab the app sends is checked three ways: by the fake Slack (which refuses
what Slack refuses), by ``bot.blocks.limits`` and by slack_sdk's own Block Kit models; what is
answered in the ack (options, a form's refusals) is checked by the fake Slack.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import insert, select

import bot as app_package
from bot.blocks.limits import (
    MAX_MESSAGE_BLOCK_CHARS,
    block_chars,
    cut,
    fit_blocks,
    fit_message,
    fit_view,
    message_problems,
    view_problems,
)
from bot.storage.models import Account, Activity, AuditEntry, Contact, Opportunity, Reminder, Signal, Task
from tests.handlers.test_edit_forms import opened_after, select_menu, state
from tests.helpers import SIGNING_SECRET, FakeSlack, Harness, SlackDriver, all_text

NOTE = ("R&D <@U0BOB> asked about <https://example.com/pricing|the pricing page> & more. " * 260)[:20_000]


def slack_sdk_problems(payload: dict[str, Any], *, view: bool = False) -> list[str]:
    """What slack_sdk's Block Kit models say is wrong (an opinion independent of ours)."""
    problems = []
    if view:
        try:
            View(**payload).validate_json()
        except Exception as exc:
            problems.append(f"view: {exc}")
    blocks = payload.get("blocks") or []
    if not view and len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks")
    for n, block in enumerate(blocks):
        try:
            parsed = Block.parse(block)
            if parsed is not None:
                parsed.validate_json()
        except Exception as exc:
            problems.append(f"block {n}: {exc}")
    return problems


def everything_sent(bot: Harness) -> list[tuple[str, dict[str, Any]]]:
    sent = []
    for method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"):
        sent += [(method, p) for p in bot.fake.params(method)]
    for method in ("views.open", "views.update", "views.push", "views.publish"):
        sent += [(method, p["view"]) for p in bot.fake.params(method)]
    return sent


def check_everything_sent(bot: Harness) -> int:
    sent = everything_sent(bot)
    for method, payload in sent:
        if method.startswith("views."):
            assert view_problems(payload) == [], (method, view_problems(payload))
            assert slack_sdk_problems(payload, view=True) == [], method
        else:
            assert message_problems(payload) == [], (method, message_problems(payload))
            assert slack_sdk_problems(payload) == [], method
    assert bot.refusals() == []
    return len(sent)


@pytest.fixture
def huge(bot: Harness) -> Harness:
    bot.command(
        "/account", "add Acme Corp status:customer owner:<@U0ALICE|alice> csm:<@U0CAROL|carol> mrr:4200"
    )
    now = bot.clock.now()
    with bot.db() as s:
        account_id = s.scalars(select(Account.id).where(Account.name == "Acme Corp")).one()
        s.execute(
            insert(Activity),
            [
                {
                    "account_id": account_id,
                    "type": ("call", "email", "meeting", "visit")[i % 4],
                    "user_id": "U0ALICE",
                    "occurred_at": now - timedelta(minutes=i + 1),
                    "notes": NOTE if i == 0 else f"note {i}: talked about R&D <@U0BOB> & pricing",
                    "source": "command",
                    "created_at": now,
                }
                for i in range(10_000)
            ],
        )
        s.execute(
            insert(Task),
            [
                {
                    "kind": "followup",
                    "account_id": account_id,
                    "title": f"Follow-up {i} about R&D & <https://example.com|the deck>",
                    "assignee_id": "U0ALICE",
                    "created_by": "U0ALICE",
                    "due_at": now + timedelta(hours=i - 250),
                    "status": "open",
                    "created_at": now,
                }
                for i in range(500)
            ],
        )
        overdue = s.execute(
            select(Task.id, Task.due_at).where(Task.account_id == account_id, Task.due_at < now)
        ).all()
        s.execute(
            insert(Reminder),
            [
                {
                    "kind": "followup_due",
                    "recipient_id": "U0ALICE",
                    "task_id": task_id,
                    "payload": {"due": due.astimezone(UTC).isoformat()},
                    "due_at": due,
                    "status": "pending",
                    "dedupe_key": f"followup_due:{task_id}:{due.astimezone(UTC).isoformat()}",
                    "attempts": 0,
                    "created_at": now,
                }
                for task_id, due in overdue
            ],
        )
        s.execute(
            insert(Opportunity),
            [
                {
                    "account_id": account_id,
                    "kind": ("new", "upsell", "cross-sell", "renewal")[i % 4],
                    "title": f"Deal {i}: {'seats & support ' * 8}",
                    "mrr": 100 + i,
                    "stage": ("qualified", "proposal", "negotiation")[i % 3],
                    "status": "open",
                    "close_date": date(2027, 1, 1) + timedelta(days=i % 90),
                    "owner_id": "U0ALICE",
                    "created_by": "U0ALICE",
                    "created_at": now,
                }
                for i in range(500)
            ],
        )
        s.execute(
            insert(Contact),
            [
                {
                    "account_id": account_id,
                    "name": f"Person {i:03d} With A Long Name",
                    "name_key": f"person {i:03d} with a long name",
                    "title": "VP of Research & Development",
                    "role": ("champion", "economic-buyer", "user")[i % 3],
                    "stage": "unaware",
                    "stage_changed_at": now,
                    "owner_id": "U0ALICE",
                    "notes": NOTE[:500],
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(200)
            ],
        )
        s.execute(
            insert(Signal),
            [
                {
                    "account_id": account_id,
                    "kind": ("upsell", "churn-risk")[i % 2],
                    "points": 30,
                    "quote": NOTE[: 300 + i],
                    "flagged_by": "U0BOB",
                    "status": "open",
                    "created_at": now - timedelta(hours=i),
                }
                for i in range(100)
            ],
        )
        s.execute(
            insert(AuditEntry),
            [
                {
                    "at": now - timedelta(minutes=i),
                    "actor_id": "U0ALICE",
                    "surface": "command",
                    "record_type": "account",
                    "record_id": str(account_id),
                    "account_id": account_id,
                    "action": "update",
                    "changes": {"mrr": [i, i + 1], "tags": [["a&b"], ["<@U0BOB>"]]},
                }
                for i in range(2000)
            ],
        )
    bot.fake.clear()
    return bot


def test_every_surface_of_a_huge_account_is_within_block_kit_limits(huge: Harness) -> None:
    bot = huge
    for command, text in (
        ("/account", "Acme Corp"),
        ("/account", "history Acme Corp"),
        ("/account", "Acme Corp map"),
        ("/account", "list"),
        ("/agenda", ""),
        ("/agenda", "week"),
        ("/pipeline", ""),
        ("/opportunity", "list all"),
        ("/opportunity", "1"),
        ("/opportunity", "history 1"),
        ("/contact", "list Acme Corp"),
        ("/contact", '"Person 001 With A Long Name"'),
        ("/followup", "list"),
        ("/salesbot", "digest"),
        ("/stats", ""),
    ):
        bot.command(command, text)
        assert bot.replies(), f"{command} {text}: no reply"
    bot.command("/account", "Acme Corp")
    card = bot.last_reply()["blocks"]
    assert "more" in all_text(card)
    bot.slack.event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home", "channel": "D0ALICE"})
    assert bot.fake.params("views.publish"), "no App Home"
    bot.click("Edit", blocks=card)  # the account's edit form
    bot.command("/followup", "list")
    bot.command("/opportunity", "list all")
    # the morning message and the due follow-ups' reminders
    bot.dispatch()  # the 250 overdue follow-ups' reminders: one "while I was away" message
    bot.clock.set(datetime(2026, 11, 24, 8, 1, tzinfo=UTC))  # 09:01 in Paris: Alice's morning
    bot.tick()
    dms = [all_text(dm["blocks"]) for dm in bot.dms("U0ALICE")]
    assert len(dms) >= 2 and any("more" in dm for dm in dms), dms
    every_form_of(bot, card)
    assert check_everything_sent(bot) > 20


def every_form_of(bot: Harness, card: list[dict[str, Any]]) -> None:
    """Open every modal the app has for the huge account, and give each form's refusals: the views
    are checked with everything sent, the answers given in the ack by the fake (``bot.refusals``)."""
    with bot.db() as s:
        account_id = s.scalars(select(Account.id).where(Account.name == "Acme Corp")).one()
        signal_id = s.scalars(select(Signal.id).order_by(Signal.id)).first()
    bot.command("/followup", "list")
    followups = bot.last_reply()["blocks"]
    form = opened_after(
        bot, select_menu(bot, followups, "edit_followup", first_option(followups, "edit_followup"))
    )
    refused = bot.slack.submit(form, state(form, title=" ", date="2026-11-20"))
    assert refused.json["response_action"] == "errors"
    bot.command("/opportunity", "list all")
    deals = bot.last_reply()["blocks"]
    form = opened_after(
        bot, select_menu(bot, deals, "edit_opportunity", first_option(deals, "edit_opportunity"))
    )
    refused = bot.slack.submit(
        form, state(form, mrr="lots " * 1000)
    )  # a refusal that echoes 5 000 characters
    assert refused.json["response_action"] == "errors" and "not an amount" in refused.json["errors"]["mrr"]
    assert len(refused.json["errors"]["mrr"]) <= 2000
    opened = len(bot.fake.params("views.open"))
    bot.click("Log activity", blocks=card)  # the log form offers the account's 200 contacts
    bot.slack.block_action("followup_next_custom", json.dumps({"a": account_id}))
    bot.slack.block_action("team_followup", json.dumps({"a": account_id, "t": NOTE[:300]}))
    bot.slack.block_action("signal_create_opportunity", str(signal_id))
    bot.slack.block_action("signal_dismiss", str(signal_id))
    bot.command("/account", "link Acme Corp <#C0ACME|acme-team>")
    bot.slack.shortcut("flag_signal", {"text": NOTE, "ts": "1700000000.000100"}, channel="C0ACME")
    forms = [p["view"] for p in bot.fake.params("views.open")[opened:]]
    assert [f.get("callback_id") for f in forms if f.get("callback_id")] and len(forms) == 6, [
        f.get("callback_id") for f in forms
    ]
    for view in forms:  # each refuses an empty submission under its fields, within the limits
        answer = bot.slack.submit(view, {})
        assert answer.status == 200 and answer.json.get("response_action") == "errors", (view, answer.json)
    for typed in ("", "Acme", "a" * 300, NOTE[:2000]):  # the account picker's options
        answer = bot.slack.options("account", typed).json
        assert len(answer["options"]) <= 100 and all(len(o["text"]["text"]) <= 75 for o in answer["options"])


def first_option(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return str(element["options"][0]["value"])
    raise AssertionError(f"no menu {action_id!r} in {all_text(blocks)[-300:]!r}")


def test_cut_never_splits_an_entity_a_mention_or_a_link() -> None:
    for text in (
        "a" * 2990 + "&amp;" + "b" * 100,
        "a" * 2985 + "<@U0BOB>" + "b" * 100,
        "a" * 2950 + "<https://x.example/very/long|the label>" + "b" * 100,
    ):
        for limit in range(2900, 3000):
            out = cut(text, limit)
            assert len(out) <= limit
            head = out.split("…")[0]
            assert head.count("&") == head.count(";")
            assert head.count("<") == head.count(">")
    assert cut("short", 3000) == "short"
    assert cut("x" * 6000, 3000).endswith("x… _(3040 more characters)_")


def test_too_many_blocks_keep_what_fits_and_say_how_to_see_the_rest() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}} for i in range(80)]
    hint = {
        "type": "context",
        "block_id": "more",
        "elements": [{"type": "mrkdwn", "text": "`/followup list` shows all."}],
    }
    fitted = fit_blocks([*blocks, hint], max_blocks=50, max_chars=None)
    assert len(fitted) == 50
    assert all_text([fitted[-1]]) == "…and 31 more. `/followup list` shows all."
    big = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}} for _ in range(10)]
    fitted = fit_message({"text": "y" * 5000, "blocks": big})
    assert block_chars(fitted["blocks"]) <= MAX_MESSAGE_BLOCK_CHARS and len(fitted["text"]) <= 3000
    assert "…and 6 more." in all_text(fitted["blocks"])
    assert message_problems(fitted) == []


def test_a_view_is_fitted_to_its_limits() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Edit opportunity with a very long title"},
        "blocks": [
            {
                "type": "input",
                "block_id": "notes",
                "label": {"type": "plain_text", "text": "Notes"},
                "element": {"type": "plain_text_input", "action_id": "notes", "initial_value": "n" * 5000},
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "pick"},
                "accessory": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [
                        {"text": {"type": "plain_text", "text": f"{i} " + "o" * 90}, "value": str(i)}
                        for i in range(150)
                    ],
                },
            },
            *[{"type": "divider"} for _ in range(120)],
        ],
    }
    assert view_problems(view)
    fitted = fit_view(view)
    assert view_problems(fitted) == [] and slack_sdk_problems(fitted, view=True) == []


REFUSED = [
    ({"blocks": [{"type": "divider"}] * 51}, "50 blocks"),
    ({"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}]}, "section text"),
    ({"blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "a" * 2001}]}]}, "field"),
    ({"blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "a"}] * 11}]}, "11 fields"),
    ({"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "header"),
    ({"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}, "mrkdwn header"),
    (
        {
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "b"}, "action_id": f"a{i}"}
                        for i in range(26)
                    ],
                }
            ]
        },
        "26 elements",
    ),
    (
        {
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
                    ],
                }
            ]
        },
        "button text",
    ),
    (
        {
            "blocks": [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "s"},
                    "accessory": {
                        "type": "static_select",
                        "action_id": "s",
                        "options": [{"text": {"type": "plain_text", "text": "o" * 76}, "value": "1"}],
                    },
                }
            ]
        },
        "option label",
    ),
    (
        {
            "blocks": [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "s"},
                    "accessory": {
                        "type": "static_select",
                        "action_id": "s",
                        "options": [
                            {"text": {"type": "plain_text", "text": "o"}, "value": str(i)} for i in range(101)
                        ],
                    },
                }
            ]
        },
        "101 options",
    ),
    (
        {"blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]},
        "11 context elements",
    ),
    (
        {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}} for _ in range(5)]},
        "13 000 characters",
    ),
]


@pytest.mark.parametrize(("message", "why"), REFUSED, ids=[why for _, why in REFUSED])
def test_the_fake_refuses_every_message_slack_refuses(
    bot: Harness, message: dict[str, Any], why: str
) -> None:
    raw = WebClient(token="xoxb-test", base_url=bot.fake.api_url)  # not the app's client: it would fit them
    with pytest.raises(SlackApiError) as refused:
        raw.chat_postMessage(channel="U0ALICE", text="x", **message)
    assert refused.value.response["error"] == "invalid_blocks"
    assert bot.fake.take_refusals()
    bot.services.client.chat_postMessage(
        channel="U0ALICE", text="x", **message
    )  # the app's: fitted, accepted
    assert bot.refusals() == []


def test_the_fake_refuses_every_view_slack_refuses(bot: Harness) -> None:
    raw = WebClient(token="xoxb-test", base_url=bot.fake.api_url)
    title = {"type": "plain_text", "text": "t"}
    views = [
        {"type": "home", "blocks": [{"type": "divider"}] * 101},
        {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": [{"type": "divider"}]},
        {"type": "modal", "title": title, "private_metadata": "m" * 3001, "blocks": [{"type": "divider"}]},
        {
            "type": "modal",
            "title": title,
            "blocks": [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "l" * 2001},
                    "element": {"type": "plain_text_input", "action_id": "x"},
                }
            ],
        },
        {
            "type": "modal",
            "title": title,
            "blocks": [
                {
                    "type": "input",
                    "label": title,
                    "element": {"type": "plain_text_input", "action_id": "x", "initial_value": "v" * 3001},
                }
            ],
        },
        {
            "type": "modal",
            "title": title,
            "blocks": [
                {
                    "type": "input",
                    "label": title,
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "x",
                        "placeholder": {"type": "plain_text", "text": "p" * 151},
                    },
                }
            ],
        },
    ]
    for view in views:
        with pytest.raises(SlackApiError):
            raw.views_publish(user_id="U0ALICE", view=view)
    assert len(bot.fake.take_refusals()) == len(views)
    for view in views[:2] + views[3:]:  # (metadata is the app's own JSON: never cut, only reported)
        bot.services.client.views_publish(user_id="U0ALICE", view=view)
    assert bot.refusals() == []


def test_every_send_goes_through_the_fitting_client() -> None:
    """Nothing in the app builds its own Slack client or response_url poster: all of them fit."""
    root = Path(app_package.__file__).parent
    allowed = {root / "slack_client.py", root / "console" / "fake_slack.py"}
    offenders = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in root.rglob("*.py")
        if path not in allowed
        for line in path.read_text().splitlines()
        if re.search(r"\b(WebClient|WebhookClient|Respond)\(", line)
    ]
    assert offenders == []


def register_oversized_answers(app: App) -> None:
    """Listeners whose answers, given in the ack, are over Slack's limits."""
    labels = [f"{i} " + "R&D <@U0BOB> " * 10 for i in range(150)]

    @app.options("huge_picker")
    def picker(ack: Ack) -> None:
        ack(
            options=[
                {"text": {"type": "plain_text", "text": t}, "value": str(i)} for i, t in enumerate(labels)
            ]
        )

    @app.options("huge_groups")
    def groups(ack: Ack) -> None:
        group = {"label": {"type": "plain_text", "text": "g" * 100}, "options": [
            {"text": {"type": "plain_text", "text": t}, "value": str(i)} for i, t in enumerate(labels)
        ]}  # fmt: skip
        ack(option_groups=[group] * 120)

    @app.view("huge_form")
    def form(ack: Ack, view: dict[str, Any]) -> None:
        if view.get("private_metadata") == "update":
            ack(response_action="update", view={
                "type": "modal", "title": {"type": "plain_text", "text": "A title far too long to show"},
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": NOTE}}] * 120,
            })  # fmt: skip
        else:
            ack(response_action="errors", errors={"notes": f"“{NOTE}” is not a date. Try `2026-12-01`."})


def test_answers_given_in_the_ack_are_fitted(bot: Harness) -> None:
    """What a listener answers in the HTTP response (an external select's options, a form's refusals,
    a view replacing the form) is fitted like every message, and the fake would have refused it."""
    register_oversized_answers(bot.app)
    options = bot.slack.options("huge_picker", "R&D", block_id="b").json["options"]
    assert len(options) == 100 and all(len(o["text"]["text"]) <= 75 for o in options)
    assert options[0]["text"]["text"].startswith("0 R&D <@U0BOB>") and options[-1]["value"] == "99"
    groups = bot.slack.options("huge_groups", "", block_id="b").json["option_groups"]
    assert len(groups) == 100 and all(
        len(g["label"]["text"]) <= 75 and len(g["options"]) == 100 for g in groups
    )
    modal = {"callback_id": "huge_form", "private_metadata": ""}
    errors = bot.slack.submit(modal, {}).json["errors"]
    assert len(errors["notes"]) <= 2000 and errors["notes"].endswith("is not a date. Try `2026-12-01`.")
    updated = bot.slack.submit({**modal, "private_metadata": "update"}, {}).json
    assert updated["response_action"] == "update" and view_problems(updated["view"]) == []
    assert slack_sdk_problems(updated["view"], view=True) == []
    assert all_text(updated["view"]["blocks"][-1:]).startswith("…and ")
    assert bot.refusals() == []


def test_the_fake_refuses_answers_slack_refuses(fake_slack: FakeSlack) -> None:
    """The test harness checks what is answered in the ack, as Slack would: a bare Bolt app (no fitting)
    answering over the limits is refused."""
    raw = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    app = App(signing_secret=SIGNING_SECRET, client=raw, token_verification_enabled=False)
    register_oversized_answers(app)
    driver = SlackDriver(app, SIGNING_SECRET, fake_slack)
    driver.options("huge_picker", "x", block_id="b")
    driver.options("huge_groups", "x", block_id="b")
    driver.submit({"callback_id": "huge_form"}, {})
    driver.submit({"callback_id": "huge_form", "private_metadata": "update"}, {})
    refused = fake_slack.take_refusals()
    assert [(r.method, r.error) for r in refused] == [("ack", "invalid_ack")] * 4, refused
    assert "options" in refused[0].detail and "option groups" in refused[1].detail
    assert "refusal under 'notes'" in refused[2].detail and "title" in refused[3].detail
