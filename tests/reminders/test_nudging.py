"""Morning nudges end to end: the planning pass + the dispatcher, driven across simulated days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.domain.nudges import NudgeItem
from bot.storage.models import LOCAL_TEAM, Account, NudgeState, Reminder, Task, UserProfile, VisitPlan
from tests.helpers import FakeSlack, Harness, add_task, all_text, buttons, find_button, line_button


@pytest.fixture
def bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    """The harness without automatic follow-ups: only the morning message reaches people here. The
    working day starts at 08:00, so the 08:30 nudge time decides (a later start: test_mornings.py)."""
    config = tmp_path / "salesbot.toml"
    config.write_text('followup_rules = []\n[working_hours]\nstart = "08:00"\n')
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def run_at(bot: Harness, when: datetime) -> None:
    bot.clock.set(when)
    bot.tick()


def text(dm: dict[str, Any]) -> str:
    return all_text(dm["blocks"])


def account_id(bot: Harness, name: str) -> int:
    with bot.db() as s:
        return s.scalars(select(Account.id).where(Account.name == name)).one()


def gold_visited_in_june(bot: Harness, name: str, owner: str) -> int:
    bot.command("/account", f"add {name} tier:gold status:partner owner:{owner}")
    bot.command("/log", f"visit {name} 2026-06-20: quarterly review")
    assert "Logged a *visit*" in bot.last_text()
    return account_id(bot, name)


def add_followup(
    bot: Harness, account: str, assignee: str, due: datetime, title: str, kind: str = "followup"
) -> int:
    return add_task(bot, account, title, due, assignee=assignee, kind=kind, created_by=assignee)


def test_one_message_per_person_at_their_own_local_morning(bot: Harness) -> None:
    acme = gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")
    gold_visited_in_june(bot, "Globex", "<@U0BOB|bob>")
    add_followup(bot, "Acme Corp", "U0ALICE", at(2026, 11, 23, 15), "Send the proposal")
    bot.fake.clear()

    run_at(bot, at(2026, 11, 24, 7, 29))  # 08:29 in Paris
    assert bot.dms("U0ALICE") == [] and bot.dms("U0BOB") == []
    run_at(bot, at(2026, 11, 24, 7, 30))  # 08:30 in Paris, 02:30 in New York
    (alice,) = bot.dms("U0ALICE")
    assert bot.dms("U0BOB") == []
    body = text(alice)
    assert (
        "Follow-ups overdue" in body
        and "*Send the proposal* for *Acme Corp* was due Mon 23 Nov, 16:00" in body
    )
    assert "Visits overdue" in body
    assert "*Acme Corp* (gold) not visited for 5 months; plan: every 4 months" in body
    log_visit = line_button(alice["blocks"], "not visited", "Log visit")
    assert (log_visit["action_id"], log_visit["value"]) == ("open_log_modal", str(acme))
    assert line_button(alice["blocks"], "Send the proposal", "Done")["action_id"] == "nudge_followup_done"

    run_at(bot, at(2026, 11, 24, 13, 29))
    assert bot.dms("U0BOB") == []
    run_at(bot, at(2026, 11, 24, 13, 30))  # 08:30 in New York
    (bob,) = bot.dms("U0BOB")
    assert "*Globex* (gold) not visited for 5 months" in text(bob) and "Acme" not in text(bob)

    for hour in (14, 16, 20, 23):  # the scheduler keeps ticking all day: nothing twice
        run_at(bot, at(2026, 11, 24, hour))
    assert len(bot.dms("U0ALICE")) == 1 and len(bot.dms("U0BOB")) == 1
    with bot.db() as s:
        rows = s.scalars(
            select(Reminder).where(Reminder.kind == "morning_digest").order_by(Reminder.id)
        ).all()
        assert [(r.dedupe_key, r.status, r.sent_at) for r in rows] == [
            ("morning:U0ALICE:2026-11-24", "sent", at(2026, 11, 24, 7, 30)),
            ("morning:U0BOB:2026-11-24", "sent", at(2026, 11, 24, 13, 30)),
        ]

    bot.click("Log visit", blocks=alice["blocks"])
    view = bot.fake.params("views.open")[-1]["view"]
    assert "Acme Corp" in str(view)


def visit_nudges(bot: Harness, user: str = "U0ALICE") -> list[dict[str, Any]]:
    return [dm for dm in bot.dms(user) if "not visited" in text(dm)]


def test_overdue_account_is_nudged_when_it_starts_not_every_day(bot: Harness) -> None:
    gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")
    run_at(bot, at(2026, 11, 24, 7, 30))
    assert len(visit_nudges(bot)) == 1
    run_at(bot, at(2026, 11, 25, 7, 30))
    assert len(visit_nudges(bot)) == 1 and len(bot.dms("U0ALICE")) == 1  # nothing new: no message at all
    with bot.db() as s:
        state = s.scalars(select(NudgeState).where(NudgeState.subject.like("overdue_visit:%"))).one()
        assert state.active and state.notified_at == at(2026, 11, 24, 7, 30)

    bot.clock.set(at(2026, 11, 25, 10))
    bot.command("/log", "visit Acme Corp: on site, all good")
    run_at(bot, at(2026, 11, 26, 7, 30))  # the condition ended
    with bot.db() as s:
        assert (
            not s.scalars(select(NudgeState).where(NudgeState.subject.like("overdue_visit:%"))).one().active
        )
    for day in (at(2027, 1, 4, 7, 30), at(2027, 3, 1, 7, 30), at(2027, 3, 25, 7, 30)):
        run_at(bot, day)
    assert len(visit_nudges(bot)) == 1  # due again on 25 March at 10:00 UTC, after that morning

    run_at(bot, at(2027, 3, 26, 7, 30))
    assert len(visit_nudges(bot)) == 2
    assert "*Acme Corp* (gold) not visited for 4 months; plan: every 4 months" in text(visit_nudges(bot)[-1])
    run_at(bot, at(2027, 3, 29, 6, 30))  # Monday, summer time: 08:30 in Paris
    assert len(visit_nudges(bot)) == 2


def test_renewals_at_90_60_and_30_days_each_once_to_csm_and_owner(bot: Harness) -> None:
    bot.command(
        "/account",
        "add Acme Corp status:partner owner:<@U0ALICE|alice> csm:<@U0BOB|bob> renewal:2027-03-01 mrr:4200",
    )
    day = at(2026, 11, 24, 14)  # 15:00 in Paris, 09:00 in New York
    while day <= at(2027, 3, 5, 14):
        run_at(bot, day)
        day += timedelta(days=1)
    for user in ("U0ALICE", "U0BOB"):
        dms = bot.dms(user)
        assert [line for dm in dms for line in text(dm).splitlines() if "renews" in line] == [
            "*Acme Corp* renews in 90 days (Mon 1 Mar 2027); MRR 4,200",
            "*Acme Corp* renews in 60 days (Mon 1 Mar 2027); MRR 4,200",
            # 30 days before is Saturday 30 January: told on Monday
            "*Acme Corp* renews in 28 days (Mon 1 Mar); MRR 4,200",
        ]
        with bot.db() as s:
            keys = s.scalars(select(Reminder.dedupe_key).where(Reminder.recipient_id == user)).all()
        assert sorted(keys) == [
            f"morning:{user}:2026-12-01",
            f"morning:{user}:2026-12-31",
            f"morning:{user}:2027-02-01",
        ]


def test_inactive_accounts_per_status(bot: Harness) -> None:
    for name, status in [
        ("Hot Co", '"hot prospect"'),
        ("Prospect Co", "prospect"),
        ("Customer Co", "customer"),
        ("Partner Co", "partner"),
    ]:
        bot.command("/account", f"add {name} status:{status} owner:<@U0ALICE|alice>")
    day = at(2026, 11, 24, 7, 30)
    while day <= at(2027, 1, 12, 7, 30):
        run_at(bot, day)
        day += timedelta(days=1)
    with bot.db() as s:
        sent = s.scalars(
            select(Reminder).where(Reminder.recipient_id == "U0ALICE").order_by(Reminder.id)
        ).all()
        days = [r.sent_at.date() if r.sent_at else None for r in sent]
    assert days == [date(2026, 12, 8), date(2026, 12, 24), date(2027, 1, 8)]
    bodies = [text(dm) for dm in bot.dms("U0ALICE")]
    assert (
        "*Hot Co* (hot prospect) no activity logged since it was added 14 days ago; nudge after 14"
        in bodies[0]
    )
    assert "*Prospect Co* (prospect)" in bodies[1] and "*Customer Co* (customer)" in bodies[2]
    assert all("Partner Co" not in b for b in bodies)
    assert find_button(bot.dms("U0ALICE")[0]["blocks"], "Log activity")["action_id"] == "open_log_modal"


def test_overdue_followups_go_to_the_assignee_and_done_ends_them(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:partner owner:<@U0ALICE|alice>")
    task = add_followup(bot, "Acme Corp", "U0BOB", at(2026, 11, 23, 15), "Send the proposal")
    add_followup(bot, "Acme Corp", "U0BOB", at(2026, 11, 30, 15), "Not due yet")
    add_followup(bot, "Acme Corp", "U0BOB", at(2026, 11, 20, 15), "A planned visit", kind="visit")

    run_at(bot, at(2026, 11, 24, 13, 30))
    (dm,) = bot.dms("U0BOB")
    assert "*Send the proposal* for *Acme Corp* was due Mon 23 Nov, 10:00" in text(dm)  # Bob's zone
    assert "Not due yet" not in text(dm) and "planned visit" not in text(dm)
    assert bot.dms("U0ALICE") == []

    bot.clock.set(at(2026, 11, 24, 14))
    bot.click("Done", user="U0BOB", blocks=dm["blocks"])
    assert "Done: *Send the proposal*" in bot.last_text()
    with bot.db() as s:
        assert s.get(Task, task).status == "done"
    bot.click("Done", user="U0BOB", blocks=dm["blocks"])
    assert "already done" in bot.last_text()

    run_at(bot, at(2026, 11, 25, 13, 30))
    assert len(bot.dms("U0BOB")) == 1
    with bot.db() as s:
        state = s.scalars(
            select(NudgeState).where(NudgeState.subject == f"followup_overdue:task:{task}")
        ).one()
        assert not state.active


def test_turning_a_kind_off_and_on(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:partner owner:<@U0ALICE|alice> renewal:2027-01-31")
    add_followup(bot, "Acme Corp", "U0ALICE", at(2026, 11, 23, 15), "Send the proposal")
    bot.command("/salesbot", "nudges off renewals")
    reply = bot.last_text()
    assert "Turned off *renewal* nudges" in reply and "`/salesbot nudges on renewal`" in reply
    assert "`renewal` — renewals coming up (90, 60 and 30 days before) — *off*" in reply
    assert "`inactive` — accounts with no activity for too long — *on*" in reply
    with bot.db() as s:
        assert s.get(UserProfile, (LOCAL_TEAM, "U0ALICE")).nudges_off == ["renewal"]

    run_at(bot, at(2026, 11, 24, 7, 30))
    (first,) = bot.dms("U0ALICE")
    assert "Send the proposal" in text(first) and "renews" not in text(first)

    bot.command("/salesbot", "nudges on renewals")
    assert "Turned on *renewal* nudges" in bot.last_text()
    run_at(bot, at(2026, 11, 25, 7, 30))
    second = bot.dms("U0ALICE")[-1]
    assert "*Acme Corp* renews in 67 days" in text(second) and "Send the proposal" not in text(second)

    bot.command("/salesbot", "nudges")
    assert "`renewal` — renewals coming up (90, 60 and 30 days before) — *on*" in bot.last_text()


def test_unknown_kind_gives_the_list_and_an_example_and_writes_nothing(bot: Harness) -> None:
    bot.command("/salesbot", "nudges off <!channel>")
    reply = bot.last_text()
    assert "&lt;!channel&gt;" in reply and "<!channel>" not in reply
    assert "`overdue_visit`" in reply and "`signal_waiting`" in reply
    assert "Example: `/salesbot nudges off renewals`" in reply
    with bot.db() as s:
        profile = s.get(UserProfile, (LOCAL_TEAM, "U0ALICE"))
        assert profile is None or profile.nudges_off == []
    bot.command("/salesbot", "nudges help")
    assert "/salesbot nudges off renewals" in bot.last_text()


def test_snoozing_a_line_snoozes_that_subject_only_and_updates_the_line_in_place(bot: Harness) -> None:
    gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")
    gold_visited_in_june(bot, "Globex", "<@U0ALICE|alice>")
    run_at(bot, at(2026, 11, 24, 7, 30))
    [morning] = bot.messages("U0ALICE")
    assert "*Acme Corp* (gold)" in text(morning) and "*Globex* (gold)" in text(morning)

    bot.press(morning, "Snooze 1 week", line="*Acme Corp*")
    # The same message, edited: Acme's line says it is snoozed; Globex keeps its line and buttons.
    [morning] = bot.messages("U0ALICE")
    assert "Good morning" in text(morning)
    assert ":zzz: Snoozed until Tue 1 Dec." in text(morning)
    assert "Log visit" in [b["text"]["text"] for b in buttons(morning["blocks"])]
    line_button(morning["blocks"], "*Globex* (gold)", "Snooze 1 week")
    assert len(buttons(morning["blocks"])) == 2  # Globex's two; Acme's are gone
    assert bot.fake.params("chat.postEphemeral") == []
    bot.command("/salesbot", "nudges")
    assert "visit overdue on *Acme Corp* snoozed until Tue 1 Dec" in bot.last_text()

    # Only that subject: a follow-up on Acme Corp that falls overdue meanwhile is told.
    add_followup(bot, "Acme Corp", "U0ALICE", at(2026, 11, 25, 10), "Send the proposal")
    run_at(bot, at(2026, 11, 26, 7, 30))
    told = text(bot.messages("U0ALICE")[-1])
    assert "Send the proposal" in told and "not visited" not in told
    for day in (at(2026, 11, 27, 7, 30), at(2026, 11, 30, 7, 30)):
        run_at(bot, day)
    assert len(bot.dms("U0ALICE")) == 2

    run_at(bot, at(2026, 12, 1, 7, 30))  # the snooze ended at midnight: told once more
    after = text(bot.dms("U0ALICE")[-1])
    assert "*Acme Corp* (gold) not visited" in after and "Globex" not in after


def test_unsnooze(bot: Harness) -> None:
    gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")
    run_at(bot, at(2026, 11, 24, 7, 30))
    bot.click("Snooze 1 week", blocks=bot.dms("U0ALICE")[0]["blocks"])
    bot.command("/salesbot", "nudges")
    bot.click("Unsnooze")
    assert "That nudge is back on" in bot.last_text()
    bot.command("/salesbot", "nudges")
    assert "snoozed until" not in bot.last_text()


def test_nothing_on_days_off_their_own_working_days(bot: Harness) -> None:
    gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")
    bot.command("/account", "add Initech tier:gold status:partner owner:<@U0CAROL|carol>")
    bot.command("/log", "visit Initech 2026-06-20: kickoff", user="U0CAROL")
    with bot.db() as s:  # Carol works Sunday to Thursday
        s.get(UserProfile, (LOCAL_TEAM, "U0CAROL")).work_days = ["sun", "mon", "tue", "wed", "thu"]
    bot.fake.clear()
    run_at(bot, at(2026, 11, 27, 9))  # Friday: Alice's working day, Carol's day off
    assert len(bot.dms("U0ALICE")) == 1 and bot.dms("U0CAROL") == []
    run_at(bot, at(2026, 11, 28, 9))  # Saturday: nobody's
    run_at(bot, at(2026, 11, 29, 9))  # Sunday: Carol's
    assert len(bot.dms("U0ALICE")) == 1
    (carol,) = bot.dms("U0CAROL")
    assert "*Initech* (gold) not visited for 5 months" in text(carol)


def test_sources_run_only_when_someone_is_due_and_other_features_items_join_the_message(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:partner owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex status:partner owner:<@U0BOB|bob>")
    calls: list[datetime] = []

    def ripe(session: Any, services: Any, now: datetime) -> list[NudgeItem]:
        calls.append(now)
        return [
            NudgeItem(
                "U0ALICE",
                "ripe",
                "ripe:account:1",
                "*Acme Corp* scored 72 (threshold 60)",
                ("Open", "open_account", "1"),
                1,
            )
        ]

    def broken(session: Any, services: Any, now: datetime) -> list[NudgeItem]:
        raise RuntimeError("boom")

    bot.services.nudge_sources.extend([ripe, broken])
    when = at(2026, 11, 24)
    while when < at(2026, 11, 25):
        run_at(bot, when)
        when += timedelta(minutes=15)
    assert calls == [at(2026, 11, 24, 7, 30), at(2026, 11, 24, 13, 30)]  # Alice's morning, Bob's morning
    (dm,) = bot.dms("U0ALICE")
    assert "Ripe for expansion" in text(dm) and "*Acme Corp* scored 72 (threshold 60)" in text(dm)
    assert bot.dms("U0BOB") == []


def test_an_explicit_visit_plan_replaces_the_tier_cadence(bot: Harness) -> None:
    acme = gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")
    with bot.db() as s:
        s.add_all(
            [
                VisitPlan(
                    account_id=acme,
                    activity_type="call",
                    rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
                    dtstart=at(2026, 6, 1),
                    tz="Europe/Paris",
                    source="explicit",
                    active=True,
                    created_by="U0ALICE",
                    created_at=at(2026, 6, 1),
                ),
                VisitPlan(
                    account_id=acme,
                    activity_type="visit",
                    rrule="FREQ=WEEKLY",
                    dtstart=at(2026, 6, 1),
                    source="explicit",
                    active=False,
                    created_at=at(2026, 6, 1),
                ),
            ]
        )
    bot.clock.set(at(2026, 11, 16, 10))
    bot.command("/log", "call Acme Corp 2026-11-09: check-in")
    run_at(bot, at(2026, 11, 24, 7, 30))
    (dm,) = bot.dms("U0ALICE")
    body = text(dm)
    assert "*Acme Corp* no call for 2 weeks; plan: every 2 weeks" in body
    assert "every 4 months" not in body and "every week" not in body
    assert find_button(dm["blocks"], "Log call")["value"] == str(acme)


def test_a_followup_whose_reminder_is_still_to_come_is_not_also_in_the_morning_message(bot: Harness) -> None:
    """Due at 05:00 for Bob, who starts at 09:00: his reminder waits for 09:00, and his morning message,
    due then too (not at 08:30, before his day starts), does not repeat it."""
    bot.services.people.get("U0BOB")
    with bot.db() as s:
        s.execute(update(UserProfile).where(UserProfile.user_id == "U0BOB").values(work_start="09:00"))
    bot.command("/account", "add Acme Corp status:partner owner:<@U0ALICE|alice>")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 5am for <@U0BOB|bob>")
    assert "outside their working hours" in bot.last_text()

    run_at(bot, at(2026, 11, 24, 13, 30))  # 08:30 in New York: the reminder waits, and so does the morning
    assert bot.dms("U0BOB") == []
    run_at(bot, at(2026, 11, 24, 14))  # 09:00: the reminder, alone
    (reminder,) = bot.dms("U0BOB")
    assert "send the proposal" in text(reminder)

    run_at(bot, at(2026, 11, 25, 14))  # still open the next morning (09:00 for him): now overdue news
    morning = bot.dms("U0BOB")[-1]
    assert "*send the proposal* for *Acme Corp* was due Tue 24 Nov, 05:00" in text(morning)


def test_an_overdue_gold_account_is_not_also_listed_as_gone_quiet(bot: Harness) -> None:
    gold_visited_in_june(bot, "Acme Corp", "<@U0ALICE|alice>")  # a partner: no inactivity rule
    bot.command("/account", "set Acme Corp status:customer")  # customers go quiet after 45 days
    run_at(bot, at(2026, 11, 24, 7, 30))
    (morning,) = bot.dms("U0ALICE")
    body = text(morning)
    assert "*Acme Corp* (gold) not visited" in body
    assert "Gone quiet" not in body and "no activity for" not in body
