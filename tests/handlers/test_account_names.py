"""Account names as people type them, and renamed accounts, through signed requests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.storage.models import Account, Activity
from tests.helpers import Harness, all_text


def logged_account(bot: Harness) -> str:
    with bot.db() as s:
        activity = s.scalars(select(Activity).order_by(Activity.id.desc())).first()
        return s.get(Account, activity.account_id).name


def test_accents_case_punctuation_and_apostrophes_do_not_matter(bot: Harness) -> None:
    bot.command("/account", "add L'Oréal &amp; Co owner:<@U0ALICE|alice>")
    bot.command("/log", "call loreal: pricing")
    assert logged_account(bot) == "L'Oréal & Co"
    assert "L'Oréal &amp; Co" in bot.last_text()  # the reply names the account found
    bot.command("/log", "call LOREAL &amp; CO.: again")
    assert logged_account(bot) == "L'Oréal & Co"


def test_the_kind_of_apostrophe_still_matches_exactly(bot: Harness) -> None:
    bot.command("/account", "add L'Oréal &amp; Co owner:<@U0ALICE|alice>")
    bot.command("/account", "add L'Oréal owner:<@U0ALICE|alice>")
    bot.command("/log", "call L’Oréal: typed on a phone")  # no "which one?": the same name
    assert logged_account(bot) == "L'Oréal"
    assert "matches several" not in bot.last_text()


def test_a_renamed_account_reads_with_its_new_name_in_later_messages(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/visit", "Acme Corp on 2026-12-10 10:00")
    bot.command("/log", "noshow Acme Corp")
    bot.command("/account", 'set Acme Corp name:"Acme Group"')
    bot.deliver()  # the no-show task's reminder
    bot.clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # the visit's announcement
    bot.deliver()
    dms = " ".join(all_text(m["blocks"]) for m in bot.dms("U0ALICE"))
    assert "Propose 3 new slots to Acme Group" in dms
    assert "Visit Acme Group" in dms
    assert "Acme Corp" not in dms
    bot.clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    bot.command("/agenda")
    assert "Visit *Acme Group*" in bot.last_text() or "Visit Acme Group" in bot.last_text()
