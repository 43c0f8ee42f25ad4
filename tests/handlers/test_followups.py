"""/followup end to end: signed command → stored task → reminder at the right instant → buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.reminders.dispatcher import Dispatcher
from bot.storage.models import Account, Reminder, Task
from tests.helpers import Harness, all_text, buttons


def add_acme(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice>")


def only_task(bot: Harness) -> Task:
    with bot.db() as s:
        return s.scalars(select(Task)).one()


def statuses_by_id(s: Session) -> dict[int, str]:
    return {task_id: status for task_id, status in s.execute(select(Task.id, Task.status))}


def dispatch(bot: Harness) -> list[int]:
    return Dispatcher(bot.services, instance_id="test").run_once().sent


def fires_exactly_at(bot: Harness, at: datetime) -> None:
    """Nothing a minute before ``at``; sent at ``at``."""
    bot.clock.set(at - timedelta(minutes=1))
    assert dispatch(bot) == []
    bot.clock.set(at)
    assert dispatch(bot) != []


# (who types it, the text, assignee, due in UTC, all day)
EXAMPLES = [
    ("U0ALICE", "Acme Corp: send the proposal tomorrow 9am", "U0ALICE", datetime(2026, 11, 24, 8, 0), False),
    ("U0ALICE", "Acme Corp: call back in 3 days", "U0ALICE", datetime(2026, 11, 26, 8, 0), True),
    ("U0ALICE", "Acme Corp: send product sheet on 2026-12-15", "U0ALICE", datetime(2026, 12, 15, 8, 0), True),
    ("U0ALICE", "Acme Corp: check budget next monday", "U0ALICE", datetime(2026, 11, 30, 8, 0), True),
    (
        "U0ALICE",
        "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>",
        "U0BOB",
        datetime(2026, 12, 7, 14, 0),
        True,
    ),
    ("U0BOB", "Acme Corp: send the proposal tomorrow 9am", "U0BOB", datetime(2026, 11, 24, 14, 0), False),
    ("U0CAROL", "Acme Corp: call back in 3 days", "U0CAROL", datetime(2026, 11, 26, 9, 0), True),
]


@pytest.mark.parametrize(("user", "text", "assignee", "due", "all_day"), EXAMPLES)
def test_examples_store_the_right_instant_and_remind_the_assignee_then(
    bot: Harness, user: str, text: str, assignee: str, due: datetime, all_day: bool
) -> None:
    add_acme(bot)
    bot.command("/followup", text, user=user)
    reply = bot.last_text()
    assert ":white_check_mark: Follow-up set" in reply and "*Acme Corp*" in reply
    assert [b["text"]["text"] for b in buttons(bot.last_reply()["blocks"])] == ["Undo", "Open account"]
    task = only_task(bot)
    assert (task.assignee_id, task.created_by, task.kind, task.status) == (assignee, user, "followup", "open")
    assert task.due_at == due.replace(tzinfo=UTC)
    assert task.all_day is all_day
    fires_exactly_at(bot, task.due_at)
    dm = bot.last_dm(assignee)
    text_seen = all_text(dm["blocks"])
    assert task.title in text_seen and "Acme Corp" in text_seen
    labels = [b["text"]["text"] for b in buttons(dm["blocks"])]
    assert labels == [
        "Done",
        "Snooze 1 hour",
        "Snooze till tomorrow",
        "Snooze till next week",
        "Open account",
    ]
    assert any(e.get("type") == "datepicker" for b in dm["blocks"] for e in b.get("elements", []))
    if assignee != user:
        assert f"asked by <@{user}>" in text_seen
    assert dispatch(bot) == []  # sent once


def test_colleague_confirmation_shows_both_clocks(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")
    reply = bot.last_text()
    assert "*Assigned to:* <@U0BOB>" in reply
    assert "Mon 7 Dec, 15:00 your time · Mon 7 Dec, 09:00 for <@U0BOB>" in reply


def test_channel_prefix_posts_the_reminder_there_mentioning_the_assignee(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "<#C0ACME|acme-team> Acme Corp: renewal call friday 10am")
    assert "also posted in <#C0ACME>" in bot.last_text()
    task = only_task(bot)
    assert task.channel_id == "C0ACME"
    assert task.due_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    bot.clock.set(task.due_at)
    assert len(dispatch(bot)) == 2
    [post] = bot.posts_in("C0ACME")
    assert "<@U0ALICE>" in all_text(post["blocks"]) and "renewal call" in all_text(post["blocks"])
    assert len(bot.dms("U0ALICE")) == 1


def test_user_text_is_escaped_when_echoed(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: ping <!channel> about it tomorrow 9am")
    assert "&lt;!channel&gt;" in bot.last_text() and "<!channel>" not in bot.last_text()
    assert only_task(bot).title == "ping <!channel> about it"


def test_undo_on_the_confirmation_cancels_and_nothing_is_sent(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.click("Undo")
    assert bot.last_reply().get("replace_original") is True
    assert "Cancelled" in bot.last_text()
    task = only_task(bot)
    assert task.status == "cancelled"
    bot.clock.set(task.due_at + timedelta(hours=1))
    assert dispatch(bot) == []
    assert bot.dms("U0ALICE") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Acme Corp: send the proposal yesterday 9am", "in the past"),
        ("Acme Corp: send the proposal today 8am", "in the past"),
        ("Acme Corp: send the proposal", "couldn't find when"),
        ("Acme Corp: send the proposal on 2026-13-45", "2026-13-45 is not a real date"),
        ("Acme Corp: tomorrow 9am", "What should be done"),
        ("Acme Corp:", "What should be done"),
        ("Acme Corp send the proposal tomorrow", "colon"),
        ("Acme Corp: prepare QBR tomorrow for @bob", "Mention the colleague"),
        ("Acme Corpp Industries: send the proposal tomorrow 9am", "I don't know an account"),
        ("done", "Which follow-up"),
        ("cancel abc", "Which follow-up"),
    ],
)
def test_bad_input_gets_an_example_and_writes_nothing(bot: Harness, text: str, fragment: str) -> None:
    add_acme(bot)
    bot.command("/followup", text)
    reply = bot.last_text()
    assert fragment in reply
    assert "Example: `/followup" in reply
    with bot.db() as s:
        assert s.scalar(select(func.count(Task.id))) == 0
        assert s.scalar(select(func.count(Reminder.id))) == 0


def test_unknown_account_offers_suggestions_and_create_then_reruns(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corpp: send the proposal tomorrow 9am")
    assert "Did you mean “Acme Corp”?" in bot.last_text()
    bot.click("Acme Corp")
    assert ":white_check_mark: Follow-up set" in bot.last_text()
    bot.command("/followup", "Globex: call back in 3 days")
    bot.click("Create")
    assert ":white_check_mark: Follow-up set: *call back* · *Globex*" in bot.last_text()
    with bot.db() as s:
        assert s.scalars(select(Account.name).order_by(Account.id)).all() == ["Acme Corp", "Globex"]
        assert s.scalar(select(func.count(Task.id))) == 2


def test_list_done_cancel_and_help(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: check budget next monday")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")
    bot.command("/followup", "list")
    listing = bot.last_text()
    assert listing.index("`#2` *send the proposal*") < listing.index("`#1` *check budget*")
    assert "prepare QBR" not in listing  # Bob's
    bot.command("/followup", "list", user="U0BOB")
    assert "`#1` *prepare QBR*" in bot.last_text()  # Bob's first: numbers are per person

    bot.command("/followup", "done 2")
    assert "Done: ~send the proposal~" in bot.last_text()
    assert "What's next with Acme Corp?" in bot.last_text()
    bot.command("/followup", "cancel #1")
    assert "Cancelled: ~check budget~" in bot.last_text()
    bot.command("/followup", "list")
    assert "no open follow-ups" in bot.last_text()
    bot.command("/followup", "help")
    assert "/followup list" in bot.last_text()
    with bot.db() as s:
        statuses = statuses_by_id(s)
    assert statuses == {1: "cancelled", 2: "done", 3: "open"}


def test_only_the_assignee_or_the_creator_may_close(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")  # Bob's #1, Alice asked
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")  # Alice's own #1
    bot.command("/followup", "done <@U0BOB|bob> 1", user="U0CAROL")
    assert "is not yours" in bot.last_text()
    bot.command("/followup", "cancel <@U0ALICE|alice> 1", user="U0BOB")
    assert "is not yours" in bot.last_text()
    bot.command("/followup", "done 99")
    assert "There is no follow-up #99" in bot.last_text()
    bot.command("/followup", "done 1", user="U0BOB")  # the assignee
    assert "Done: ~prepare QBR~" in bot.last_text()
    bot.command("/followup", "cancel <@U0BOB|bob> 1")
    assert "already done" in bot.last_text()
    bot.command("/followup", "cancel 1")  # the creator
    with bot.db() as s:
        assert statuses_by_id(s) == {1: "done", 2: "cancelled"}


def test_the_creator_can_cancel_what_they_asked_of_someone(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")
    bot.command("/followup", "cancel <@U0BOB|bob> 1")  # Bob's #1
    assert "Cancelled" in bot.last_text()
    assert only_task(bot).status == "cancelled"


def test_account_card_lists_open_followups(bot: Harness) -> None:
    add_acme(bot)
    bot.command("/followup", "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "Acme Corp: check budget next monday")
    bot.command("/followup", "done 2")  # Alice's second
    bot.command("/account", "Acme Corp")
    card = bot.last_text()
    section = card[card.index("*Open follow-ups*") :]
    assert section.index("send the proposal") < section.index("prepare QBR")
    assert "<@U0BOB> `#1`" in section and "check budget" not in section
    assert "*send the proposal* · due Tue 24 Nov, 09:00 · <@U0ALICE> `#1`" in section  # Alice's clock
    bot.command("/account", "Acme Corp", user="U0BOB")
    assert "*send the proposal* · due Tue 24 Nov, 03:00 · <@U0ALICE> `#1`" in bot.last_text()  # Bob's


def test_changes_notify_change_listeners(bot: Harness) -> None:
    seen: list[str] = []
    bot.services.change_listeners.append(seen.append)
    add_acme(bot)
    bot.command("/followup", "Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")
    assert set(seen) == {"U0ALICE", "U0BOB"}
    seen.clear()
    bot.command("/followup", "done 1", user="U0BOB")
    assert set(seen) == {"U0ALICE", "U0BOB"}


def test_the_reminder_notification_text_never_pings(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/followup", "Acme Corp: tell <!channel> & <!here> about it tomorrow 9am")
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    bot.dispatch()
    [dm] = bot.dms("U0ALICE")
    assert dm["text"] == "Follow-up due: tell &lt;!channel&gt; &amp; &lt;!here&gt; about it · Acme Corp"
