"""/contact end to end: add, set (with stage history), card, list, remove; bad input; privacy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import Contact, ContactStageChange
from tests.helpers import FakeSlack, Harness, buttons

JANE = 'add Acme Corp "Jane Doe" title:"VP Finance" role:economic-buyer email:jane@acme.example phone:+1-555-0100'


@pytest.fixture
def acme(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    """Acme (owner alice, CSM carol; dave manages carol, erin is an admin) and Globex (owner bob)."""
    config = tmp_path / "salesbot.toml"
    config.write_text('[roles]\nadmins = ["U0ERIN"]\n')
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/team", "add <@U0DAVE|dave> <@U0CAROL|carol>", user="U0ERIN")
    assert ":warning:" not in bot.last_text(), bot.last_text()
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice> csm:<@U0CAROL|carol>")
    bot.command("/account", "add Globex owner:<@U0BOB|bob>")
    return bot


def contacts(bot: Harness) -> list[Contact]:
    with bot.db() as s:
        return list(s.scalars(select(Contact).order_by(Contact.id)))


def test_add_stores_every_field_and_starts_the_stage_history(acme: Harness) -> None:
    acme.command("/contact", JANE)
    assert "Added *Jane Doe* at *Acme Corp*: economic buyer, unaware" in acme.last_text()
    [jane] = contacts(acme)
    assert (jane.name, jane.title, jane.role, jane.stage, jane.email, jane.phone, jane.owner_id) == (
        "Jane Doe",
        "VP Finance",
        "economic buyer",
        "unaware",
        "jane@acme.example",
        "+1-555-0100",
        "U0ALICE",  # the account's owner owns the relationship unless told otherwise
    )
    with acme.db() as s:
        [change] = s.scalars(select(ContactStageChange)).all()
        assert (change.from_stage, change.to_stage, change.changed_by) == (None, "unaware", "U0ALICE")


def test_set_stage_records_who_when_and_why_and_the_card_shows_the_history(acme: Harness) -> None:
    acme.give_role("U0BOB", "admin")  # Bob moves a contact of Alice's account
    acme.command("/contact", JANE)
    acme.clock.advance(days=2)
    acme.command("/contact", 'set "Jane Doe" stage:evaluating reason:"asked for the ROI study"', user="U0BOB")
    assert "stage: unaware → *evaluating*" in acme.last_text()
    acme.command("/contact", "set Jane stage:evaluating")
    assert "Nothing to change" in acme.last_text()
    acme.command("/contact", '"Jane Doe"')
    card = acme.last_text()
    assert "*Stage:* evaluating (4/7) since Wed 25 Nov, set by <@U0BOB>" in card
    assert "unaware → *evaluating* · <@U0BOB> — asked for the ROI study" in card
    assert "added at *unaware* · <@U0ALICE>" in card
    assert "jane@acme.example" in card and "+1-555-0100" in card  # alice owns Acme


def test_list_remove_and_a_contact_card_with_activities_and_opportunities(acme: Harness) -> None:
    acme.command("/contact", JANE)
    acme.command("/contact", 'add Acme Corp "Tom Lee" role:procurement stage:problem-aware')
    acme.command("/opportunity", 'add Acme Corp upsell "20 more seats"')
    acme.command("/log", "meeting Acme Corp with Jane Doe: pricing review")
    acme.command("/contact", "list Acme Corp")
    listing = acme.last_text()
    assert "2 contacts at Acme Corp" in listing
    assert "*Jane Doe*, VP Finance — economic buyer · unaware · touched today" in listing
    assert "*Tom Lee* — procurement · problem aware · never touched" in listing
    acme.command("/contact", '"Jane Doe"')
    card = acme.last_text()
    assert "*meeting*" in card and "pricing review" in card
    assert "*#1* “20 more seats” · upsell · qualified" in card
    acme.command("/contact", 'remove "Tom Lee"')
    assert "Removed *Tom Lee* from *Acme Corp*" in acme.last_text()
    assert [c.name for c in contacts(acme)] == ["Jane Doe"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('add Acme Corp "Jane Doe" role:buyer', "“buyer” is not a buying role. Roles: `economic-buyer`"),
        (
            'add Acme Corp "Jane Doe" stage:keen',
            "“keen” is not a readiness stage. Stages, first to last: `unaware`",
        ),
        ('add Acme Corp "Jane Doe" email:jane-at-acme', "`email:jane-at-acme` is not an e-mail address"),
        ('add Acme Corp "Jane Doe" phone:call-me', "`phone:call-me` is not a phone number"),
        ('add Acme Corp "Jane Doe" colour:blue', "I don't know the field `colour:`"),
        ('add Nowhere Inc "Jane Doe"', "I don't know an account called “Nowhere Inc”"),
        ("add Acme Corp", "Give the account, then the person's name"),
        ('set "Jane Doe" stage:evaluating', "I don't know a contact called “Jane Doe”"),
        ('set "Ann Bell" reason:"why not"', "`reason:` goes with a `stage:` change"),
        ("list", "Which account's contacts?"),
    ],
)
def test_bad_input_explains_with_an_example_and_writes_nothing(
    acme: Harness, text: str, expected: str
) -> None:
    acme.command("/contact", 'add Acme Corp "Ann Bell" role:champion')
    before = [(c.name, c.role, c.stage) for c in contacts(acme)]
    acme.command("/contact", text)
    reply = acme.last_text()
    assert expected in reply and "Example: `/contact" in reply
    assert [(c.name, c.role, c.stage) for c in contacts(acme)] == before


def test_a_duplicate_name_or_e_mail_is_refused(acme: Harness) -> None:
    acme.command("/contact", JANE)
    acme.command("/contact", 'add Acme Corp "jane  doe"')
    assert "Jane Doe is already a contact at Acme Corp" in acme.last_text()
    acme.command("/contact", 'add Globex "Jane Roe" email:JANE@acme.example')
    assert "jane@acme.example is already Jane Doe's e-mail (Acme Corp)" in acme.last_text()
    assert len(contacts(acme)) == 1


def test_an_ambiguous_name_offers_buttons_that_finish_the_command(acme: Harness) -> None:
    acme.give_role("U0ALICE", "admin")  # Alice changes contacts of Bob's account too
    acme.command("/contact", 'add Acme Corp "Jane Doe"')
    acme.command("/contact", 'add Globex "Jane Doe"')
    acme.command("/contact", 'add Globex "Jane Roe"')
    acme.command("/contact", "set Jane stage:evaluating")
    reply = acme.last_reply()
    assert "“Jane” matches several contacts. Which one?" in acme.last_text()
    labels = [b["text"]["text"] for b in buttons(reply["blocks"])]
    assert labels == ["Jane Doe (Acme Corp)", "Jane Doe (Globex)", "Jane Roe (Globex)"]
    assert {c.stage for c in contacts(acme)} == {"unaware"}
    acme.click("Jane Doe (Globex)")
    stages = {(c.name, c.account_id): c.stage for c in contacts(acme)}
    assert stages == {("Jane Doe", 1): "unaware", ("Jane Doe", 2): "evaluating", ("Jane Roe", 2): "unaware"}


def test_e_mail_and_phone_show_only_to_owner_csm_their_managers_and_admins(acme: Harness) -> None:
    acme.command("/contact", JANE)
    seen = {}
    for user in ("U0ALICE", "U0CAROL", "U0DAVE", "U0ERIN", "U0BOB"):
        acme.command("/contact", '"Jane Doe"', user=user)
        seen[user] = "jane@acme.example" in acme.last_text()
    assert seen == {"U0ALICE": True, "U0CAROL": True, "U0DAVE": True, "U0ERIN": True, "U0BOB": False}
    acme.command("/contact", '"Jane Doe"', user="U0BOB")
    assert ":lock: E-mail and phone: shown to the account's owner" in acme.last_text()


def test_a_shared_channel_hides_e_mail_and_phone_even_from_the_owner(acme: Harness) -> None:
    acme.command("/contact", JANE)
    acme.fake.share_channel("C_SHARED")
    acme.command("/contact", '"Jane Doe"', channel="C_SHARED")
    assert "jane@acme.example" not in acme.last_text()
    acme.command("/account", "link Acme Corp <#C0ACME|acme-shared>")
    acme.command("/contact", '"Jane Doe"', channel="C0ACME")  # the customer may be in the account's channel
    assert "jane@acme.example" not in acme.last_text()
    acme.command("/contact", '"Jane Doe"', channel="D0ALICE")
    assert "jane@acme.example" in acme.last_text()


def test_typed_text_is_echoed_without_pinging_anyone(acme: Harness) -> None:
    acme.command("/contact", 'add Acme Corp "Eve <!channel>" title:"<@U0BOB|bob> fan"')
    acme.command("/contact", "list Acme Corp")
    listing = acme.last_text()
    assert "<!channel>" not in listing and "&lt;!channel&gt;" in listing and "<@U0BOB" not in listing
