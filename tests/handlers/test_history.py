"""The audit trail end to end: every kind of change leaves an entry (who, from where, before → after),
/account history and /opportunity history show it newest first and paged, Undo puts a change back."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from bot.domain.dates import format_when
from bot.exporter import AUDIT_HEADER, run_export_audit
from bot.importer import AccountImporter, read_rows
from bot.settings import Settings
from bot.storage.audit import Actor, acting_as, current_actor
from bot.storage.models import Account, AuditEntry, Opportunity, Task
from bot.workers import WorkPool
from tests.helpers import Harness, buttons


def entries(bot: Harness, record_type: str | None = None) -> list[AuditEntry]:
    with bot.db() as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if record_type:
            stmt = stmt.where(AuditEntry.record_type == record_type)
        return list(s.scalars(stmt))


def summary(entry: AuditEntry) -> tuple[Any, ...]:
    return (entry.record_type, entry.action, entry.actor_id, entry.surface)


def acme(bot: Harness) -> Account:
    with bot.db() as s:
        return s.scalars(select(Account).where(Account.name == "Acme Corp")).one()


def test_every_kind_of_change_is_written_with_who_and_from_where(bot: Harness) -> None:
    bot.give_role("U0BOB", "admin")  # Bob changes Alice's account
    bot.command("/account", "add Acme Corp tier:gold owner:<@U0ALICE|alice> mrr:100")
    bot.command("/account", "set Acme Corp tier:silver", user="U0BOB")
    bot.command("/log", "call Acme Corp: pricing")
    bot.click("Undo")  # the call, undone from its confirmation
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/signal", "Acme Corp upsell: asked for 20 more seats", user="U0CAROL")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200')
    bot.command("/visit", "Acme Corp every 4 months")
    now = bot.clock.now()

    account_entries = entries(bot, "account")
    assert [summary(e) for e in account_entries] == [
        ("account", "create", "U0ALICE", "command"),
        ("account", "update", "U0BOB", "command"),
    ]
    assert account_entries[1].changes == {"tier": ["gold", "silver"]}
    assert account_entries[0].changes["name"] == [None, "Acme Corp"] and account_entries[0].at == now
    activity = entries(bot, "activity")
    assert [summary(e) for e in activity] == [
        ("activity", "create", "U0ALICE", "command"),
        ("activity", "update", "U0ALICE", "button"),
    ]
    assert list(activity[1].changes) == ["undone_at"]
    followups = [e for e in entries(bot, "task") if e.changes.get("kind") == [None, "followup"]]
    assert [summary(e) for e in followups] == [("task", "create", "U0ALICE", "command")]
    assert summary(entries(bot, "signal")[0]) == ("signal", "create", "U0CAROL", "command")
    assert [summary(e) for e in entries(bot, "opportunity")] == [
        ("opportunity", "create", "U0ALICE", "command")
    ]
    plans = [summary(e) for e in entries(bot, "visit plan")]
    assert ("visit plan", "create", "U0ALICE", "command") in plans
    assert {e.account_id for e in entries(bot)} == {acme(bot).id}


def test_a_closed_follow_up_and_a_won_opportunity_record_their_fields(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    with bot.db() as s:
        task_id = s.scalars(select(Task.id)).one()
    bot.command("/followup", f"done {task_id}")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200')
    with bot.db() as s:
        number = s.scalars(select(Opportunity.id)).one()
    bot.command("/opportunity", f"won {number}")
    done = entries(bot, "task")[-1]
    assert (done.action, done.record_id, done.changes["status"]) == ("update", str(task_id), ["open", "done"])
    won = entries(bot, "opportunity")[-1]
    assert won.changes["status"] == ["open", "won"] and won.record_id == str(number)


def test_team_changes_are_audited_too(bot: Harness) -> None:
    bot.command("/team", "add <@U0DANA|dana> <@U0ALICE|alice>", user="U0DANA")
    members = entries(bot, "team member")
    assert [(e.action, e.record_id, e.actor_id) for e in members] == [("create", "T_LOCAL:U0ALICE", "U0DANA")]
    assert members[0].changes["manager_id"] == [None, "U0DANA"]
    bot.command("/team", "remove <@U0DANA|dana> <@U0ALICE|alice>", user="U0DANA")  # a bulk delete
    removed = entries(bot, "team member")[-1]
    assert (removed.action, removed.record_id, removed.changes["manager_id"]) == (
        "delete",
        "T_LOCAL:U0ALICE",
        ["U0DANA", None],
    )


def test_history_shows_who_did_what_newest_first_escaped(bot: Harness) -> None:
    bot.give_role("U0BOB", "admin")  # Bob changes Alice's account
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "set Acme Corp tags:<!channel>", user="U0BOB")
    bot.command("/account", "set Acme Corp mrr:4200 tier:gold")
    bot.command("/account", "history Acme Corp", user="U0CAROL")
    text = bot.last_text()
    assert (
        text.index("mrr — → 4,200; tier — → gold") < text.index("tags — →") < text.index("created *account*")
    )
    assert "<@U0ALICE> (command)" in text and "<@U0BOB> (command)" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "That is the whole history." in text


def test_history_reads_values_as_the_rest_of_the_product_writes_them(bot: Harness) -> None:
    """Dates by the one formatter in the reader's zone, yes/no, the account's name in the bot's
    titles, no bookkeeping numbers: never raw stored values."""
    bot.command("/account", "add Acme Corp tier:gold")
    bot.command("/visit", "Acme Corp tomorrow 10am")
    bot.command("/followup", "Acme Corp: send the deck tomorrow")
    bot.command("/followup", "done 1")
    bot.command("/account", "history Acme Corp")
    text = bot.last_text()
    assert "{account}" not in text and "Visit Acme Corp" in text
    assert "True" not in text and "False" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)
    assert "number —" not in text
    with bot.db() as s:
        done_at = s.scalars(select(Task.completed_at).where(Task.completed_at.is_not(None))).one()
    assert format_when(done_at.replace(tzinfo=UTC), ZoneInfo("Europe/Paris"), now=bot.clock.now()) in text


def test_history_is_paged_with_an_older_button(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    for mrr in range(1, 13):
        bot.command("/account", f"set Acme Corp mrr:{mrr}00")
    bot.command("/account", "history Acme Corp")
    first = bot.last_text()
    assert "mrr 1,100 → 1,200" in first and "created *account*" not in first
    bot.click("Older changes")
    older = bot.last_text()
    assert "mrr 100 → 200" in older and "created *account*" in older and "mrr 1,100 → 1,200" not in older
    assert bot.last_reply().get("replace_original") is True


def test_undo_puts_back_your_last_change(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold mrr:100")
    bot.command("/account", "set Acme Corp tier:silver mrr:250")
    bot.command("/account", "history Acme Corp")
    history = bot.last_reply()["blocks"]
    assert len([b for b in buttons(history) if b["text"]["text"] == "Undo"]) == 1
    bot.click("Undo", blocks=history)
    assert "Undone" in bot.last_text()
    account = acme(bot)
    assert (account.tier, account.mrr) == ("gold", 100)
    undo = entries(bot, "account")[-1]
    assert (undo.surface, undo.undo_of, undo.changes) == (
        "button",
        entries(bot, "account")[-2].id,
        {"mrr": [250, 100], "tier": ["silver", "gold"]},
    )
    bot.click("Undo", blocks=history)  # pressed again: the record changed since (the undo)
    assert "changed again since" in bot.last_text()
    assert (acme(bot).tier, acme(bot).mrr) == ("gold", 100)


def test_nobody_else_can_undo_your_change(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold")
    bot.command("/account", "set Acme Corp tier:silver")
    bot.command("/account", "history Acme Corp", user="U0BOB")
    assert not [b for b in buttons(bot.last_reply()["blocks"]) if b["text"]["text"] == "Undo"]
    bot.command("/account", "history Acme Corp")
    alices = bot.last_reply()["blocks"]
    before = bot.count(AuditEntry)
    bot.click("Undo", blocks=alices, user="U0BOB")  # a forwarded button gives no extra rights
    assert "Only the person who made a change can undo it." in bot.last_text()
    assert acme(bot).tier == "silver" and bot.count(AuditEntry) == before


def test_a_status_change_cannot_be_undone_from_the_history(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified')
    with bot.db() as s:
        number = s.scalars(select(Opportunity.id)).one()
    bot.command("/opportunity", f"set {number} stage:proposal")
    bot.command("/opportunity", f"history {number}")
    assert "stage qualified → proposal" in bot.last_text()
    bot.click("Undo")
    with bot.db() as s:
        assert s.get(Opportunity, number).stage == "qualified"  # type: ignore[union-attr]
    bot.command("/opportunity", f"won {number}")
    bot.command("/opportunity", f"history {number}")
    assert "status open → won" in bot.last_text()
    assert not [b for b in buttons(bot.last_reply()["blocks"]) if b["text"]["text"] == "Undo"]


def test_history_of_an_unknown_account_writes_nothing(bot: Harness) -> None:
    bot.command("/account", "history Nowhere Inc")
    assert "Example: `/account history Acme Corp`" in bot.last_text()
    assert bot.count(AuditEntry) == 0


def test_opportunity_history_without_a_number_asks_for_one(bot: Harness) -> None:
    bot.command("/opportunity", "history")
    text = bot.last_text()
    assert "Which opportunity? Give its number" in text and "Example: `/opportunity history 12`" in text
    assert "“”" not in text


def test_an_import_is_audited_as_an_import(bot: Harness) -> None:
    header = "name,status,tier,tags,owner,csm,mrr,renewal_date,external_id\n"
    for text in (
        header + "Acme Corp,customer,gold,,U0ALICE,,100,,\n",
        header + "Acme Corp,customer,silver,,U0ALICE,,100,,\n",
    ):
        _, rows = read_rows(io.StringIO(text))
        AccountImporter(
            bot.session_factory, bot.services.playbook, now=bot.clock.now(), lookup_email=None
        ).run(rows)
    assert [(e.action, e.surface, e.actor_id) for e in entries(bot)] == [
        ("create", "import", None),
        ("update", "import", None),
    ]
    assert entries(bot)[1].changes == {"tier": ["gold", "silver"]}
    assert {e.record_id for e in entries(bot)} == {str(acme(bot).id)}


def test_export_audit_since(bot: Harness, engine: Engine) -> None:
    bot.give_role("U0BOB", "admin")  # Bob changes Alice's account
    bot.command("/account", "add Acme Corp tier:gold")
    bot.clock.advance(days=3)
    bot.command("/account", "set Acme Corp tier:silver", user="U0BOB")
    since = bot.clock.now().date().isoformat()
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    assert run_export_audit(settings, since=since, out=out, err=err) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(AUDIT_HEADER)
    assert [(r["actor_id"], r["surface"], r["record_type"], r["action"], r["changes"]) for r in rows] == [
        ("U0BOB", "command", "account", "update", '{"tier": ["gold", "silver"]}')
    ]
    assert run_export_audit(settings, since="last week", out=io.StringIO(), err=err) == 2
    assert "--since 2026-11-01" in err.getvalue()


def test_entries_commit_and_roll_back_with_the_change(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    count = bot.count(AuditEntry)
    bot.command("/account", "add acme corp")  # refused: nothing written, no entry either
    with bot.db() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == count


def test_work_after_the_ack_is_attributed_to_who_sent_the_request() -> None:
    pool = WorkPool("audit-test", workers=1)
    seen: list[Actor] = []
    with acting_as("U0ALICE", "button"):
        assert pool.submit(lambda: seen.append(current_actor()))
    assert pool.join(timeout=5)
    assert seen == [Actor("U0ALICE", "button")] and current_actor().surface == "automation"


def test_stage_moves_and_buying_team_changes_are_audited_on_the_account(bot: Harness) -> None:
    bot.give_role("U0BOB", "admin")  # Bob and Carol change what is on Alice's account
    bot.give_role("U0CAROL", "admin")
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/contact", 'add Acme Corp "Jane Doe" role:champion')
    bot.command("/contact", 'set "Jane Doe" stage:evaluating reason:"asked for the ROI study"', user="U0BOB")
    moves = entries(bot, "contact stage change")
    account_id = acme(bot).id
    assert [(e.action, e.actor_id, e.account_id, e.changes["to_stage"][1]) for e in moves] == [
        ("create", "U0ALICE", account_id, "unaware"),
        ("create", "U0BOB", account_id, "evaluating"),
    ]
    assert moves[1].changes["reason"] == [None, "asked for the ROI study"]

    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200')
    with bot.db() as s:
        number = s.scalars(select(Opportunity.id)).one()
    bot.command("/opportunity", f'team {number} add "Jane Doe"', user="U0CAROL")
    bot.command("/opportunity", f'team {number} remove "Jane Doe"')  # a bulk delete
    team = entries(bot, "opportunity team member")
    assert [(e.action, e.actor_id, e.account_id) for e in team] == [
        ("create", "U0CAROL", account_id),
        ("delete", "U0ALICE", account_id),
    ]
    bot.command("/account", "history Acme Corp")
    text = bot.last_text()
    assert "created *opportunity team member" in text and "deleted *opportunity team member" in text
    assert "created *contact stage change" in text and "to stage evaluating" in text


def test_history_names_a_follow_up_by_its_assignees_number_not_its_row(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex")
    bot.command("/followup", "Globex: unrelated tomorrow")  # takes a row id, not Acme's numbers
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am for <@U0BOB|bob>")
    bot.command("/followup", "cancel <@U0BOB|bob> 1")
    bot.command("/account", "history Acme Corp")
    text = bot.last_text()
    assert "changed *follow-up <@U0BOB> #1*: completed at" in text
    assert "created *follow-up <@U0BOB> #1*" in text
    assert "task #" not in text
