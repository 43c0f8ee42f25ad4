"""Signals in the morning message, as the people of the issue live it over several days: nothing is
said twice, a click in the morning message leaves its other lines alone, each score keeps its own
crossing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage.models import Account, Signal
from tests.helpers import Harness, all_text, buttons, line_button


def tick(bot: Harness) -> None:
    bot.run_planning()
    bot.deliver()


def mornings(bot: Harness, user: str) -> list[dict[str, Any]]:
    return [p for p in bot.dms(user) if "Good morning" in all_text(p.get("blocks"))]


def test_a_signal_is_not_repeated_by_the_morning_message_the_day_it_arrives(team: Harness) -> None:
    bot = team
    bot.clock.advance(days=-1, hours=9)  # Sunday 18:00 UTC
    bot.command("/signal", "Acme Corp upsell: asked whether they can add 20 seats", user="U0BOB")
    bot.command("/signal", "Acme Corp cross-sell: wants a marketing module", user="U0BOB")  # ripe: 60
    bot.clock.advance(hours=13, minutes=45)  # Monday 07:45 UTC = 08:45 Paris: before alice's day starts
    tick(bot)
    assert bot.dms("U0ALICE") == []
    bot.clock.advance(minutes=15)  # 09:00 Paris: her morning message, and the signal messages themselves
    tick(bot)
    monday = mornings(bot, "U0ALICE")
    assert len(monday) == 1
    assert "ripe for expansion" in all_text(monday[0]["blocks"])
    assert "waits for you" not in all_text(monday[0]["blocks"])  # the signals come with their buttons
    routed = [p for p in bot.dms("U0ALICE") if "flagged by <@U0BOB>" in all_text(p.get("blocks"))]
    assert len(routed) == 1  # both signals came due at 09:00: one message, one item each
    assert all_text(routed[0]["blocks"]).count("flagged by <@U0BOB>") == 2
    bot.clock.advance(days=1)  # Tuesday: still undecided, so the morning message reminds her, once
    tick(bot)
    tuesday = all_text(mornings(bot, "U0ALICE")[-1]["blocks"])
    assert "An *upsell* signal on *Acme Corp* waits for you" in tuesday
    assert "A *cross-sell* signal on *Acme Corp* waits for you" in tuesday
    assert "ripe for expansion" not in tuesday
    for _ in range(6):
        bot.clock.advance(days=1)
        tick(bot)
    assert len(mornings(bot, "U0ALICE")) == 2
    all_dms = [all_text(p.get("blocks")) for p in bot.dms("U0ALICE")]
    assert sum("add 20 seats" in t and "flagged by" in t for t in all_dms) == 1


def test_create_opportunity_in_the_morning_message_changes_that_line_only(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp upsell: asked whether they can add 20 seats", user="U0BOB")
    bot.command("/signal", "Acme Corp cross-sell: wants a marketing module", user="U0BOB")
    tick(bot)
    bot.clock.advance(days=1)
    tick(bot)
    morning = bot.messages("U0ALICE")[-1]
    assert "waits for you" in all_text(morning["blocks"])
    bot.press(morning, "Create opportunity", line="upsell")
    bot.slack.submit(bot.last_view(), {"title": {"title": {"value": "20 seats"}}})
    with bot.db() as s:
        signal = s.scalars(select(Signal).where(Signal.kind == "upsell")).one()
        assert signal.status == "acted" and signal.opportunity_id is not None
    # The morning message is edited: the upsell line says what happened, the cross-sell keeps its buttons.
    morning = bot.fake.message(morning["channel"], morning["ts"])
    shown = all_text(morning["blocks"])
    assert "created opportunity #1" in shown and "Good morning" in shown
    line_button(morning["blocks"], "cross-sell", "Create opportunity")
    assert sum(b["text"]["text"] == "Create opportunity" for b in buttons(morning["blocks"])) == 1
    # Pressed again on a copy that still shows the button: that line says why, the rest stays.
    bot.press(
        {**morning, "blocks": mornings(bot, "U0ALICE")[-1]["blocks"]}, "Create opportunity", line="upsell"
    )
    reply = bot.last_reply()
    assert reply.get("replace_original") and "Turned into opportunity #1" in all_text(reply["blocks"])
    line_button(reply["blocks"], "cross-sell", "Create opportunity")


def test_deciding_an_expansion_signal_leaves_the_risk_alert_alone(team: Harness) -> None:
    bot = team
    tick(bot)  # Monday's morning messages: nothing yet
    bot.command("/signal", "Acme Corp churn-risk: complained about support twice", user="U0BOB")
    bot.command("/signal", "Acme Corp advocacy: happy to be a reference", user="U0BOB")
    bot.clock.advance(hours=5)  # the risk score has decayed a hair under 40
    tick(bot)
    dm = next(p for p in bot.dms("U0ALICE") if "reference" in all_text(p.get("blocks")))
    bot.click("Dismiss", blocks=dm["blocks"], line="reference")
    bot.slack.submit(bot.last_view(), {"reason": {"reason": {"value": "not now"}}})
    with bot.db() as s:
        assert s.scalars(select(Account)).one().risk_alerted_at is not None
    bot.clock.advance(days=1)
    tick(bot)
    for user in ("U0ALICE", "U0CAROL"):
        assert "is at risk" in all_text(mornings(bot, user)[-1]["blocks"])


def test_a_small_dismissal_does_not_take_the_ripe_news_from_the_csm(team: Harness) -> None:
    bot = team
    bot.clock.advance(days=-1, hours=9)  # Sunday 18:00 UTC
    bot.command("/signal", "Acme Corp upsell: asked whether they can add 20 seats", user="U0BOB")
    bot.command("/signal", "Acme Corp cross-sell: wants a marketing module", user="U0BOB")
    bot.command("/signal", "Acme Corp advocacy: happy to be a reference", user="U0BOB")  # 70
    bot.clock.advance(hours=14)  # Monday 08:00 UTC: alice (Paris) has her morning message
    tick(bot)
    assert "ripe for expansion" in all_text(mornings(bot, "U0ALICE")[-1]["blocks"])
    dm = next(p for p in bot.dms("U0ALICE") if "reference" in all_text(p.get("blocks")))
    bot.click("Dismiss", blocks=dm["blocks"], line="reference")
    bot.slack.submit(bot.last_view(), {"reason": {"reason": {"value": "not relevant"}}})  # 59 now
    bot.clock.advance(hours=1)  # carol's (UTC) morning
    tick(bot)
    assert "ripe for expansion" in all_text(mornings(bot, "U0CAROL")[-1]["blocks"])


def test_the_card_says_at_risk_while_it_shows_the_threshold(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp churn-risk: complained about support twice", user="U0BOB")
    bot.clock.advance(hours=1)  # 40 points weigh 39.96 now, shown as 40
    bot.command("/account", "Acme Corp")
    assert "*Risk:* 40 / 40 :rotating_light: at risk" in bot.last_text()
    bot.clock.advance(days=1)  # 39
    bot.command("/account", "Acme Corp")
    assert "*Risk:* 39 / 40" in bot.last_text() and "at risk" not in bot.last_text()


def test_the_flagger_is_thanked_in_good_english(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp upsell: 20 seats", user="U0BOB")
    assert "Flagged an *Upsell* signal" in bot.last_text()
    bot.command("/signal", "Acme Corp cross-sell: marketing module", user="U0BOB")
    assert "Flagged a *Cross sell* signal" in bot.last_text()
