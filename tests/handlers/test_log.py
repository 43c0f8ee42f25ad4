"""/log as a command: parsing, storing, confirming, Undo, and every way it can go wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.storage.models import Account, Activity
from tests.helpers import Harness, buttons, find_button


def accounts(bot: Harness, *names: str) -> None:
    for name in names:
        bot.command("/account", f"add {name}")


def only_activity(bot: Harness) -> Activity:
    with bot.db() as s:
        return s.scalars(select(Activity)).one()


def test_log_call_stores_and_confirms_with_undo(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    bot.command("/log", "call Acme Corp: discussed renewal, wants pricing for 20 more seats")
    reply = bot.last_reply()
    assert reply["response_type"] == "ephemeral"
    text = bot.last_text()
    assert ":telephone_receiver: Logged a *call* with *Acme Corp* · Mon 23 Nov, 10:00" in text
    assert "> discussed renewal, wants pricing for 20 more seats" in text
    assert [b["text"]["text"] for b in buttons(reply["blocks"])] == ["Undo", "Open account"]
    act = only_activity(bot)
    with bot.db() as s:
        acme = s.scalars(select(Account)).one()
    assert (act.type, act.account_id, act.user_id, act.source, act.permalink) == (
        "call", acme.id, "U0ALICE", "command", None,
    )  # fmt: skip
    assert act.occurred_at == bot.clock.now() and act.created_at == bot.clock.now()
    assert act.notes == "discussed renewal, wants pricing for 20 more seats"


def test_every_default_type_has_its_emoji(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    emoji = {"call": ":telephone_receiver:", "email": ":email:", "meeting": ":handshake:", "video": ":movie_camera:",
             "demo": ":computer:", "visit": ":office:", "note": ":memo:"}  # fmt: skip
    for kind, icon in emoji.items():
        bot.command("/log", f"{kind} Acme Corp: x")
        article = "an" if kind == "email" else "a"  # "Logged an *email*"
        assert bot.last_text().startswith(f"{icon} Logged {article} *{kind}* with *Acme Corp*")
    with bot.db() as s:
        assert [a.type for a in s.scalars(select(Activity).order_by(Activity.id))] == list(emoji)


def test_date_and_time_in_the_persons_zone(bot: Harness) -> None:
    accounts(bot, "Globex")
    bot.command("/log", "meeting Globex yesterday 3pm: demo went well")
    assert ":handshake: Logged a *meeting* with *Globex* · Sun 22 Nov, 15:00" in bot.last_text()
    # Alice is in Paris (UTC+1 in November): 15:00 there is 14:00 UTC.
    assert only_activity(bot).occurred_at == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def test_same_words_for_someone_in_new_york(bot: Harness) -> None:
    accounts(bot, "Globex")
    bot.command("/log", "meeting Globex yesterday 3pm: demo went well", user="U0BOB")
    assert only_activity(bot).occurred_at == datetime(2026, 11, 22, 20, 0, tzinfo=UTC)


def test_a_day_without_time_is_noon_and_today_is_now(bot: Harness) -> None:
    accounts(bot, "Globex")
    bot.command("/log", "visit Globex last friday: walked the floor")
    bot.command("/log", "note Globex today: quick one")
    with bot.db() as s:
        times = [a.occurred_at for a in s.scalars(select(Activity).order_by(Activity.id))]
    assert times == [datetime(2026, 11, 20, 11, 0, tzinfo=UTC), bot.clock.now()]


def test_future_time_is_refused_and_nothing_stored(bot: Harness) -> None:
    accounts(bot, "Globex")
    for when in ("tomorrow", "next friday 9am", "in 2 hours"):
        bot.command("/log", f"call Globex {when}: not yet")
        assert "That time is in the future" in bot.last_text()
        assert "Example: `/log call Acme Corp: discussed renewal" in bot.last_text()
    assert bot.count(Activity) == 0


def test_impossible_date(bot: Harness) -> None:
    accounts(bot, "Globex")
    bot.command("/log", "call Globex 2026-02-30: x")
    assert "2026-02-30 is not a real date." in bot.last_text()
    assert bot.count(Activity) == 0


def test_unknown_type_lists_the_valid_ones(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    bot.command("/log", "lunch Acme Corp: x")
    text = bot.last_text()
    assert (
        "“lunch” is not an activity type. Types: `call`, `email`, `meeting`, `video`, `demo`, `visit`, `note`, `noshow`."
        in text
    )
    assert "Example: `/log call Acme Corp: discussed renewal, wants pricing for 20 more seats`" in text
    assert bot.count(Activity) == 0


def test_missing_account(bot: Harness) -> None:
    bot.command("/log", "call")
    assert "Which account? Put its name after the type." in bot.last_text()
    assert bot.count(Activity) == 0


def test_long_notes_are_refused(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    bot.command("/log", "note Acme Corp: " + "x" * 3001)
    assert "That note is 3,001 characters; 3,000 at most." in bot.last_text()
    assert bot.count(Activity) == 0
    bot.command("/log", "note Acme Corp: " + "x" * 3000)
    assert len(only_activity(bot).notes) == 3000


def test_unknown_account_suggests_and_offers_to_create_then_logs(bot: Harness) -> None:
    accounts(bot, "Acme Corp", "Globex")
    bot.command("/log", "meeting Globx Industries yesterday 3pm: first meeting")
    text = bot.last_text()
    assert "I don't know an account called “Globx Industries”." in text
    assert "Example: `/log call Acme Corp:" in text
    assert bot.count(Activity) == 0 and bot.count(Account) == 2
    bot.click("Create “Globx Industries”")
    replies = bot.replies()
    assert "Created *Globx Industries* (prospect, owner <@U0ALICE>)" in json.dumps(replies[-2])
    assert "Logged a *meeting* with *Globx Industries* · Sun 22 Nov, 15:00" in bot.last_text()
    act = only_activity(bot)
    with bot.db() as s:
        created = s.scalars(select(Account).where(Account.name == "Globx Industries")).one()
    assert act.account_id == created.id and created.owner_id == "U0ALICE"
    assert act.occurred_at == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # the date survived the detour
    assert act.notes == "first meeting"


def test_unknown_account_offers_the_closest_names(bot: Harness) -> None:
    accounts(bot, "Acme Corp", "Globex", "Initech")
    bot.command("/log", "call Globx: hello")
    assert "Did you mean “Globex”?" in bot.last_text()
    bot.click("Globex")
    assert "Logged a *call* with *Globex*" in bot.last_text()
    assert only_activity(bot).notes == "hello"


def test_ambiguous_account_offers_each_and_the_click_logs(bot: Harness) -> None:
    accounts(bot, "Acme Corp", "Acme Labs")
    bot.command("/log", "call Acme yesterday: pricing")
    assert "“Acme” matches several accounts. Which one?" in bot.last_text()
    assert {b["text"]["text"] for b in buttons(bot.last_reply()["blocks"])} == {"Acme Corp", "Acme Labs"}
    assert bot.count(Activity) == 0
    bot.click("Acme Labs")
    assert "Logged a *call* with *Acme Labs* · Sun 22 Nov, 12:00" in bot.last_text()
    act = only_activity(bot)
    with bot.db() as s:
        assert s.get(Account, act.account_id).name == "Acme Labs"  # type: ignore[union-attr]


def test_choice_replaces_only_the_typed_name(bot: Harness) -> None:
    accounts(bot, "All Things Ltd", "All Stars")
    bot.command("/log", "call all: call all of them")
    bot.click("All Stars")
    assert only_activity(bot).notes == "call all of them"


def test_undo_works_once_and_only_for_the_logger(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    bot.command("/log", "call Acme Corp: hello")
    confirmation = bot.last_reply()["blocks"]
    bot.click("Undo", user="U0BOB", blocks=confirmation)
    assert (
        "this activity on *Acme Corp* is not yours: only <@U0ALICE>, their manager or an admin"
        in bot.last_text()
    )
    assert only_activity(bot).undone_at is None
    bot.click("Undo", blocks=confirmation)
    assert bot.last_reply()["replace_original"] is True
    assert "Undone: the :telephone_receiver: *call* with *Acme Corp* is no longer logged." in bot.last_text()
    assert only_activity(bot).undone_at == bot.clock.now()
    bot.click("Undo", blocks=confirmation)  # a double click
    assert "That activity was already undone." in bot.last_text()
    assert only_activity(bot).undone_at == bot.clock.now()
    bot.command("/account", "Acme Corp")
    assert "_None yet._" in bot.last_text()


def test_open_account_button_shows_the_card(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    bot.command("/log", "call Acme Corp: hello")
    bot.click("Open account")
    assert "*Last activities*" in bot.last_text() and "— hello" in bot.last_text()


def test_activity_hooks_add_lines_to_the_confirmation(bot: Harness) -> None:
    accounts(bot, "Acme Corp")
    bot.services.activity_hooks.append(lambda session, activity, account: [f"Follow-up for {account.name}"])
    bot.command("/log", "demo Acme Corp: went well")
    assert "Follow-up for Acme Corp" in bot.last_text()
    find_button(bot.last_reply()["blocks"], "Undo")


def test_a_forgotten_colon_is_pointed_out_and_nothing_is_written(bot: Harness) -> None:
    accounts(bot, "Globex")
    bot.command("/log", "meeting Globex yesterday 3pm demo went well")
    text = bot.last_text()
    assert "To log it with *Globex*, put a colon before your notes." in text
    assert "Example: `/log meeting Globex yesterday 3pm: demo went well`" in text
    assert bot.count(Activity) == 0 and bot.count(Account) == 1
    bot.click("Globex (with the colon)")  # runs the corrected command
    logged = only_activity(bot)
    assert (logged.type, logged.notes) == ("meeting", "demo went well")
    assert logged.occurred_at.replace(tzinfo=UTC) == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # 3pm Paris
