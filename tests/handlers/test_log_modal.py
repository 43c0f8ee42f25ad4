"""The log modal: opened by /log, by the card's button and by the "Log as activity" message shortcut."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.storage.models import Account, Activity, UserProfile
from tests.helpers import Harness, all_text


def add(bot: Harness, text: str) -> int:
    bot.command("/account", f"add {text}")
    with bot.db() as s:
        return s.scalars(select(Account).order_by(Account.id.desc())).first().id  # type: ignore[union-attr]


def state(
    account_id: int | None,
    *,
    kind: str = "call",
    day: str | None = "2026-11-23",
    at: str | None = "09:30",
    notes: str | None = "went well",
) -> dict[str, dict[str, Any]]:
    """The modal's state as Slack sends it on submission."""
    option = lambda v: {"text": {"type": "plain_text", "text": v}, "value": v}  # noqa: E731
    return {
        "account": {
            "account": {
                "type": "external_select",
                "selected_option": option(str(account_id)) if account_id else None,
            }
        },
        "type": {"type": {"type": "static_select", "selected_option": option(kind)}},
        "date": {"date": {"type": "datepicker", "selected_date": day}},
        "time": {"time": {"type": "timepicker", "selected_time": at}},
        "notes": {"notes": {"type": "plain_text_input", "value": notes}},
    }


def web_api_calls(bot: Harness) -> list[str]:
    """Methods the app called, without Bolt's own one-off ``auth.test``."""
    return [c.method for c in bot.fake.calls() if c.method != "auth.test"]


def blocks_by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"]}


def test_log_without_text_opens_the_modal_before_asking_slack_anything(bot: Harness) -> None:
    sent = bot.command("/log", "")
    assert sent.response.body == ""  # acked with nothing to show
    calls = web_api_calls(bot)
    assert calls[0] == "views.open"
    opened = bot.fake.params("views.open")[0]
    assert f"trigger_id={opened['trigger_id']}" in sent.body  # the trigger of this very request
    elements = blocks_by_id(opened["view"])
    assert list(elements) == ["account", "type", "date", "time", "notes"]
    assert elements["account"]["type"] == "external_select" and elements["account"]["min_query_length"] == 0
    assert [o["value"] for o in elements["type"]["options"]] == [
        "call",
        "email",
        "meeting",
        "video",
        "demo",
        "visit",
        "note",
    ]
    assert elements["date"]["type"] == "datepicker" and elements["time"]["type"] == "timepicker"
    # The first open used what was known (nothing: UTC); users.info then said Paris, so it was corrected.
    assert calls[1] == "users.info"
    updated = bot.last_view("views.update")
    assert (
        blocks_by_id(opened["view"])["time"]["initial_time"],
        blocks_by_id(updated)["time"]["initial_time"],
    ) == (
        "09:00",
        "10:00",
    )
    assert bot.fake.params("views.update")[0]["view_id"].startswith("V")


def test_modal_opens_right_away_for_a_known_person(bot: Harness) -> None:
    bot.services.people.get("U0ALICE")  # cached today
    bot.fake.clear()
    bot.command("/log", "")
    assert web_api_calls(bot) == ["views.open"]
    assert blocks_by_id(bot.last_view())["time"]["initial_time"] == "10:00"
    assert blocks_by_id(bot.last_view())["date"]["initial_date"] == "2026-11-23"


def test_account_picker_searches_by_name(bot: Harness) -> None:
    acme, labs = add(bot, "Acme Corp"), add(bot, "Acme Labs")
    add(bot, "Globex")
    sent = bot.slack.options("account", "acm")
    assert sent.status == 200
    assert sent.json == {
        "options": [
            {"text": {"type": "plain_text", "text": "Acme Corp"}, "value": str(acme)},
            {"text": {"type": "plain_text", "text": "Acme Labs"}, "value": str(labs)},
        ]
    }
    assert [o["text"]["text"] for o in bot.slack.options("account", "glbex").json["options"]] == ["Globex"]
    assert len(bot.slack.options("account", "").json["options"]) == 3


def test_submission_stores_the_activity_and_confirms_in_the_channel(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    bot.command("/log", "", channel="C0SALES")
    sent = bot.slack.submit(bot.last_view(), state(acme, kind="demo", notes="went well <!channel>"))
    assert sent.status == 200 and sent.response.body == ""
    with bot.db() as s:
        act = s.scalars(select(Activity)).one()
    assert (act.account_id, act.type, act.user_id, act.source, act.notes) == (
        acme, "demo", "U0ALICE", "modal", "went well <!channel>",
    )  # fmt: skip
    assert act.occurred_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Paris
    note = bot.fake.params("chat.postEphemeral")[-1]
    assert (note["channel"], note["user"]) == ("C0SALES", "U0ALICE")
    assert "Logged a *demo* with *Acme Corp* · Mon 23 Nov, 09:30" in all_text(note["blocks"])
    assert "&lt;!channel&gt;" in all_text(note["blocks"]) and "<!channel>" not in json.dumps(note)


def test_submission_without_time_uses_noon_or_now(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    bot.command("/log", "")
    bot.slack.submit(bot.last_view(), state(acme, day="2026-11-20", at=None, notes=None))
    bot.slack.submit(bot.last_view(), state(acme, at=None))
    with bot.db() as s:
        times = [a.occurred_at for a in s.scalars(select(Activity).order_by(Activity.id))]
        assert s.scalars(select(Activity)).first().notes == ""  # type: ignore[union-attr]
    assert times == [datetime(2026, 11, 20, 11, 0, tzinfo=UTC), bot.clock.now()]


def test_confirmation_falls_back_to_a_dm(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    bot.command("/log", "", channel="C0PRIVATE")
    bot.fake.fail("chat.postEphemeral", "channel_not_found")
    bot.slack.submit(bot.last_view(), state(acme))
    dm = bot.dms("U0ALICE")[-1]
    assert "Logged a *call* with *Acme Corp*" in all_text(dm["blocks"])
    assert bot.count(Activity) == 1


def test_missing_account_or_future_date_keeps_the_modal_open(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    bot.command("/log", "")
    view = bot.last_view()
    cases = [
        (state(None), "account", "Pick an account"),
        (state(acme, day="2026-11-24"), "date", "in the future"),
        (state(acme, at="23:00"), "time", "in the future"),
        (state(acme, day=None), "date", "Pick the day"),
        (state(acme, notes="x" * 3001), "notes", "3000 at most"),
    ]
    for values, block, says in cases:
        sent = bot.slack.submit(view, values)
        assert sent.json["response_action"] == "errors"
        assert list(sent.json["errors"]) == [block] and says in sent.json["errors"][block]
    assert bot.count(Activity) == 0
    assert bot.fake.params("chat.postEphemeral") == []


def test_card_button_opens_the_modal_with_the_account(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    bot.command("/account", "Acme Corp")
    bot.click("Log activity")
    picker = blocks_by_id(bot.last_view())["account"]
    assert picker["initial_option"] == {
        "text": {"type": "plain_text", "text": "Acme Corp"},
        "value": str(acme),
    }


def shortcut_message(text: str) -> dict[str, Any]:
    return {"type": "message", "user": "U0BOB", "ts": "1700000000.000200", "text": text}


def test_shortcut_prefills_the_text_and_stores_the_permalink(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    sent = bot.slack.shortcut(
        "log_message_as_activity", shortcut_message("They want 20 more seats"), channel="C0DEALS"
    )
    assert sent.status == 200
    view = bot.last_view()
    elements = blocks_by_id(view)
    assert elements["notes"]["initial_value"] == "They want 20 more seats"
    assert "initial_option" not in elements["account"]  # C0DEALS is linked to nothing
    bot.slack.submit(view, state(acme, notes="They want 20 more seats"))
    with bot.db() as s:
        act = s.scalars(select(Activity)).one()
    assert act.source == "shortcut"
    assert act.permalink == "https://local.slack.test/archives/C0DEALS/p1700000000000200"
    asked = bot.fake.params("chat.getPermalink")[0]
    assert (asked["channel"], asked["message_ts"]) == ("C0DEALS", "1700000000.000200")
    bot.command("/account", "Acme Corp")
    assert "<https://local.slack.test/archives/C0DEALS/p1700000000000200|message>" in bot.last_text()


def test_shortcut_in_a_linked_channel_preselects_the_account(bot: Harness) -> None:
    add(bot, "Acme Corp")
    globex = add(bot, "Globex")
    bot.command("/account", "link Globex <#C0GLOBEX|globex-shared>")
    bot.slack.shortcut("log_message_as_activity", shortcut_message("renewal talk"), channel="C0GLOBEX")
    picker = blocks_by_id(bot.last_view())["account"]
    assert picker["initial_option"]["value"] == str(globex)


def test_shortcut_survives_a_failing_permalink(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    bot.slack.shortcut("log_message_as_activity", shortcut_message("x"), channel="C0DEALS")
    bot.fake.fail("chat.getPermalink", "message_not_found")
    bot.slack.submit(bot.last_view(), state(acme, notes="x"))
    with bot.db() as s:
        act = s.scalars(select(Activity)).one()
    assert act.permalink is None and act.source == "shortcut"


def test_a_failed_correction_leaves_the_form_open(bot: Harness) -> None:
    acme = add(bot, "Acme Corp")
    with bot.db() as s:  # forget Alice's zone so the form needs correcting
        s.delete(s.get(UserProfile, ("T_LOCAL", "U0ALICE")))
    bot.fake.fail("views.update", "hash_conflict")
    bot.command("/log", "")
    assert bot.fake.params("views.update")  # tried, failed, no crash
    bot.slack.submit(bot.last_view(), state(acme))
    assert bot.count(Activity) == 1
