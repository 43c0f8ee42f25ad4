"""One date style wherever a person reads a date, and every cut list saying how many more and how
to see them (signed requests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import Harness, add_task, all_text


def test_close_and_renewal_dates_read_like_every_other_date(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice> renewal:2027-03-31")
    assert "*Renewal:* Wed 31 Mar 2027" in bot.last_text()  # next year: with the year
    bot.command("/account", "set Acme Corp renewal:2026-12-15")
    bot.command("/account", "Acme Corp")
    assert "*Renewal:* Tue 15 Dec" in bot.last_text() and "2026-12-15" not in bot.last_text()

    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200 close:2027-01-31')
    assert "close Sun 31 Jan 2027" in bot.last_text()
    bot.command("/opportunity", "set 1 close:31/12")
    assert "close Thu 31 Dec ·" in bot.last_text()  # this year: no year
    bot.command("/opportunity", "list")
    assert "close Thu 31 Dec ·" in bot.last_text()
    bot.command("/account", "Acme Corp")
    assert "close Thu 31 Dec ·" in bot.last_text()


def test_the_account_cards_signals_say_how_many_more_and_how_to_see_them(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    for n in range(7):
        bot.command("/signal", f"Acme Corp advocacy: reference call number {n}", user="U0BOB")
        bot.clock.advance(timedelta(hours=1))
    bot.command("/account", "Acme Corp")
    card = bot.last_text()
    assert "*Open signals (7)*" in card
    assert "…and 2 more. `/signal list Acme Corp` shows every one." in card
    bot.command("/signal", "list Acme Corp")
    listed = bot.last_text()
    assert "*Open signals of Acme Corp* (7)" in listed
    assert all(f"reference call number {n}" in listed for n in range(7))
    assert listed.index("number 6") < listed.index("number 0")  # newest first
    assert "· Mon 23 Nov · <@U0BOB>" in listed  # when it was flagged, in the reader's style
    bot.command("/signal", "list Nowhere Inc")
    assert ":warning:" in bot.last_text()


def test_follow_up_lists_and_the_home_say_how_many_more_and_how_to_see_them(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Paris
    for n in range(45):
        add_task(bot, "Acme Corp", f"task {n:02d}", start + timedelta(minutes=n))
    bot.command("/followup", "list")
    first = bot.last_text()
    assert "*Your open follow-ups* (45, 1–40)" in first
    assert "`#40` *task 39*" in first and "task 40" not in first
    assert "…and 5 more, due later: `/followup list 2`." in first
    bot.command("/followup", "list 2")
    second = bot.last_text()
    assert "*Your open follow-ups* (45, 41–45)" in second and "`#45` *task 44*" in second
    assert "task 39" not in second and "more, due later" not in second
    bot.command("/followup", "list 3")
    assert "Page 3 is empty" in bot.last_text()

    bot.command("/account", "Acme Corp")
    card = bot.last_text()
    assert "…and 35 more, due later: `/followup list` shows each assignee theirs." in card

    bot.slack.event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"})
    home = all_text(bot.last_view("views.publish")["blocks"])
    assert "…and 25 more. `/agenda week` lists the whole week." in home
