"""/opportunity and /pipeline end to end."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.storage.models import Opportunity
from tests.helpers import Harness

ADD = 'add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified close:2027-01-31'


@pytest.fixture
def acme(bot: Harness) -> Harness:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice> csm:<@U0CAROL|carol>")
    bot.command("/account", "add Globex owner:<@U0BOB|bob>")
    return bot


def count(bot: Harness) -> int:
    with bot.db() as s:
        return s.scalar(select(func.count()).select_from(Opportunity)) or 0


def test_add_stores_every_field_and_defaults_owner_to_the_account_owner(acme: Harness) -> None:
    acme.command("/opportunity", ADD, user="U0CAROL")
    text = acme.last_text()
    assert "Added *#1* “20 more seats” · *Acme Corp* · upsell · qualified · MRR +1,200" in text
    with acme.db() as s:
        o = s.scalars(select(Opportunity)).one()
        assert (o.kind, o.title, o.mrr, o.stage, o.status) == (
            "upsell",
            "20 more seats",
            1200,
            "qualified",
            "open",
        )
        assert o.close_date.isoformat() == "2027-01-31"
        assert (o.owner_id, o.created_by, o.signal_id) == ("U0ALICE", "U0CAROL", None)
    acme.command("/opportunity", "add Globex new owner:<@U0CAROL|carol>")
    with acme.db() as s:
        o = s.get(Opportunity, 2)
        assert (o.kind, o.title, o.stage, o.mrr, o.owner_id) == ("new", "New", "qualified", 0, "U0CAROL")


def test_an_account_name_containing_a_kind_word(acme: Harness) -> None:
    acme.command("/account", "add New Horizons")
    acme.command("/opportunity", "add New Horizons renewal 2027 contract mrr:900")
    with acme.db() as s:
        o = s.scalars(select(Opportunity)).one()
        assert (o.kind, o.title, o.mrr) == ("renewal", "2027 contract", 900)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add Acme Corp upgrade more seats", "“upgrade” is not a kind of opportunity. Kinds: `new`"),
        ('add Acme Corp upsale "20 seats"', "“upsale” is not a kind of opportunity"),
        ("add Nowhere Inc big deal", "Say the kind after the account name"),
        ("add Acme Corp upsell seats stage:closing", "“closing” is not a stage"),
        ("add Acme Corp upsell seats mrr:lots", "`mrr:lots` is not an amount"),
        ("add Acme Corp upsell seats close:31/02/2027", "31/02/2027 is not a real date (day/month)"),
        ("add Acme Corp upsell seats close:someday", "`close:someday` is not a date"),
        ("add Acme Corp upsell seats owner:alice", "`owner:` takes an @mention"),
        ("add Acme Corp upsell seats colour:blue", "I don't know the field `colour:`"),
        ("add", "Which account"),
        ("frobnicate 1", "I don't know `/opportunity frobnicate`"),
    ],
)
def test_bad_input_explains_with_an_example_and_writes_nothing(
    acme: Harness, text: str, expected: str
) -> None:
    acme.command("/opportunity", text)
    reply = acme.last_text()
    assert expected in reply and "Example: `/opportunity" in reply
    assert count(acme) == 0


def test_unknown_account_offers_to_create_it(acme: Harness) -> None:
    acme.command("/opportunity", 'add Initech upsell "5 seats" mrr:500')
    assert "I don't know an account called “Initech”" in acme.last_text()
    assert count(acme) == 0
    acme.click("Create “Initech”")
    assert "Added *#1* “5 seats” · *Initech*" in acme.last_text()


def test_set_won_lost_lifecycle(acme: Harness) -> None:
    acme.give_role("U0ALICE", "admin")  # Alice also closes Bob's opportunities
    acme.command("/opportunity", ADD)
    acme.command("/opportunity", "set 1 stage:proposal")
    assert "Updated `stage`" in acme.last_text()
    acme.command(
        "/opportunity", 'set #1 mrr:1500 close:2027-02-28 title:"25 more seats" owner:<@U0CAROL|carol>'
    )
    assert "Updated `mrr`, `close`, `title`, `owner`" in acme.last_text()
    with acme.db() as s:
        o = s.get(Opportunity, 1)
        assert (o.stage, o.mrr, o.title, o.owner_id) == ("proposal", 1500, "25 more seats", "U0CAROL")
        assert o.close_date.isoformat() == "2027-02-28"
    acme.command("/opportunity", "set 1 stage:proposal")
    assert "Nothing to change" in acme.last_text()
    acme.command("/opportunity", "set 1 stage:won")
    assert "“won” is not a stage" in acme.last_text() and "/opportunity won 12" in acme.last_text()
    acme.command("/opportunity", "set 1")
    assert "Say what to change" in acme.last_text()
    acme.command("/opportunity", "won 1")
    assert ":trophy: Won! #1" in acme.last_text()
    acme.command("/opportunity", "won 1")
    assert "Opportunity #1 is already won" in acme.last_text()
    acme.command("/opportunity", "add Globex cross-sell analytics mrr:300")
    acme.command("/opportunity", "lost 2")
    assert "Say why it was lost" in acme.last_text()
    acme.command("/opportunity", "lost 2 reason:price")
    assert "Lost: #2" in acme.last_text()
    acme.command("/opportunity", "lost 99 reason:price")
    assert "There is no opportunity #99" in acme.last_text()
    acme.command("/opportunity", "won abc")
    assert "“abc” is not an opportunity number" in acme.last_text()
    with acme.db() as s:
        won, lost = s.get(Opportunity, 1), s.get(Opportunity, 2)
        assert won.status == "won" and won.closed_at == acme.clock.now()
        assert (lost.status, lost.lost_reason) == ("lost", "price")


def test_list_mine_all_and_filters(acme: Harness) -> None:
    acme.give_role("U0ALICE", "admin")  # Alice also closes Bob's opportunities
    acme.command("/opportunity", ADD)
    acme.command("/opportunity", "add Acme Corp cross-sell marketing module mrr:400 stage:proposal")
    acme.command("/opportunity", "add Globex new pilot mrr:<!channel>")
    assert "is not an amount" in acme.last_text()
    acme.command("/opportunity", "add Globex new pilot <!channel> mrr:800")
    acme.command("/opportunity", "add Globex upsell closed one mrr:50")
    acme.command("/opportunity", "won 4")
    acme.command("/opportunity", "list")
    mine = acme.last_text()
    assert "*2 opportunities* open owned by <@U0ALICE> · MRR +1,600" in mine
    assert "20 more seats" in mine and "pilot" not in mine
    acme.command("/opportunity", "list all")
    everyone = acme.last_text()
    assert (
        "*3 opportunities* open" in everyone
        and "&lt;!channel&gt;" in everyone
        and "<!channel>" not in everyone
    )
    acme.command("/opportunity", "list all kind:upsell")
    assert "*1 opportunity*" in acme.last_text() and "20 more seats" in acme.last_text()
    acme.command("/opportunity", "list status:won owner:<@U0BOB|bob>")
    assert "closed one" in acme.last_text() and "*1 opportunity* won" in acme.last_text()
    acme.command("/opportunity", "list all stage:proposal")
    assert "marketing module" in acme.last_text() and "20 more seats" not in acme.last_text()
    acme.command("/opportunity", "list everything")
    assert "takes `all`" in acme.last_text()
    acme.command("/opportunity", "list", user="U0CAROL")
    assert "No opportunities open owned by <@U0CAROL>" in acme.last_text()


def test_pipeline_by_stage_with_totals(acme: Harness) -> None:
    acme.give_role("U0ALICE", "admin")  # Alice also closes Bob's opportunities
    acme.command("/opportunity", ADD)  # qualified 1200, alice
    acme.command("/opportunity", "add Acme Corp cross-sell marketing mrr:400 stage:proposal")  # alice
    acme.command("/opportunity", "add Globex upsell seats mrr:1k stage:proposal")  # bob
    acme.command("/opportunity", "add Globex new pilot mrr:250 stage:negotiation")  # bob
    acme.command("/opportunity", "add Globex renewal 2027 mrr:9999")
    acme.command("/opportunity", "lost 5 reason:budget")
    acme.command("/pipeline")
    text = re.sub(r" +", " ", acme.last_text())
    assert "*Pipeline* of the team: 4 open, MRR +2,850" in text
    assert (
        "```stage deals MRR\nqualified 1 1,200\ndiscovery 0 0\nproposal 2 1,400\nnegotiation 1 250\ntotal 4 2,850```"
        in text
    )
    acme.command("/pipeline", "<@U0BOB|bob>")
    assert "*Pipeline* of <@U0BOB>: 2 open, MRR +1,250" in acme.last_text()
    acme.command("/pipeline", "kind:upsell")
    assert "2 open, MRR +2,200" in acme.last_text()
    acme.command("/pipeline", "bob")
    assert (
        "“bob” is not a person" in acme.last_text()
        and "Example: `/pipeline @alice kind:upsell`" in acme.last_text()
    )
    acme.command("/pipeline", "kind:gift")
    assert "“gift” is not a kind of opportunity" in acme.last_text()


def test_account_card_shows_scores_signals_and_opportunities(acme: Harness) -> None:
    acme.command("/opportunity", ADD)
    acme.command("/signal", "Acme Corp upsell: wants 5 more seats", user="U0BOB")
    acme.command("/account", "Acme Corp")
    card = acme.last_text()
    assert "*Expansion score:* 30 / 60" in card and "*Risk:* 0 / 40" in card
    assert "*Open signals (1)*" in card and "wants 5 more seats" in card
    assert "*Open opportunities (1, MRR +1,200)*" in card and "20 more seats" in card


def test_help(acme: Harness) -> None:
    acme.command("/opportunity", "help")
    assert "/opportunity lost 12 reason:price" in acme.last_text()
    acme.command("/pipeline", "help")
    assert "/pipeline @alice kind:upsell" in acme.last_text()
    acme.command("/signal", "")
    assert "/signal Acme Corp churn-risk" in acme.last_text()


def test_long_list_shows_every_opportunity_of_the_page(acme: Harness) -> None:
    titles = [f"Deal {i:02d} " + "y" * 150 for i in range(30)]
    for title in titles:
        acme.command("/opportunity", f'add Acme Corp upsell "{title}" mrr:+100 stage:qualified')
    acme.command("/opportunity", "list all")
    blocks = acme.last_reply()["blocks"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    text = acme.last_text()
    assert [t for t in titles if t in text] == titles
