"""Signals over time: escalation to the manager, threshold crossings, decay, nudge items."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.storage.models import Account, Reminder, Signal
from tests.helpers import FakeSlack, Harness, all_text


def signal_dms(bot: Harness, user: str) -> list[dict]:  # type: ignore[type-arg]
    """DMs about signals (not the weekly digest or summary a manager and reps also get on Monday)."""
    return [p for p in bot.dms(user) if not str(p.get("text", "")).startswith(("Weekly digest", "Your week"))]


def texts(bot: Harness, user: str) -> list[str]:
    return [all_text(p.get("blocks")) for p in signal_dms(bot, user)]


def tick(bot: Harness) -> None:
    bot.run_planning()
    bot.deliver()


def test_escalates_once_to_the_managers_after_two_working_days(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp upsell: asked whether they can add 20 seats", user="U0BOB")
    assert "it goes to <@U0MGR>" in bot.last_text()
    tick(bot)
    bot.clock.advance(days=1)  # Tuesday 09:00 UTC
    tick(bot)
    bot.clock.advance(hours=23, minutes=59)  # Wednesday 08:59 UTC = 09:59 in Paris, owner's zone
    tick(bot)
    assert signal_dms(bot, "U0MGR") == []
    bot.clock.advance(minutes=1)  # two working days after the flag, in Paris
    tick(bot)
    escalations = texts(bot, "U0MGR")
    assert len(escalations) == 1
    assert "Nobody reacted to this signal for 2 working days" in escalations[0]
    assert "Owner: <@U0ALICE>" in escalations[0] and "add 20 seats" in escalations[0]
    for _ in range(3):
        bot.clock.advance(days=1)
        tick(bot)
    assert len(signal_dms(bot, "U0MGR")) == 1
    with bot.db() as s:
        assert s.scalars(select(Signal)).one().escalated_at is not None


def test_weekend_does_not_count_and_reacting_prevents_escalation(team: Harness) -> None:
    bot = team
    bot.clock.advance(days=4)  # Friday 09:00 UTC
    bot.command("/signal", "Acme Corp upsell: 20 seats", user="U0BOB")
    bot.command("/signal", "Acme Corp cross-sell: marketing module", user="U0BOB")
    bot.deliver()
    snooze_dm = next(p for p in bot.dms("U0ALICE") if "marketing module" in all_text(p["blocks"]))
    bot.click("Not now", blocks=snooze_dm["blocks"], line="marketing module")
    bot.clock.advance(days=3, hours=23)  # Tuesday 08:00 UTC: one working day (Monday) has passed
    tick(bot)
    assert signal_dms(bot, "U0MGR") == []
    bot.clock.advance(hours=1)  # Tuesday 09:00 UTC = 10:00 Paris: two working days
    tick(bot)
    escalations = texts(bot, "U0MGR")
    assert len(escalations) == 1 and "20 seats" in escalations[0]


def test_no_manager_no_escalation(bot: Harness) -> None:
    bot.command("/account", "add Globex owner:<@U0CAROL|carol>")
    bot.command("/signal", "Globex upsell: more seats", user="U0BOB")
    assert "it goes to" not in bot.last_text()
    bot.clock.advance(days=7)
    tick(bot)
    with bot.db() as s:
        assert s.scalars(select(Signal)).one().escalated_at is None
        kinds = {r.kind for r in s.scalars(select(Reminder))}
        assert "signal_escalated" not in kinds


def ripe(bot: Harness, user: str) -> list[str]:
    return [t for t in texts(bot, user) if "ripe for expansion" in t]


def test_crossing_the_expansion_threshold_nudges_once_and_again_after_new_signals(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp upsell: asked whether they can add 20 seats", user="U0BOB")
    tick(bot)  # Monday's morning message is built now: not ripe yet
    assert ripe(bot, "U0ALICE") == []
    bot.command("/signal", "Acme Corp cross-sell: wants a marketing module", user="U0BOB")  # 30 + 30 = 60
    tick(bot)
    assert ripe(bot, "U0ALICE") == []  # routine nudges wait for the next morning message
    bot.clock.advance(days=1)  # Tuesday 09:00 UTC: past 08:30 for Paris and UTC
    tick(bot)
    for user in ("U0ALICE", "U0CAROL"):
        nudges = ripe(bot, user)
        assert len(nudges) == 1
        assert "looks ripe for expansion: its expansion score reached 60 on Mon 23 Nov (now 59)" in nudges[0]
        assert "20 seats" in nudges[0] and "marketing module" in nudges[0]  # the evidence
    bot.command("/signal", "Acme Corp advocacy: happy to be a reference", user="U0BOB")  # still above
    for _ in range(3):
        bot.clock.advance(days=1)
        tick(bot)
    assert len(ripe(bot, "U0ALICE")) == 1
    # Decay: three weeks later the score is well below 60; decay alone tells nobody anything.
    bot.clock.advance(days=17)  # Monday 14 December
    tick(bot)
    bot.command("/account", "Acme Corp")
    assert "*Expansion score:* 43 / 60" in bot.last_text()
    assert len(ripe(bot, "U0ALICE")) == 1
    bot.command("/signal", "Acme Corp upsell: 10 more seats for the new office", user="U0BOB")  # ≈ 73
    bot.clock.advance(days=1)
    tick(bot)
    nudges = ripe(bot, "U0ALICE")
    assert len(nudges) == 2 and "10 more seats" in nudges[-1] and "reached 60 on Mon 14 Dec" in nudges[-1]


def test_acted_and_dismissed_signals_stop_counting(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp upsell: 20 seats", user="U0BOB")
    bot.command("/signal", "Acme Corp cross-sell: marketing module", user="U0BOB")
    bot.deliver()
    dm = next(p for p in bot.dms("U0ALICE") if "marketing module" in all_text(p["blocks"]))
    bot.click("Dismiss", blocks=dm["blocks"])
    view = bot.fake.params("views.open")[-1]["view"]
    bot.slack.submit(view, {"reason": {"reason": {"value": "already bought it"}}})
    with bot.db() as s:
        assert s.scalars(select(Account)).one().expansion_alerted_at is None  # 30 < 60: re-armed
    bot.command("/account", "Acme Corp")
    assert "*Expansion score:* 30 / 60" in bot.last_text()
    assert "Open signals (1)" in bot.last_text()


def test_risk_score_has_its_own_threshold_and_nudge(team: Harness) -> None:
    bot = team
    tick(bot)  # Monday's morning message: nothing yet
    bot.command("/signal", "Acme Corp churn-risk: complained about support twice", user="U0BOB")
    tick(bot)
    bot.command("/account", "Acme Corp")
    card = bot.last_text()
    assert "*Expansion score:* 0 / 60" in card and "*Risk:* 40 / 40 :rotating_light: at risk" in card
    bot.clock.advance(days=1)
    tick(bot)
    for user in ("U0ALICE", "U0CAROL"):
        risk = [t for t in texts(bot, user) if "is at risk" in t]
        assert len(risk) == 1 and "is at risk: its risk score reached 40 on Mon 23 Nov (now 39)" in risk[0]
        assert "complained about support twice" in risk[0]
    assert ripe(bot, "U0ALICE") == []
    bot.clock.advance(days=1)
    tick(bot)
    assert len([t for t in texts(bot, "U0CAROL") if "is at risk" in t]) == 1


def test_nudge_items_for_the_morning_message(team: Harness) -> None:
    bot = team
    bot.command("/signal", "Acme Corp upsell: 20 seats", user="U0BOB")
    bot.command("/signal", "Acme Corp cross-sell: marketing module", user="U0BOB")
    bot.command("/signal", "Acme Corp churn-risk: <!channel> unhappy", user="U0BOB")
    now = bot.clock.now()
    with bot.db() as s:
        items = [i for source in bot.services.nudge_sources for i in source(s, bot.services, now)]
        account_id = s.scalars(select(Account.id)).one()
        signal_ids = list(s.scalars(select(Signal.id).order_by(Signal.id)))
    subjects = {(i.user_id, i.kind, i.subject) for i in items}
    for user in ("U0ALICE", "U0CAROL"):
        assert (user, "ripe", f"ripe:account:{account_id}:20261123T090000") in subjects
        assert (user, "risk", f"risk:account:{account_id}:20261123T090000") in subjects
    # The signals reach them today with their own buttons: the morning message does not repeat them.
    assert [i for i in items if i.kind == "signal_waiting"] == []
    now = now + timedelta(days=1)
    with bot.db() as s:
        items = [i for source in bot.services.nudge_sources for i in source(s, bot.services, now)]
    subjects = {(i.user_id, i.kind, i.subject) for i in items}
    for user in ("U0ALICE", "U0CAROL"):
        for signal_id in signal_ids:
            assert (user, "signal_waiting", f"signal_waiting:signal:{signal_id}") in subjects
    assert all("<!channel>" not in i.line for i in items)
    # Snoozed signals do not wait until the snooze is over.
    bot.deliver()
    dm = next(p for p in bot.dms("U0ALICE") if "20 seats" in all_text(p["blocks"]))
    bot.click("Not now", blocks=dm["blocks"])
    with bot.db() as s:
        items = [i for source in bot.services.nudge_sources for i in source(s, bot.services, now)]
    waiting = {i.subject for i in items if i.kind == "signal_waiting"}
    assert f"signal_waiting:signal:{signal_ids[0]}" not in waiting


def test_post_in_account_channel(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text("[signals]\npost_in_account_channel = true\n")
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command(
        "/account", "add Acme Corp owner:<@U0ALICE|alice> csm:<@U0CAROL|carol> channel:<#C0ACME|acme>"
    )
    bot.command("/signal", "Acme Corp upsell: 20 seats", user="U0BOB")
    assert "in <#C0ACME>" in bot.last_text()
    bot.deliver()
    posts = [p for p in bot.fake.params("chat.postMessage") if p["channel"] == "C0ACME"]
    assert len(posts) == 1
    text = all_text(posts[0]["blocks"])
    assert "<@U0ALICE>, <@U0CAROL>: a new signal." in text and "20 seats" in text
    assert bot.dms("U0ALICE") == [] and bot.dms("U0CAROL") == []
