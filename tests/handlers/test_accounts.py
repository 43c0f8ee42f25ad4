"""/account end to end: signed slash commands in, Block Kit out, rows in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.domain.activities import log_activity
from bot.storage.models import Account, Activity
from tests.helpers import Harness, buttons, find_button, mrkdwn_text

ADD = (
    "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice> csm:<@U0BOB|bob> "
    "tags:retail,north mrr:4200 renewal:2027-03-31"
)


def account(bot: Harness, name: str) -> Account:
    with bot.db() as s:
        return s.scalars(select(Account).where(Account.name == name)).one()


def test_add_stores_every_field_and_shows_the_card(bot: Harness) -> None:
    bot.command("/account", ADD)
    text = bot.last_text()
    assert "Created *Acme Corp*" in text
    assert "*Status:* customer" in text and "*Tier:* gold" in text and "*Tags:* north, retail" in text
    assert "*Owner:* <@U0ALICE>" in text and "*CSM:* <@U0BOB>" in text
    assert "*MRR:* 4,200" in text and "*Renewal:* Wed 31 Mar 2027" in text
    a = account(bot, "Acme Corp")
    assert (a.tier, a.status, a.owner_id, a.csm_id, a.tags, a.mrr, a.renewal_date) == (
        "gold", "customer", "U0ALICE", "U0BOB", ["north", "retail"], 4200, date(2027, 3, 31),
    )  # fmt: skip
    assert a.created_by == "U0ALICE" and a.created_at == bot.clock.now()


def test_add_accepts_bare_mentions_and_multi_word_statuses(bot: Harness) -> None:
    bot.command("/account", 'add Globex status:"hot prospect" owner:<@U0BOB> csm:<@U0CAROL>')
    bot.command("/account", "add Initech status:hot-prospect")
    bot.command("/account", "add Umbrella status:Cold_Prospect")
    assert account(bot, "Globex").status == "hot prospect"
    assert (account(bot, "Globex").owner_id, account(bot, "Globex").csm_id) == ("U0BOB", "U0CAROL")
    assert account(bot, "Initech").status == "hot prospect"
    assert account(bot, "Umbrella").status == "cold prospect"


def test_add_defaults_owner_to_the_creator_and_status_to_prospect(bot: Harness) -> None:
    bot.command("/account", "add Globex", user="U0BOB")
    g = account(bot, "Globex")
    assert (g.owner_id, g.status, g.tier, g.tags) == ("U0BOB", "prospect", None, [])


def test_add_duplicate_name_is_refused_and_nothing_written(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "add acme  CORP tier:silver")
    text = bot.last_text()
    assert "There is already an account called “Acme Corp”" in text
    assert "Example: `/account set Acme Corp tier:gold`" in text
    assert bot.count(Account) == 1
    assert account(bot, "Acme Corp").tier == "gold"


def test_add_with_a_bad_field_writes_nothing_and_shows_a_correct_example(bot: Harness) -> None:
    for text, says in [
        ("add Acme Corp tier:platinum", "`platinum` is not a tier. Tiers: gold, silver, bronze."),
        ("add Acme Corp status:warm", "`warm` is not a status."),
        ("add Acme Corp owner:alice", "`owner:alice` is not a person"),
        ("add Acme Corp mrr:lots", "`mrr:lots` is not an amount"),
        ("add Acme Corp renewal:2027-02-30", "`renewal:2027-02-30` is not a date"),
        ("add Acme Corp colour:red", "I don't know the field `colour:`"),
        ("add tier:gold", "The account needs a name."),
    ]:
        bot.command("/account", text)
        shown = bot.last_text()
        assert says in shown, (text, shown)
        assert "Example: `/account add Acme Corp tier:gold status:customer owner:@alice" in shown
    assert bot.count(Account) == 0


def test_set_changes_any_field_and_says_old_and_new(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "set Acme Corp tier:silver")
    assert "Updated *Acme Corp*" in bot.last_text() and "tier: gold → *silver*" in bot.last_text()
    bot.command(
        "/account",
        'set acme corp name:"Acme Corporation" owner:<@U0BOB|bob> csm:none tags:enterprise mrr:5.5k '
        "renewal:2028-01-31 channel:<#C0ACME|acme-team> external_id:SF-42 status:former-customer",
    )
    text = bot.last_text()
    assert "owner: <@U0ALICE> → *<@U0BOB>*" in text
    assert "csm: <@U0BOB> → *_nobody_*" in text
    assert "mrr: 4,200 → *5,500*" in text
    assert "channel: _none_ → *<#C0ACME>*" in text
    assert "external_id: — → *SF-42*" in text
    a = account(bot, "Acme Corporation")
    assert (a.owner_id, a.csm_id, a.tags, a.mrr, a.renewal_date, a.channel_id, a.external_id, a.status) == (
        "U0BOB", None, ["enterprise"], 5500, date(2028, 1, 31), "C0ACME", "SF-42", "former customer",
    )  # fmt: skip
    assert a.name_key == "acme corporation" and a.tier == "silver"


def test_set_without_changes_and_without_fields(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "set Acme Corp tier:gold")
    assert "Nothing to change: *Acme Corp* already has those values." in bot.last_text()
    bot.command("/account", "set Acme Corp")
    assert "Say which fields to change" in bot.last_text()
    assert "Example: `/account set Acme Corp tier:silver`" in bot.last_text()


def test_set_bad_value_writes_nothing(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "set Acme Corp tier:silver mrr:lots")
    assert "`mrr:lots` is not an amount" in bot.last_text()
    assert account(bot, "Acme Corp").tier == "gold"


def test_card_shows_the_360_view_with_last_activities(bot: Harness) -> None:
    bot.command("/account", ADD)
    with bot.db() as s:
        acme = s.scalars(select(Account)).one()
        for hour, kind in [(8, "call"), (7, "email")]:
            log_activity(
                s, account=acme, activity_type=kind, user_id="U0BOB",
                occurred_at=datetime(2026, 11, 23, hour, tzinfo=UTC), notes=f"{kind} notes",
                source="command", now=bot.clock.now(),
            )  # fmt: skip
    bot.command("/account", "acme corp")
    reply = bot.last_reply()
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Acme Corp", "emoji": True},
    }
    text = bot.last_text()
    for part in ("*Status:* customer", "*Tier:* gold", "*Tags:* north, retail", "*Owner:* <@U0ALICE>",
                 "*CSM:* <@U0BOB>", "*MRR:* 4,200", "*Renewal:* Wed 31 Mar 2027", "*Last activities*"):  # fmt: skip
        assert part in text
    # Newest first, in Alice's zone (Paris: UTC+1).
    assert text.index(":telephone_receiver: *call* · Mon 23 Nov, 09:00 · <@U0BOB> — call notes") < text.index(
        ":email: *email* · Mon 23 Nov, 08:00"
    )
    assert [b["text"]["text"] for b in buttons(reply["blocks"])] == ["Log activity", "Edit"]


def test_card_includes_sections_from_other_features(bot: Harness) -> None:
    bot.command("/account", ADD)
    seen = []

    def section(session, acct, now):  # type: ignore[no-untyped-def]
        seen.append((acct.name, now))
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "*Open follow-ups*\n• send pricing"}}]

    bot.services.card_sections.append(section)
    bot.command("/account", "Acme Corp")
    assert "*Open follow-ups*\n• send pricing" in bot.last_text()
    assert seen == [("Acme Corp", bot.clock.now())]


def test_card_of_an_account_without_activities_says_how_to_log(bot: Harness) -> None:
    bot.command("/account", "add Globex")
    bot.command("/account", "Globex")
    assert "_None yet._ Log one: `/log call Globex: …`" in bot.last_text()


def test_list_filters_a_segment(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "add Globex tier:gold owner:<@U0ALICE|alice> tags:wholesale")
    bot.command("/account", "add Initech tier:gold owner:<@U0BOB|bob> tags:retail")
    bot.command("/account", "add Umbrella tier:silver owner:<@U0ALICE|alice> tags:retail")
    bot.command("/account", "list tier:gold owner:<@U0ALICE|alice> tag:retail")
    text = bot.last_text()
    assert text.startswith("*1 account* with tier *gold*, tag *retail*, owner <@U0ALICE>")
    assert "• *Acme Corp* — customer, gold, owner <@U0ALICE>, MRR 4,200" in text
    for other in ("Globex", "Initech", "Umbrella"):
        assert other not in text
    bot.command("/account", "list tier:gold")
    assert bot.last_text().startswith("*3 accounts* with tier *gold*")
    bot.command("/account", "list")
    assert bot.last_text().startswith("*4 accounts* in all")
    bot.command("/account", 'list status:"hot prospect"')
    assert bot.last_text() == "No accounts match with status *hot prospect*."


def test_list_rejects_words_and_bad_filters(bot: Harness) -> None:
    bot.command("/account", "list gold")
    assert "takes filters only" in bot.last_text()
    assert "Example: `/account list tier:gold owner:@alice tag:retail`" in bot.last_text()
    bot.command("/account", "list tier:platinum")
    assert "`platinum` is not a tier" in bot.last_text()
    assert "Example: `/account list tier:gold owner:@alice tag:retail`" in bot.last_text()
    bot.command("/account", "list owner:alice")
    assert "`owner:alice` is not a person" in bot.last_text()


def test_link_a_channel(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "link Acme Corp <#C0ACME|acme-shared>")
    assert "*Acme Corp* is now linked to <#C0ACME>" in bot.last_text()
    assert account(bot, "Acme Corp").channel_id == "C0ACME"
    bot.command("/account", "link Acme Corp #acme-shared")
    assert "Put the channel last, as a #channel link." in bot.last_text()
    assert "Example: `/account link Acme Corp #acme-shared`" in bot.last_text()


def test_unknown_account_in_card_and_set(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "Acme Crop")
    assert "I don't know an account called “Acme Crop”. Did you mean “Acme Corp”?" in bot.last_text()
    bot.click("Acme Corp")
    assert bot.last_reply()["blocks"][0]["text"]["text"] == "Acme Corp"  # the card
    bot.command("/account", 'set Globx status:"hot prospect"')
    bot.click("Create “Globx”")
    assert "tier: — → " not in bot.last_text()
    assert "status: prospect → *hot prospect*" in bot.last_text()
    assert account(bot, "Globx").status == "hot prospect"


def test_edit_button_opens_the_edit_form(bot: Harness) -> None:
    bot.command("/account", ADD)
    bot.command("/account", "Acme Corp")
    bot.click("Edit")
    assert bot.last_view()["callback_id"] == "edit_account_modal"
    # A card sent before the form existed has the old Edit button: it opens the form too.
    old_button = {**find_button(bot.last_reply()["blocks"], "Edit"), "action_id": "edit_account_help"}
    bot.slack.click(old_button)
    assert len(bot.fake.calls("views.open")) == 2


def test_custom_config_statuses_tiers_and_types(fake_slack, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text(
        '[accounts]\nstatuses = ["lead", "client"]\ntiers = ["platinum", "standard"]\n'
        '[activity_types]\nlunch = ":fork_and_knife:"\ncall = ":phone:"\n'
    )
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp tier:platinum")
    assert "*Status:* lead" in bot.last_text() and "*Tier:* platinum" in bot.last_text()
    bot.command("/account", "set Acme Corp tier:gold status:client")
    assert "`gold` is not a tier. Tiers: platinum, standard." in bot.last_text()
    bot.command("/log", "lunch Acme Corp: talked budgets")
    assert ":fork_and_knife: Logged a *lunch* with *Acme Corp*" in bot.last_text()
    bot.command("/log", "meeting Acme Corp: x")
    assert "“meeting” is not an activity type. Types: `lunch`, `call`, `noshow`." in bot.last_text()
    with bot.db() as s:
        assert [a.type for a in s.scalars(select(Activity))] == ["lunch"]


def test_replies_are_ephemeral(bot: Harness) -> None:
    bot.command("/account", ADD)
    assert bot.last_reply()["response_type"] == "ephemeral"
    assert "<!channel>" not in mrkdwn_text(bot.last_reply())


def test_list_of_long_names_shows_every_account_of_the_page(bot: Harness) -> None:
    """50 accounts with long names are far more than one section's 3000 characters: none is cut off."""
    names = [f"Company {i:02d} " + "x" * 180 for i in range(55)]
    with bot.db() as s:
        now = bot.clock.now()
        s.add_all(
            Account(name=n, name_key=n.lower(), status="customer", tags=[], created_at=now, updated_at=now)
            for n in names
        )
    bot.command("/account", "list")
    blocks = bot.last_reply()["blocks"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(blocks) <= 50
    text = bot.last_text()
    assert [n for n in names if n in text] == names[:50]
    assert "…and 5 more. Narrow the filter" in text and "`salesbot export accounts` lists all" in text
