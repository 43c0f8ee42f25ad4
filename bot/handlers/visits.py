"""/visit (plans), and the Done / No-show buttons of visit reminders."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy import select

from bot.blocks.common import Block, section
from bot.blocks.help import help_blocks
from bot.blocks.log import logged_blocks
from bot.blocks.visits import (
    BOOK_MODAL,
    DONE_ACTION,
    NOSHOW_ACTION,
    book_modal,
    booked_blocks,
    plan_created_blocks,
    plan_list_blocks,
    when_label,
)
from bot.domain import accounts as acc
from bot.domain import activities, noshows, permissions, visits
from bot.domain.dates import local_datetime
from bot.domain.errors import UserError
from bot.domain.recurrence import RULE_STARTERS, VISIT_EXAMPLE, parse_recurrence
from bot.domain.text import escape, mention, titled
from bot.handlers.common import deliver_to_message, reply, reply_error, team_of
from bot.reminders import visit_planning
from bot.reminders.visit_renderers import RENDERERS
from bot.services import Services
from bot.storage.models import Account, Task, VisitPlan

STOP_EXAMPLE = "/visit stop Acme Corp"


def install(services: Services) -> None:
    """Plug the feature into the extension points (hooks, renderers, passes, card)."""
    services.activity_hooks.append(visit_planning.activity_hook(services))
    services.card_sections.append(visit_planning.card_section(services))
    services.renderers.update(RENDERERS)
    services.planning_passes.append(visit_planning.plan_visits)


def split_account_and_rule(text: str) -> list[tuple[str, str]]:
    """Every (account, rule) split: rules that start with a rule word (every, on, quarterly …) first,
    then the shortest account name first (so an unknown account is reported without the rule's words)."""
    words = text.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return sorted(splits, key=lambda s: s[1].split()[0].lower() not in RULE_STARTERS)


def typed_account(text: str) -> str:
    verb, _, rest = text.partition(" ")
    if verb.lower() == "stop":
        return rest.strip()
    splits = split_account_and_rule(text)
    return splits[0][0] if splits else text


def run_visit_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    verb, _, rest = text.partition(" ")
    if verb.lower() in ("", "help"):
        reply(respond, help_blocks("/visit"))
    elif verb.lower() == "list":
        _list(services, rest.strip().lower(), user_id, respond, team_id)
    elif verb.lower() == "stop":
        _stop(services, rest.strip(), user_id, respond, team_id)
    else:
        _plan(services, text, user_id, respond, team_id)


def _plan(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    splits = split_account_and_rule(text)
    if not splits:
        raise UserError("Put the account first, then how often.", VISIT_EXAMPLE)
    order = services.people.get(user_id).date_order  # how the writer types dates
    with services.uow() as session:
        ctx = visit_planning.planning_context(services, session)
        whole = acc.resolve(session, text, team_id=team_id).account
        if whole is not None:
            raise UserError(
                f"How often should {whole.name} be visited? Put it after the name.",
                f"/visit {whole.name} every 4 months",
            )
        chosen = None
        unknown_name: str | None = None  # the rule reads well but the account is unknown
        known_error: UserError | None = None  # the account is known but the rule doesn't read
        first_error: UserError | None = None
        for name, rule in splits:
            account = acc.resolve(session, name, team_id=team_id).account
            tz = ctx.person(account.owner_id if account and account.owner_id else user_id)[0]
            try:
                recurrence = parse_recurrence(rule, ctx.now.astimezone(tz), order=order)
            except UserError as err:
                first_error = first_error or err
                if account is not None and rule.split()[0].lower() in RULE_STARTERS:
                    known_error = known_error or err
                continue
            if account is not None:
                chosen = (account, recurrence, tz)
                break
            unknown_name = unknown_name or name
        if chosen is None:
            if known_error is not None:
                raise known_error
            if unknown_name is not None:
                acc.require(session, unknown_name, example=VISIT_EXAMPLE, team_id=team_id)  # raises
            assert first_error is not None
            raise first_error
        account, recurrence, tz = chosen
        permissions.require(session, user_id, permissions.CHANGE, account)
        replaced = recurrence.rrule is not None and any(
            visits.recurs_explicitly(p) for p in visits.active_plans(session, account.id)
        )
        plan, touched = visits.create_plan(session, ctx, account, recurrence, tz=tz, created_by=user_id)
        words = visits.plan_words(plan, account, now=ctx.now)
        task = visits.current_task(session, plan)
        next_when = when_label(task.due_at, tz, all_day=task.all_day, now=ctx.now) if task else None
        if next_when is None:
            local_first = recurrence.first.astimezone(tz)
            next_when = when_label(local_first, tz, all_day=not recurrence.has_time, now=ctx.now)
        whose = "your time" if account.owner_id in (None, user_id) else "the owner's time"
        blocks = plan_created_blocks(
            account.name, words, next_when, replaced=replaced, zone=f"{whose}, {tz.key}"
        )
        if not account.owner_id:
            blocks.append(
                section(
                    f":warning: *{escape(account.name)}* has no owner, so nobody is reminded yet. "
                    f"`/account set {escape(account.name)} owner:@someone`"
                )
            )
        elif account.owner_id != user_id:
            blocks.append(section(f"Reminders go to the owner, {mention(account.owner_id)}."))
    reply(respond, blocks)
    services.changed(user_id, *touched)


def _list(services: Services, scope: str, user_id: str, respond: Respond, team_id: str) -> None:
    if scope not in ("", "all", "mine"):
        raise UserError(
            "`/visit list` shows your accounts' plans; `/visit list all` everyone's.", "/visit list all"
        )
    now = services.clock.now()
    with services.uow() as session:
        stmt = select(Account).where(Account.team_id == team_id).order_by(Account.name_key)
        if scope != "all":
            stmt = stmt.where(Account.owner_id == user_id)
        lines = []
        for account in session.scalars(stmt):
            summary = visit_planning.plan_summary(services, session, account, now)
            if summary is None:
                continue
            words, next_text, _ = summary
            owner = f" · {mention(account.owner_id)}" if scope == "all" else ""
            lines.append(f"• *{escape(account.name)}*: {words} · next {next_text}{owner}")
    reply(respond, plan_list_blocks(lines, "for everyone" if scope == "all" else "for your accounts"))


def _stop(services: Services, name: str, user_id: str, respond: Respond, team_id: str) -> None:
    with services.uow() as session:
        ctx = visit_planning.planning_context(services, session)
        account = acc.require(session, name, example=STOP_EXAMPLE, team_id=team_id)
        permissions.require(session, user_id, permissions.CHANGE, account)
        stopped, touched = visits.stop_plans(session, ctx, account)
        account_name = account.name
        tier_plan = visits.effective_plan(session, account)
        fallback = visits.plan_words(tier_plan, account, now=ctx.now) if tier_plan is not None else None
    if not stopped:
        reply(respond, [section(f"*{escape(account_name)}* has no `/visit` plan to stop.")])
        return
    text = f":octagonal_sign: Stopped the visit plan for *{escape(account_name)}*; its pending reminders are cancelled."
    if fallback:
        text += f"\nThe tier cadence applies again: {fallback}."
    reply(respond, [section(text)])
    services.changed(user_id, *touched)


def log_for_task(services: Services, task_id: int, user_id: str, *, noshow: bool) -> list[dict[str, Any]]:
    """Done (log the plan's activity) or No-show (log a no-show) from a visit reminder."""
    person = services.people.get(user_id)
    now = services.clock.now()
    with services.uow() as session:
        task = session.get(Task, task_id)
        account = session.get(Account, task.account_id) if task else None
        if task is None or account is None:
            return [section("That visit no longer exists.")]
        if task.status != "open":  # pressed twice, or on a copy: one no-show, one rebooking task
            state = "closed as a no-show" if task.status == visits.MISSED else task.status
            return [section(f"*{escape(titled(task.title, account.name))}* is already {state}.")]
        permissions.require(session, user_id, permissions.CHANGE, task)  # whoever presses, wherever
        plan = session.get(VisitPlan, task.visit_plan_id) if task.visit_plan_id else None
        activity_type = noshows.NOSHOW if noshow else (plan.activity_type if plan else "visit")
        logged = activities.log_activity(
            session,
            account=account,
            activity_type=activity_type,
            user_id=user_id,
            occurred_at=now,
            notes="",
            source="button",
            now=now,
            hooks=services.activity_hooks,
        )
        if task.status == "open":  # a no-show closes the occurrence; a visit outside the cycle still counts
            if noshow:
                visits.miss_task(session, task, now)
            else:
                visits.complete_task(session, task, now)
            visits.sync_account(session, visit_planning.planning_context(services, session, now), account)
        blocks = logged_blocks(
            logged.activity, account, logged.consequences, services.playbook, person.tz, now=now
        )
        assignee = task.assignee_id
    services.changed(user_id, assignee)
    return blocks


def booking_form(services: Services, task_id: int, user_id: str, response_url: str | None) -> Block | None:
    """Done pressed before the planned day means "slot booked": the form asking when. ``None`` on
    the day (or later), or when the task is not an open visit: then Done logs it."""
    person = services.people.get(user_id)
    now = services.clock.now()
    with services.uow() as session:
        task = session.get(Task, task_id)
        if task is None or task.status != "open" or task.kind != "visit":
            return None
        permissions.require(session, user_id, permissions.CHANGE, task)
        planned = task.due_at.astimezone(person.tz)
        if planned.date() <= now.astimezone(person.tz).date():
            return None
        at = person.working_hours.start if task.all_day else planned.time()
        metadata = {"t": task.id, "r": response_url}
        account = session.get(Account, task.account_id)
        return book_modal(
            titled(task.title, account.name if account else ""),
            planned.date().isoformat(),
            f"{at:%H:%M}",
            metadata,
        )


def book_slot(services: Services, task_id: int, user_id: str, at: datetime) -> list[Block]:
    """Record the booked slot; the visit is logged only when it happens."""
    person = services.people.get(user_id)
    now = services.clock.now()
    with services.uow() as session:
        task = session.get(Task, task_id)
        account = session.get(Account, task.account_id) if task else None
        if task is None or account is None or task.status != "open":
            return [section("That visit is no longer planned; nothing was booked.")]
        permissions.require(session, user_id, permissions.CHANGE, task)
        assignee = services.people.get_in(session, task.assignee_id)
        visits.book(session, task, account, at, now=now, tz=assignee.tz, hours=assignee.working_hours)
        blocks = booked_blocks(
            titled(task.title, account.name), when_label(at, person.tz, all_day=False, now=now), account.id
        )
        touched = task.assignee_id
    services.changed(user_id, touched)
    return blocks


def read_booking(
    services: Services, user_id: str, values: dict[str, Any]
) -> tuple[datetime | None, dict[str, str]]:
    """The booked instant from the form (in the booker's zone), or the errors to show."""
    day = (values.get("day", {}).get("day") or {}).get("selected_date")
    at = (values.get("time", {}).get("time") or {}).get("selected_time")
    errors: dict[str, str] = {}
    if not day:
        errors["day"] = "Pick the day of the visit."
    if not at:
        errors["time"] = "Pick the time of the visit."
    if errors:
        return None, errors
    tz = services.people.get(user_id).tz
    when = local_datetime(date.fromisoformat(str(day)), time.fromisoformat(str(at)), tz)
    if when < services.clock.now():
        return None, {"day": "That is in the past. Pick the day and time the visit is booked for."}
    return when, {}


def register(app: App, services: Services) -> None:
    install(services)

    @app.view(BOOK_MODAL)
    def slot_booked(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        when, errors = read_booking(services, user_id, view["state"]["values"])
        if when is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        deliver_to_message(client, meta.get("r"), user_id, book_slot(services, int(meta["t"]), user_id, when))

    @app.command("/visit")
    def visit_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_visit_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/visit", text=text, typed=typed_account(text))

    @app.action(DONE_ACTION)
    def visit_done(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        form = booking_form(services, int(action["value"]), body["user"]["id"], body.get("response_url"))
        if form is not None:  # days ahead: "slot booked", not "visited"
            client.views_open(trigger_id=body["trigger_id"], view=form)
            return
        blocks = log_for_task(services, int(action["value"]), body["user"]["id"], noshow=False)
        if body.get("response_url") or (body.get("container") or {}).get("type") != "view":
            reply(respond, blocks, replace=True)

    @app.action(NOSHOW_ACTION)
    def visit_noshow(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        blocks = log_for_task(services, int(action["value"]), body["user"]["id"], noshow=True)
        if body.get("response_url") or (body.get("container") or {}).get("type") != "view":
            reply(respond, blocks, replace=True)
