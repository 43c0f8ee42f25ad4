from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain import visits
from bot.reminders import visit_planning
from bot.storage.models import Account, Activity, Reminder, Task, VisitPlan
from tests.helpers import Harness, all_text

ALICE_MENTION = "<@U0ALICE|alice>"


def add_account(bot: Harness, name: str = "Acme Corp", extra: str = "") -> None:
    bot.command("/account", f"add {name} status:customer owner:{ALICE_MENTION} {extra}".strip())
    assert "Created" in bot.last_text()


def plans(bot: Harness) -> list[VisitPlan]:
    with bot.db() as s:
        return list(s.scalars(select(VisitPlan).order_by(VisitPlan.id)))


def open_visit_tasks(bot: Harness) -> list[Task]:
    with bot.db() as s:
        return list(
            s.scalars(select(Task).where(Task.kind == "visit", Task.status == "open").order_by(Task.id))
        )


def reminders(bot: Harness, **where: object) -> list[Reminder]:
    with bot.db() as s:
        stmt = select(Reminder).order_by(Reminder.due_at, Reminder.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Reminder, key) == value)
        return list(s.scalars(stmt))


@pytest.mark.parametrize(
    ("rule", "rrule", "next_text", "occurrence_utc"),
    [
        ("every 4 months", "FREQ=MONTHLY;INTERVAL=4", "Tue 23 Mar 2027", datetime(2027, 3, 22, 23, 0)),
        (
            "every 2 weeks on tuesday",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "Tue 24 Nov",
            datetime(2026, 11, 23, 23, 0),
        ),
        (
            "every other week on tuesday",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "Tue 24 Nov",
            datetime(2026, 11, 23, 23, 0),
        ),
        ("quarterly", "FREQ=MONTHLY;INTERVAL=3", "Tue 23 Feb 2027", datetime(2027, 2, 22, 23, 0)),
        ("monthly", "FREQ=MONTHLY", "Wed 23 Dec", datetime(2026, 12, 22, 23, 0)),
        ("weekly", "FREQ=WEEKLY", "Mon 30 Nov", datetime(2026, 11, 29, 23, 0)),
        ("yearly", "FREQ=YEARLY", "Tue 23 Nov 2027", datetime(2027, 11, 22, 23, 0)),
        ("every 6 weeks", "FREQ=WEEKLY;INTERVAL=6", "Mon 4 Jan 2027", datetime(2027, 1, 3, 23, 0)),
        ("on 2026-12-10 10:00", None, "Thu 10 Dec, 10:00", datetime(2026, 12, 10, 9, 0)),
    ],
)
def test_visit_examples_store_the_rule_and_plan_the_next_occurrence(
    bot: Harness, rule: str, rrule: str | None, next_text: str, occurrence_utc: datetime
) -> None:
    add_account(bot)
    bot.command("/visit", f"Acme Corp {rule}")
    text = bot.last_text()
    assert f"Next visit: *{next_text}*" in text, text
    assert "Europe/Paris" in text
    [plan] = plans(bot)
    assert plan.rrule == rrule and plan.source == "explicit" and plan.active and plan.tz == "Europe/Paris"
    [task] = open_visit_tasks(bot)
    assert task.assignee_id == "U0ALICE" and task.title == "Visit {account}"
    assert task.occurrence_at == occurrence_utc.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Acme Corp every blue moon", "couldn't read"),
        ("Acme Corp on 2025-01-01 10:00", "in the past"),
        ("Acme Corp monthly on tuesday", "weekday goes with weekly plans"),
        ("Acme Corp", "How often should Acme Corp be visited"),
        ("Acme", "Put the account first"),
    ],
)
def test_bad_rules_write_nothing(bot: Harness, text: str, says: str) -> None:
    add_account(bot)
    bot.command("/visit", text)
    reply = bot.last_text()
    assert says in reply and "Example: `/visit" in reply
    assert plans(bot) == []


def test_unknown_account_offers_to_create_it_and_reruns(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Crop every 4 months")
    assert "I don't know an account called “Acme Crop”" in bot.last_text()
    assert plans(bot) == []
    bot.click("Acme Corp")
    assert "Next visit: *Tue 23 Mar 2027*" in bot.last_text()
    assert len(plans(bot)) == 1


def test_user_text_is_escaped(bot: Harness) -> None:
    bot.command("/visit", "<!channel> every 4 months")
    warning = bot.last_reply()["blocks"][0]["text"]["text"]  # mrkdwn: where a mention would ping
    assert "<!channel>" not in warning and "&lt;!channel&gt;" in warning


def test_list_and_stop(bot: Harness) -> None:
    add_account(bot)
    add_account(bot, "Globex")
    bot.command("/account", "add Initech owner:<@U0BOB|bob>")
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday")
    bot.command("/visit", "Initech quarterly", user="U0BOB")
    bot.command("/visit", "list")
    text = bot.last_text()
    assert "Acme Corp" in text and "every 2 weeks on Tuesday" in text and "Initech" not in text
    bot.command("/visit", "list all")
    assert "Initech" in bot.last_text() and "every quarter" in bot.last_text()

    bot.command("/visit", "stop Acme Corp")
    assert "Stopped the visit plan for *Acme Corp*" in bot.last_text()
    acme = next(p for p in plans(bot) if p.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
    assert not acme.active
    with bot.db() as s:
        task = s.scalars(select(Task).where(Task.visit_plan_id == acme.id)).one()
        assert task.status == "cancelled"
        pending = s.scalars(
            select(Reminder).where(Reminder.task_id == task.id, Reminder.status == "pending")
        ).all()
        assert pending == []
    bot.command("/visit", "stop Globex")
    assert "has no `/visit` plan" in bot.last_text()


def test_new_plan_replaces_the_old_one(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Corp monthly")
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday")
    assert "replaces the account's previous plan" in bot.last_text()
    assert [p.active for p in plans(bot)] == [False, True]
    assert len(open_visit_tasks(bot)) == 1


def test_announced_ahead_then_reminded_on_the_day_with_channel_post(bot: Harness) -> None:
    add_account(bot, extra="channel:<#C0ACME|acme-team>")
    bot.command("/visit", "Acme Corp on 2026-12-10 10:00")
    bot.run_planning()  # idempotent: nothing new
    assert len(reminders(bot)) == 3  # announce DM, announce channel, on the day
    bot.clock.set(datetime(2026, 12, 3, 7, 59, tzinfo=UTC))  # 08:59 Paris, a week before
    assert bot.dispatch().sent == []
    bot.clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # 09:00 Paris: working start
    assert len(bot.dispatch().sent) == 2
    [dm] = bot.dms("U0ALICE")
    assert "*Visit Acme Corp* due Thu 10 Dec, 10:00 — book the slot" in all_text(dm["blocks"])
    [post] = [p for p in bot.fake.params("chat.postMessage") if p["channel"] == "C0ACME"]
    assert "<@U0ALICE>" in post["text"] and "book the slot" in post["text"]

    bot.clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=UTC))  # on the day, 09:00 Paris
    assert len(bot.dispatch().sent) == 1
    due = bot.dms("U0ALICE")[-1]
    assert "Today: *Visit Acme Corp* (10:00)" in all_text(due["blocks"])
    labels = [b["text"]["text"] for blk in due["blocks"] if blk["type"] == "actions" for b in blk["elements"]]
    assert labels == ["Done", "No-show", "Open account"]

    bot.click("Done", blocks=due["blocks"])
    assert "Logged a *visit* with *Acme Corp*" in bot.last_text()
    assert "the planned visit is done" in bot.last_text()
    [plan] = plans(bot)
    assert not plan.active  # a one-off, done
    with bot.db() as s:
        assert s.scalars(select(Activity).where(Activity.type == "visit")).one().source == "button"


def test_no_channel_post_when_turned_off(fake_slack, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text("[channels]\nvisit_announcement = false\n")
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    add_account(bot, extra="channel:<#C0ACME|acme-team>")
    bot.command("/visit", "Acme Corp on 2026-12-10 10:00")
    assert [r.channel_id for r in reminders(bot)] == [None, None]


def test_logging_a_visit_satisfies_the_occurrence_and_plans_the_next(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday at 10:00")
    [first] = open_visit_tasks(bot)
    assert first.occurrence_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    bot.command("/log", "visit Acme Corp: quarterly review")
    text = bot.last_text()
    assert "Visit plan: done for this cycle; next visit around Tue 8 Dec" in text
    with bot.db() as s:
        assert s.get(Task, first.id).status == "done"
        assert {r.status for r in s.scalars(select(Reminder).where(Reminder.task_id == first.id))} <= {
            "cancelled",
            "sent",
        }
    [second] = open_visit_tasks(bot)
    assert second.occurrence_at == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    # The announcement of the first occurrence was never sent: nothing to remind about a done visit.
    bot.clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    bot.dispatch()
    assert not any(
        "Visit Acme Corp" in (p.get("text") or "") and "24 Nov" in (p.get("text") or "")
        for p in bot.dms("U0ALICE")
    )


def test_satisfied_occurrence_sends_no_reminder(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Corp on 2026-12-10 10:00")
    bot.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    bot.command("/log", "meeting Acme Corp: met early")  # a meeting counts for a visit plan
    assert "the planned visit is done" in bot.last_text()
    bot.fake.clear()
    for day in (3, 10):
        bot.clock.set(datetime(2026, 12, day, 12, 0, tzinfo=UTC))
        bot.dispatch()
    assert [
        d for d in bot.dms("U0ALICE") if not d["text"].startswith("Follow-up due")
    ] == []  # only follow-ups


def test_occurrence_stays_at_10_paris_across_dst(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday at 10:00 from 2027-03-16")
    [task] = open_visit_tasks(bot)
    assert task.due_at == datetime(2027, 3, 16, 9, 0, tzinfo=UTC)  # 10:00 CET
    bot.clock.set(datetime(2027, 3, 16, 14, 0, tzinfo=UTC))
    bot.command("/log", "visit Acme Corp")
    [task] = open_visit_tasks(bot)
    assert task.due_at == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST
    [due] = [r for r in reminders(bot, task_id=task.id) if r.kind == "visit_due"]
    assert due.due_at == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST, Alice's working start


def test_tier_cadence_applies_without_a_command_and_is_overridden(bot: Harness) -> None:
    add_account(bot, extra="tier:gold")
    bot.run_planning()
    [plan] = plans(bot)
    assert plan.source == "tier" and plan.rrule == "FREQ=MONTHLY;INTERVAL=4" and plan.activity_type == "visit"
    [task] = open_visit_tasks(bot)
    assert task.occurrence_at == datetime(2027, 3, 22, 23, 0, tzinfo=UTC)  # creation + 4 months, Paris day
    bot.run_planning()
    assert len(open_visit_tasks(bot)) == 1 and len(plans(bot)) == 1  # idempotent

    bot.command("/account", "Acme Corp")
    assert "a visit every 4 months (gold tier cadence)" in bot.last_text()

    bot.command("/visit", "Acme Corp every 2 weeks on tuesday")
    tier, explicit = plans(bot)
    assert not tier.active and explicit.active
    [task] = open_visit_tasks(bot)
    assert task.visit_plan_id == explicit.id
    bot.run_planning()
    assert [p.active for p in plans(bot)] == [False, True]

    bot.command("/visit", "stop Acme Corp")
    assert "The tier cadence applies again" in bot.last_text()
    [task] = open_visit_tasks(bot)
    assert task.occurrence_at == datetime(2027, 3, 22, 23, 0, tzinfo=UTC)


def test_tier_cadence_anchors_on_the_last_visit_and_follows_tier_changes(bot: Harness) -> None:
    add_account(bot, extra="tier:gold")
    bot.clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    bot.command("/log", "visit Acme Corp")
    bot.run_planning()
    [task] = open_visit_tasks(bot)
    assert task.occurrence_at == datetime(2027, 4, 1, 22, 0, tzinfo=UTC)  # 2 Apr 2027, Paris (CEST)
    bot.command("/account", "set Acme Corp tier:silver")
    bot.run_planning()
    [task] = open_visit_tasks(bot)
    assert task.title == "Meeting with {account}"
    assert task.occurrence_at == datetime(2027, 6, 1, 22, 0, tzinfo=UTC)  # last visit + 6 months
    bot.command("/account", "set Acme Corp tier:none")
    bot.run_planning()
    assert open_visit_tasks(bot) == []


def test_logging_a_visit_on_a_gold_account_moves_the_next_one(bot: Harness) -> None:
    add_account(bot, extra="tier:gold")
    bot.run_planning()
    bot.clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    bot.command("/log", "visit Acme Corp")
    assert "Visit plan: done for this cycle; next visit around Wed 7 Apr 2027" in bot.last_text()


def test_card_shows_plan_next_last_visit_and_noshows(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday")
    bot.command("/log", "noshow Acme Corp")
    bot.command("/account", "Acme Corp")
    text = bot.last_text()
    assert "*Plan:* a visit every 2 weeks on Tuesday" in text
    assert "*Next planned:* Tue 24 Nov" in text
    assert "*Last visit:* never" in text
    assert "*No-shows:* 1" in text


def test_plan_for_someone_elses_account_reminds_the_owner_in_their_zone(bot: Harness) -> None:
    bot.give_role("U0ALICE", "admin")  # Alice plans visits on Bob's account
    bot.command("/account", "add Initech owner:<@U0BOB|bob>")
    bot.command("/visit", "Initech on 2026-12-10 10:00")
    text = bot.last_text()
    assert "Next visit: *Thu 10 Dec, 10:00* (the owner's time, America/New_York)" in text
    assert "Reminders go to the owner, <@U0BOB>" in text
    [task] = open_visit_tasks(bot)
    assert task.assignee_id == "U0BOB" and task.due_at == datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


def test_owner_change_moves_the_occurrence_to_the_new_owner(bot: Harness) -> None:
    add_account(bot)
    bot.command("/visit", "Acme Corp every 4 months")
    [before] = open_visit_tasks(bot)
    bot.command("/account", "set Acme Corp owner:<@U0CAROL|carol>")
    bot.run_planning()
    [after] = open_visit_tasks(bot)
    assert after.assignee_id == "U0CAROL" and after.occurrence_at == before.occurrence_at
    with bot.db() as s:
        assert s.get(Task, before.id).status == "cancelled"
        assert {r.status for r in s.scalars(select(Reminder).where(Reminder.task_id == before.id))} == {
            "cancelled"
        }
    bot.run_planning()
    assert [t.id for t in open_visit_tasks(bot)] == [after.id]


def test_account_without_owner_gets_a_plan_but_no_task(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp owner:none")
    bot.command("/visit", "Acme Corp monthly")
    assert "has no owner, so nobody is reminded yet" in bot.last_text()
    assert len(plans(bot)) == 1 and open_visit_tasks(bot) == []


def test_visit_help(bot: Harness) -> None:
    bot.command("/visit", "help")
    assert "/visit Acme Corp every 4 months" in bot.last_text()
    bot.command("/agenda", "help")
    assert "/agenda week" in bot.last_text()


def test_planning_pass_skips_settled_accounts_and_catches_changes_made_behind_its_back(bot: Harness) -> None:
    """The pass reads everything at once and syncs only accounts out of step: a settled account is left
    alone, and changes made without any hook (an import, a direct edit) are still caught."""
    add_account(bot, "Acme Corp", "tier:gold")
    add_account(bot, "Globex", "tier:silver")
    add_account(bot, "Initech")
    bot.command("/visit", "Initech every 6 weeks")
    bot.run_planning()
    before = {t.account_id: t.due_at for t in open_visit_tasks(bot)}
    with bot.db() as s:
        ctx = visit_planning.planning_context(bot.services, s, bot.clock.now())
        snap = visits.snapshot(s, bot.services.playbook)
        accounts = list(s.scalars(select(Account).order_by(Account.id)))
        assert all(visits.in_sync(snap, ctx, a) for a in accounts)
        acme, globex, _ = accounts
        # Behind the hooks' back: a visit imported on Acme, Globex handed to Bob, both unseen by hooks.
        s.add(
            Activity(
                account_id=acme.id,
                type="visit",
                user_id="U0ALICE",
                occurred_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
                notes="",
                source="import",
                created_at=bot.clock.now(),
            )
        )
        globex.owner_id = "U0BOB"
        s.flush()
        snap = visits.snapshot(s, bot.services.playbook)
        assert [visits.in_sync(snap, ctx, a) for a in accounts] == [False, False, True]
    bot.run_planning()
    tasks = {t.account_id: t for t in open_visit_tasks(bot)}
    assert tasks[acme.id].due_at > before[acme.id]  # four months after the imported visit
    assert tasks[acme.id].occurrence_at == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    assert tasks[globex.id].assignee_id == "U0BOB"
    assert len(tasks) == 3


def test_long_plan_list_shows_every_plan_of_the_page(bot: Harness) -> None:
    names = [f"Company {i:02d} " + "x" * 120 for i in range(40)]
    for name in names:
        add_account(bot, name)
        bot.command("/visit", f"{name} every 4 months")
    bot.command("/visit", "list")
    blocks = bot.last_reply()["blocks"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    text = bot.last_text()
    assert [n for n in names if n in text] == names
