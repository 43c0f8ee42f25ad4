"""Ownership: the people concerned by an owner/CSM change or a close are told; channels link once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage.models import Account, Reminder
from tests.handlers.test_edit_forms import select_menu, state
from tests.helpers import FakeUser, Harness, all_text

ALICE, BOB, CAROL = "<@U0ALICE|alice>", "<@U0BOB|bob>", "<@U0CAROL|carol>"


def dm_texts(bot: Harness, user: str) -> list[str]:
    return [all_text(m.get("blocks")) for m in bot.dms(user)]


def test_an_owner_change_tells_the_previous_and_the_new_owner_in_their_hours(bot: Harness) -> None:
    bot.give_role("U0CAROL", "admin")  # Carol changes Alice's account and opportunities
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE}")
    bot.command("/account", f"set Acme Corp owner:{BOB}", user="U0CAROL")
    assert bot.dispatch().sent  # Monday 10:00 in Paris: Alice is told now
    assert dm_texts(bot, "U0ALICE") == [
        ":busts_in_silhouette: <@U0CAROL> changed the owner of *Acme Corp*: you → <@U0BOB>.\nOpen account"
    ]
    assert bot.dms("U0BOB") == [] and bot.dms("U0CAROL") == []  # 04:00 in New York; Carol did it
    bot.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # 09:00 in New York
    bot.dispatch()
    assert dm_texts(bot, "U0BOB") == [
        ":busts_in_silhouette: <@U0CAROL> changed the owner of *Acme Corp*: <@U0ALICE> → you.\nOpen account"
    ]
    assert bot.dms("U0CAROL") == []


def test_a_new_csm_never_seen_is_looked_up_before_the_dm_is_queued(bot: Harness) -> None:
    bot.fake.add_user(FakeUser("U0DAVE", "dave", tz="Asia/Tokyo"))
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE} csm:{CAROL}")
    bot.command("/account", "set Acme Corp csm:<@U0DAVE|dave>")  # Alice does it: she is not told
    with bot.db() as s:
        rows = {r.recipient_id: r.due_at for r in s.scalars(select(Reminder))}
    # Monday 09:00 UTC is 18:00 in Tokyo: Dave's DM waits for Tuesday 09:00 there; Carol's is now.
    assert rows == {
        "U0DAVE": datetime(2026, 11, 24, 0, 0, tzinfo=UTC),
        "U0CAROL": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    }
    bot.dispatch()
    assert dm_texts(bot, "U0CAROL") == [
        ":busts_in_silhouette: <@U0ALICE> changed the CSM of *Acme Corp*: you → <@U0DAVE>.\nOpen account"
    ]
    assert bot.dms("U0ALICE") == []


def test_closing_someone_elses_opportunity_tells_its_owner(bot: Harness) -> None:
    bot.give_role("U0CAROL", "admin")  # Carol changes Alice's account and opportunities
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE}")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified')
    bot.command("/opportunity", 'add Acme Corp cross-sell "Marketing module" mrr:+300 stage:proposal')
    bot.command("/opportunity", "won 1", user="U0CAROL")
    bot.command("/opportunity", "lost 2 reason:price")  # her own: nobody to tell
    bot.dispatch()
    assert dm_texts(bot, "U0ALICE") == [
        ":briefcase: <@U0CAROL> closed your opportunity #1 “20 more seats” on *Acme Corp*: open (qualified) → *won*."
        "\nOpen account"
    ]


def test_linking_a_channel_linked_elsewhere_asks_before_moving_it(bot: Harness) -> None:
    bot.command("/account", "add Globex channel:<#C0ACME|acme-team>")
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "link Acme Corp <#C0ACME|acme-team>")
    question = bot.last_reply()
    assert "<#C0ACME> is already linked to *Globex*. Move the link to *Acme Corp*?" in bot.last_text()

    def channels() -> dict[str, str | None]:
        with bot.db() as s:
            return {a.name: a.channel_id for a in s.scalars(select(Account))}

    assert channels() == {"Globex": "C0ACME", "Acme Corp": None}  # nothing written by the question
    bot.click("Keep it on Globex", blocks=question["blocks"])
    assert "stays linked to *Globex*" in bot.last_text()
    assert channels() == {"Globex": "C0ACME", "Acme Corp": None}
    bot.click("Move it to Acme Corp", blocks=question["blocks"])
    assert "*Acme Corp* is now linked to <#C0ACME>" in bot.last_text()
    assert "no longer linked to *Globex*" in bot.last_text()
    assert channels() == {"Globex": None, "Acme Corp": "C0ACME"}


def test_setting_a_channel_linked_elsewhere_is_refused(bot: Harness) -> None:
    bot.command("/account", "add Globex channel:<#C0ACME|acme-team>")
    bot.command("/account", "add Acme Corp channel:<#C0ACME|acme-team>")
    assert "already linked to “Globex”" in bot.last_text() and "/account link" in bot.last_text()
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "set Acme Corp channel:<#C0ACME|acme-team>")
    assert "already linked to “Globex”" in bot.last_text()
    with bot.db() as s:
        assert {a.name: a.channel_id for a in s.scalars(select(Account))} == {
            "Globex": "C0ACME",
            "Acme Corp": None,
        }


def test_an_owner_changed_in_the_cards_edit_form_is_told_too(bot: Harness) -> None:
    bot.give_role("U0CAROL", "admin")  # Carol changes Alice's account and opportunities
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE}")
    bot.command("/account", "Acme Corp", user="U0CAROL")
    bot.click("Edit", user="U0CAROL")
    view = bot.last_view()
    saved = bot.slack.submit(view, state(view, owner="U0CAROL"), user="U0CAROL")
    assert saved.status == 200
    bot.dispatch()
    assert dm_texts(bot, "U0ALICE") == [
        ":busts_in_silhouette: <@U0CAROL> changed the owner of *Acme Corp*: you → <@U0CAROL>.\nOpen account"
    ]
    assert bot.dms("U0CAROL") == []  # she did it


def test_an_opportunity_owner_change_tells_both_owners_from_the_command_and_the_form(bot: Harness) -> None:
    bot.give_role("U0BOB", "admin")  # Bob hands Alice's opportunity over
    bot.command("/account", f"add Acme Corp status:customer owner:{ALICE}")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200 owner:<@U0ALICE|alice>')
    bot.command("/opportunity", f"set 1 owner:{CAROL}", user="U0BOB")
    bot.dispatch()
    assert dm_texts(bot, "U0ALICE") == [
        ":briefcase: <@U0BOB> changed the owner of opportunity #1 “20 more seats” on *Acme Corp*: "
        "you → <@U0CAROL>.\nOpen account"
    ]
    assert dm_texts(bot, "U0CAROL") == [
        ":briefcase: <@U0BOB> changed the owner of opportunity #1 “20 more seats” on *Acme Corp*: "
        "<@U0ALICE> → you.\nOpen account"
    ]
    bot.clock.advance(timedelta(minutes=5))
    bot.command("/opportunity", "list all", user="U0CAROL")
    menu = bot.last_reply()["blocks"]
    opened = select_menu(bot, menu, "edit_opportunity", "1", user="U0CAROL")
    assert opened.status == 200
    view = bot.last_view()
    saved = bot.slack.submit(view, state(view, owner="U0ALICE"), user="U0CAROL")
    assert saved.status == 200 and saved.response.body == "", saved.response.body
    bot.dispatch()
    assert dm_texts(bot, "U0ALICE")[-1] == (
        ":briefcase: <@U0CAROL> changed the owner of opportunity #1 “20 more seats” on *Acme Corp*: "
        "<@U0CAROL> → you.\nOpen account"
    )
    assert len(dm_texts(bot, "U0CAROL")) == 1  # she did it: not told again
