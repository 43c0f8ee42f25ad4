"""The weekly digest and personal summaries on the known world: when they go (each person's own Monday
08:30; a DM in its recipient's working time), exactly once, what they say, what the chart draws, and the upload through files upload v2."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.charts import digest as chart
from bot.domain import digest
from bot.domain.periods import Period
from bot.domain.workhours import is_working_time
from bot.reminders.digest import TEAM_DIGEST, WEEKLY_SUMMARY, weekly_pass
from bot.storage.models import Reminder, UserProfile
from tests.helpers import Harness, all_text
from tests.insight.conftest import ALICE, MGR, MGR2, at

# Monday 30 November 2026, 13:29 UTC: 08:29 in New York (U0MGR, Bob), 14:29 in Paris (Alice),
# 22:29 in Tokyo (U0MGR2, Kenji), 13:29 for Carol (UTC).
BEFORE_NEW_YORK = datetime(2026, 11, 30, 13, 29, tzinfo=UTC)
FROM_TUESDAY = ["tue", "wed", "thu", "fri", "sat"]


def run_weekly(bot: Harness) -> None:
    """The weekly pass and delivery at the clock's now (without the other planning passes, so the
    figures stay those of the seeded world)."""
    weekly_pass(bot.services, bot.clock.now())
    bot.deliver()


def queued(bot: Harness, kind: str) -> list[str]:
    with bot.db() as s:
        rows = s.query(Reminder).filter(Reminder.kind == kind).order_by(Reminder.id).all()
        return [str(r.payload["user"]) for r in rows]


def plan(bot: Harness) -> None:
    bot.command("/targets", f"{ALICE} calls:1/week meetings:3/month", user="U0MGR")
    bot.command("/targets", "team calls:2/week", user="U0MGR")


def test_each_manager_and_rep_at_their_own_monday_morning_exactly_once(world: Harness) -> None:
    bot = world
    bot.command("/salesbot", "nudges off weekly", user="U0CAROL")
    bot.clock.set(BEFORE_NEW_YORK)
    run_weekly(bot)
    assert queued(bot, TEAM_DIGEST) == ["U0MGR2"]
    assert sorted(queued(bot, WEEKLY_SUMMARY)) == ["U0ALICE", "U0KENJI"]  # Carol turned it off
    bot.clock.advance(minutes=1)  # 08:30 in New York
    run_weekly(bot)
    run_weekly(bot)
    assert queued(bot, TEAM_DIGEST) == ["U0MGR2", "U0MGR"]
    assert sorted(queued(bot, WEEKLY_SUMMARY)) == ["U0ALICE", "U0BOB", "U0KENJI"]
    for _ in range(3):
        bot.clock.advance(hours=7)
        run_weekly(bot)
    assert len(queued(bot, TEAM_DIGEST)) == 2 and len(queued(bot, WEEKLY_SUMMARY)) == 3
    assert len(bot.fake.uploaded()) == 2
    assert [str(p["text"]) for p in bot.dms("U0MGR") if "week" in str(p["text"])] == [
        "Weekly digest · week of Mon 23 Nov 2026"
    ]
    assert [str(p["text"]) for p in bot.dms("U0ALICE") if "week" in str(p["text"])] == [
        "Your week · week of Mon 23 Nov 2026"
    ]
    bot.clock.set(datetime(2026, 12, 7, 13, 30, tzinfo=UTC))  # the next Monday
    run_weekly(bot)
    assert len(queued(bot, TEAM_DIGEST)) == 4


def test_the_team_digest_text(world: Harness) -> None:
    bot = world
    plan(bot)
    bot.command("/team", f"channel {MGR} <#C0SALES|sales>", user="U0MGR")
    bot.clock.set(datetime(2026, 11, 30, 13, 30, tzinfo=UTC))
    run_weekly(bot)
    posts = bot.posts_in("C0SALES")
    assert len(posts) == 1
    text = all_text(posts[0]["blocks"])
    # The week covered: Monday 23 to Monday 30 November in New York.
    assert "Weekly digest · week of Mon 23 Nov 2026" in text
    assert "<@U0MGR>'s team · 2 people · 2026-W48" in text
    assert "• calls: *0* (week before 0 →) · target 2" in text
    assert "• meetings: *1* (week before 2 ↓)" in text
    assert "• opportunities created: *1* (week before 0 ↑)" in text
    assert "• opportunities won: *2* (week before 0 ↑)" in text
    assert "• MRR won: *4,600* (week before 0 ↑)" in text
    assert "• expansion MRR won (upsell + cross-sell): *600* (week before 0 ↑)" in text
    overdue = text.split("*Most overdue accounts*")[1].split("*Signals")[0]
    assert overdue.strip().splitlines() == [
        "• *Wayne*: 1 open task, the oldest due 11 days ago",
        "• *Acme*: 1 open task, the oldest due 2 days ago",
    ]
    assert "*Signals waiting for a decision* (1)\n• *Umbrella* · upsell · flagged 22 days ago" in text
    assert "*Best of the week*\n• meetings: <@U0ALICE> (1)" in text
    upload = bot.fake.uploaded()[0]
    assert upload.channel == "C0SALES" and upload.title == "Team digest · week of Mon 23 Nov 2026"


def test_the_chart_draws_each_reps_inputs_against_target_and_the_pipeline(world: Harness) -> None:
    plan(world)
    for user in ("U0ALICE", "U0BOB"):
        world.services.people.get(user)  # their names, from Slack
    with world.db() as session:
        week = Period("week", datetime(2026, 11, 23).date(), ZoneInfo("America/New_York"))
        found = digest.team_digest(
            session,
            "U0MGR",
            ["U0ALICE", "U0BOB"],
            week,
            now=world.clock.now(),
            playbook=world.services.playbook,
        )
    data = found.chart
    assert data.reps == ["alice", "bob"] and data.metrics == ["calls", "meetings"]
    assert data.actual == {"calls": [0.0, 0.0], "meetings": [1.0, 0.0]}
    assert data.target["calls"] == [1.0, None]
    assert (
        data.target["meetings"][0] == pytest.approx(3 * 7 / (365.25 / 12))
        and data.target["meetings"][1] is None
    )
    assert (data.stages, data.stage_mrr, data.stage_count) == (
        ["qualified", "proposal"],
        [400.0, 900.0],
        [1, 1],
    )
    figure = chart.draw(data)
    inputs, pipeline = figure.axes
    assert [bar.get_width() for bar in inputs.containers[0]] == [0.0, 0.0]  # calls
    assert [bar.get_width() for bar in inputs.containers[1]] == [1.0, 0.0]  # meetings
    assert [t.get_text() for t in inputs.get_yticklabels()] == ["alice", "bob"]
    assert [bar.get_width() for bar in pipeline.containers[0]] == [400.0, 900.0]
    assert inputs.get_title(loc="left") == "Inputs against target, per rep" and pipeline.get_xlabel() == "MRR"


def test_digest_now_renders_a_png_and_uploads_it_to_the_managers_dm(world: Harness) -> None:
    bot = world
    plan(bot)
    bot.command("/salesbot", "digest now", user="U0MGR")
    assert "The weekly digest of <@U0MGR>'s team is on its way to <@U0MGR> by DM" in bot.last_text()
    bot.deliver()
    methods = [c.method for c in bot.fake.calls() if c.method.startswith(("files.", "upload"))]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (upload,) = bot.fake.uploaded()
    assert upload.content.startswith(b"\x89PNG\r\n\x1a\n") and len(upload.content) > 20_000
    assert upload.length == len(upload.content) and upload.channel == "D0MGR"
    width, height = int.from_bytes(upload.content[16:20], "big"), int.from_bytes(upload.content[20:24], "big")
    assert (width, height) == (900, 600)
    assert "Weekly digest · week of Mon 23 Nov 2026" in all_text(bot.last_dm("U0MGR")["blocks"])


@pytest.mark.parametrize(
    ("user", "text", "message"),
    [
        ("U0ALICE", "now", "You don't lead a team; you are in <@U0MGR>'s"),
        ("U0BOB", f"now {MGR}", "Sorry, you can see your own numbers"),
        ("U0MGR", f"now {MGR2}", "Sorry, you can see your own numbers"),
        ("U0ADMIN", "now", "You have no team yet"),
        ("U0MGR", "later", "I don't know `/salesbot digest later`"),
    ],
)
def test_digest_now_is_for_managers_and_admins(world: Harness, user: str, text: str, message: str) -> None:
    world.command("/salesbot", f"digest {text}", user=user)
    assert message in world.last_text()
    assert world.count(Reminder) == 0


def test_an_admin_asks_for_another_teams_digest(world: Harness) -> None:
    world.command("/salesbot", f"digest now {MGR2}", user="U0ADMIN")
    world.deliver()
    assert "Weekly digest" in all_text(world.last_dm("U0MGR2")["blocks"])


def test_the_personal_summary(world: Harness) -> None:
    bot = world
    plan(bot)
    bot.clock.set(BEFORE_NEW_YORK)
    run_weekly(bot)
    text = all_text(bot.last_dm("U0ALICE")["blocks"])
    # Alice's week in Paris: Monday 23 November 00:00 to Monday 30 November 00:00.
    assert "Your week · week of Mon 23 Nov 2026" in text
    assert "• calls: *0* · target 1 (0 %) · last week 0 →" in text
    assert "• meetings: *1* · target 0.7 (145 %) · last week 1 →" in text
    assert "• opportunities won: *2* · last week 0 ↑" in text
    assert "• *Wayne*: 1 open task, the oldest due 11 days ago" in text
    assert "`/salesbot nudges off weekly` stops this summary" in text


def test_digest_and_summary_dms_arrive_in_each_recipients_own_working_time(world: Harness) -> None:
    """Monday 08:30 is the playbook's time; a DM arrives at the later of that and its recipient's working
    start, in their own zone, on their working days; a post in the team's channel keeps 08:30. Nobody
    here ever used the bot before: their zones come from Slack."""
    bot = world
    bot.command("/team", f"channel {MGR2} <#C0SALES|sales>", user="U0MGR2")  # Hiro's team: a channel
    for user, hours in (("U0ALICE", {"work_start": "10:00"}), ("U0CAROL", {"work_days": FROM_TUESDAY})):
        bot.services.people.get(user)
        with bot.db() as s:
            s.execute(update(UserProfile).where(UserProfile.user_id == user).values(**hours))
    bot.fake.clear()

    def arrived() -> list[tuple[str, str]]:
        texts = [(str(p["channel"]), str(p["text"])) for p in bot.fake.params("chat.postMessage")]
        return [(c, t.partition(" · ")[0]) for c, t in texts if t.startswith(("Weekly digest", "Your week"))]

    timeline = [  # (UTC, what arrives then)
        ("2026-11-29 23:30", [("C0SALES", "Weekly digest")]),  # Monday 08:30 in Tokyo: in the channel
        ("2026-11-29 23:59", []),  # Kenji, in Tokyo too, starts at 09:00
        ("2026-11-30 00:00", [("U0KENJI", "Your week")]),
        ("2026-11-30 07:30", []),  # 08:30 in Paris: Alice starts at 10:00
        ("2026-11-30 08:59", []),
        ("2026-11-30 09:00", [("U0ALICE", "Your week")]),
        ("2026-11-30 13:30", []),  # 08:30 in New York
        ("2026-11-30 14:00", [("U0MGR", "Weekly digest"), ("U0BOB", "Your week")]),  # 09:00 there
        ("2026-12-01 08:59", []),  # Carol (UTC) does not work on Mondays
        ("2026-12-01 09:00", [("U0CAROL", "Your week")]),
    ]
    for when, expected in timeline:
        before = len(arrived())
        bot.clock.set(at(when))
        run_weekly(bot)
        assert sorted(arrived()[before:]) == sorted(expected), when
        for user, _ in expected:
            if user.startswith("U"):
                person = bot.services.people.get(user)
                assert is_working_time(bot.clock.now(), person.working_hours, person.tz), (user, when)
    with bot.db() as s:
        rows = s.query(Reminder).filter(Reminder.kind.in_((TEAM_DIGEST, WEEKLY_SUMMARY))).all()
    assert len(rows) == 6 and {r.status for r in rows} == {"sent"}
