"""/followup and every button on follow-up messages (confirmation, due reminder DM, list, What's next?)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import followups as fb
from bot.blocks.common import Block, error_blocks, fallback_text
from bot.blocks.help import help_blocks
from bot.domain import accounts as acc
from bot.domain import followups, permissions
from bot.domain.errors import UserError
from bot.domain.followup_rules import make_activity_hook
from bot.domain.followup_text import (
    FOLLOWUP_EXAMPLE,
    SNOOZE_WORDS,
    SNOOZES,
    ByNumber,
    day_due,
    due_instant,
    in_days_due,
    parse_by_number,
    parse_followup_text,
    snooze_to,
    snooze_until,
    split_what_when,
)
from bot.domain.text import ACCOUNT_SLOT
from bot.domain.workhours import holiday_of
from bot.handlers import payloads
from bot.handlers.accounts import card_blocks
from bot.handlers.common import reply, reply_error, team_of
from bot.handlers.in_place import origin, update_origin
from bot.people import Person, cached_person
from bot.reminders.followups import REMINDER_KIND, render_followup_due, schedule
from bot.services import Services
from bot.storage.models import Account, Task

log = logging.getLogger(__name__)
# What a command names a follow-up by: its row id (a button) or a person's number (a command).
Ref = int | ByNumber
_LIST_PAGE = re.compile(r"^list\s+(?:page\s+)?(\d{1,4})$")


def run_followup_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    verb = text.strip().lower()
    if verb in ("", "help"):
        reply(respond, help_blocks("/followup"))
        return
    if verb == "list":
        _list(services, user_id, respond)
        return
    if (page := _LIST_PAGE.match(verb)) is not None:
        _list(services, user_id, respond, page=max(1, int(page.group(1))))
        return
    by_number = parse_by_number(text)
    if by_number is not None:
        if by_number.verb == "snooze":
            reply(respond, _move(services, by_number, user_id, choice=None, day=None, until=by_number.rest))
        else:
            reply(respond, _close(services, by_number, user_id, done=by_number.verb == "done"))
        return
    _create(services, text, user_id, respond, team_id)


def _schedule_and_confirm(
    services: Services,
    session: Session,
    task: Task,
    account: Account,
    assignee: Person,
    *,
    viewer_id: str,
    viewer_tz: ZoneInfo,
    now: datetime,
    heading: str = fb.CREATED_HEADING,
) -> list[Block]:
    """Schedule a new follow-up's reminder in the assignee's zone and hours; what its creator sees."""
    scheduled = schedule(
        session,
        task,
        account,
        tz=assignee.tz,
        hours=assignee.working_hours,
        playbook=services.playbook,
        now=now,
    )
    return fb.created_blocks(
        task,
        account,
        viewer_id=viewer_id,
        viewer_tz=viewer_tz,
        assignee_tz=assignee.tz,
        deliver_at=scheduled.deliver_at,
        channel_id=scheduled.channel_id,
        heading=heading,
        holiday=holiday_of(task.due_at, assignee.working_hours, assignee.tz),
    )


def _create(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    spec = parse_followup_text(text)
    assignee_id = spec.assignee_id or user_id
    requester = services.people.get(user_id)
    assignee = services.people.get(assignee_id) if assignee_id != user_id else requester
    now = services.clock.now()
    # The assignee's clock, the writer's way of writing dates.
    wanted = split_what_when(
        spec.body, now.astimezone(assignee.tz), order=requester.date_order, account=spec.account
    )
    due = due_instant(wanted.when, now, assignee.working_hours, assignee.tz)
    with services.uow() as session:
        account = acc.require(session, spec.account, example=FOLLOWUP_EXAMPLE, team_id=team_id)
        task = followups.create(
            session,
            account=account,
            title=wanted.what,
            assignee_id=assignee_id,
            created_by=user_id,
            due_at=due,
            all_day=not wanted.when.has_time,
            now=now,
            channel_id=spec.channel_id,
        )
        blocks = _schedule_and_confirm(
            services, session, task, account, assignee, viewer_id=user_id, viewer_tz=requester.tz, now=now
        )
    reply(respond, blocks)
    services.changed(user_id, assignee_id)


def _list(services: Services, user_id: str, respond: Respond, page: int = 1) -> None:
    person = services.people.get(user_id)
    now = services.clock.now()
    with services.uow() as session:
        rows = followups.open_for_assignee(session, user_id, offset=(page - 1) * fb.PAGE_SIZE)
        total = followups.count_open_for_assignee(session, user_id)
        blocks = fb.list_blocks(rows, total, tz=person.tz, now=now, page=page)
    reply(respond, blocks)


def _task(session: Session, ref: Ref, user_id: str) -> Task:
    """The follow-up a button (row id) or a command (a person's number) names."""
    if isinstance(ref, ByNumber):
        return followups.by_number(session, ref.number, user_id=user_id, assignee_id=ref.assignee_id)
    return followups.find(session, ref)


def _close(services: Services, ref: Ref, user_id: str, *, done: bool) -> list[Block]:
    now = services.clock.now()
    with services.uow() as session:
        found = _task(session, ref, user_id)
        if done:
            task = followups.complete(session, found, user_id=user_id, now=now)
        else:
            task = followups.cancel(session, found, user_id=user_id, now=now)
        account = session.get(Account, task.account_id)
        assert account is not None
        blocks = (
            fb.done_blocks(task, account, viewer_id=user_id)
            if done
            else fb.closed_blocks(task, account, "Cancelled", viewer_id=user_id)
        )
        people = (task.assignee_id, task.created_by)
    services.changed(*people)
    return blocks


def _move(
    services: Services,
    ref: Ref,
    user_id: str,
    *,
    choice: str | None,
    day: date | None,
    until: str | None = None,
) -> list[Block]:
    """Snooze (``choice``, or ``until`` as typed) or reschedule to a day; computed in the assignee's
    zone and working hours."""
    writer = services.people.get(user_id)  # refresh the clicker's profile outside the transaction
    now = services.clock.now()
    with services.uow() as session:
        task = followups.for_change(session, _task(session, ref, user_id), user_id)
        account = session.get(Account, task.account_id)
        assert account is not None
        person = services.people.get_in(session, task.assignee_id)  # looked up if never seen or old
        hours, tz = person.working_hours, person.tz
        if until is not None and until.lower() in SNOOZE_WORDS:
            choice = SNOOZE_WORDS[until.lower()]
        if choice is not None:
            due, all_day, how = snooze_until(choice, now, hours, tz), False, f"Snoozed ({SNOOZES[choice]})"
        elif until is not None:
            due, all_day = snooze_to(until, now, hours, tz, order=writer.date_order)
            how = "Snoozed"
        else:
            assert day is not None
            try:
                due = day_due(day, now, hours, tz)
            except UserError as err:
                return fb.reminder_blocks(
                    task, account, assignee_tz=tz, now=now, note=f":warning: {err.message}"
                )
            all_day, how = True, "Rescheduled"
        followups.move(session, task, due, all_day=all_day)
        scheduled = schedule(session, task, account, tz=tz, hours=hours, playbook=services.playbook, now=now)
        blocks = fb.moved_blocks(
            task, account, tz=tz, how=how, viewer_id=user_id, now=now, deliver_at=scheduled.deliver_at
        )
        people = (task.assignee_id, task.created_by)
    services.changed(*people)
    return blocks


def _next(
    services: Services,
    account_id: int,
    user_id: str,
    *,
    title: str | None,
    due_for: Callable[[datetime, Person], datetime],
) -> list[Block]:
    """Create the next follow-up for the account (a day, no time), assigned to whoever asked for it."""
    person = services.people.get(user_id)
    now = services.clock.now()
    due = due_for(now, person)
    with services.uow() as session:
        account = session.get(Account, account_id)
        if account is None:
            return fb.info_blocks("That account no longer exists.")
        task = followups.create(
            session,
            account=account,
            title=title or f"Follow up with {ACCOUNT_SLOT}",
            assignee_id=user_id,
            created_by=user_id,
            due_at=due,
            all_day=True,
            now=now,
        )
        blocks = _schedule_and_confirm(
            services,
            session,
            task,
            account,
            person,
            viewer_id=user_id,
            viewer_tz=person.tz,
            now=now,
            heading=":arrow_forward: Next follow-up set",
        )
    services.changed(user_id)
    return blocks


def _account_view(services: Services, task_id: int, user_id: str) -> list[Block]:
    """The account card under the task's actions (while it is open), so nothing is lost."""
    with services.uow() as session:
        task = followups.find(session, task_id)
        account_id = task.account_id
        head: list[Block] = []
        account = session.get(Account, account_id)
        if task.status == "open" and account is not None:
            assignee = cached_person(session, task.assignee_id, services.playbook)
            head = fb.reminder_blocks(task, account, assignee_tz=assignee.tz, now=services.clock.now())
    return head + card_blocks(services, account_id, user_id)


def install(services: Services) -> None:
    """Plug follow-ups into the shared extension points (renderer, activity hook, card section)."""
    services.renderers[REMINDER_KIND] = render_followup_due
    services.activity_hooks.append(make_activity_hook(lambda: services.playbook))
    services.card_sections.append(
        lambda session, account, now: fb.card_section(
            followups.open_for_account(session, account.id),
            followups.count_open_for_account(session, account.id),
            account.name,
            now=now,
        )
    )


def register(app: App, services: Services) -> None:
    install(services)

    @app.command("/followup")
    def followup_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_followup_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/followup", text=text, typed=_typed_account(text))

    def button_reply(respond: Respond, build: Callable[[], list[Block]]) -> None:
        """Replace the message the button was on: with the result, or with why it could not be done."""
        try:
            blocks = build()
        except permissions.PermissionDenied as err:  # only to the presser: the message stays
            reply(respond, error_blocks(err))
            return
        except UserError as err:
            reply(respond, fb.info_blocks(err.message), replace=True)
            return
        reply(respond, blocks, replace=True)

    @app.action(fb.UNDO)
    def undo(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, task_id = body["user"]["id"], payloads.row_id(action.get("value"))
        button_reply(respond, lambda: _close(services, task_id, user_id, done=False))

    @app.action(fb.DONE)
    def done(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, task_id = body["user"]["id"], payloads.row_id(action.get("value"))
        button_reply(respond, lambda: _close(services, task_id, user_id, done=True))

    @app.action(re.compile("^" + re.escape(fb.SNOOZE_PREFIX) + "(1h|tomorrow|week)$"))
    def snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        choice = action["action_id"].removeprefix(fb.SNOOZE_PREFIX)
        user_id, task_id = body["user"]["id"], payloads.row_id(action.get("value"))
        button_reply(respond, lambda: _move(services, task_id, user_id, choice=choice, day=None))

    @app.action(fb.RESCHEDULE)
    def reschedule(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        task_id = payloads.row_id(str(action.get("block_id", "")).removeprefix("followup:"))
        day = payloads.day(action.get("selected_date"))
        user_id = body["user"]["id"]
        button_reply(respond, lambda: _move(services, task_id, user_id, choice=None, day=day))

    @app.action(fb.MOVE_TO_DAY)
    def move_to_day(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        raw_id, _, raw_day = str(action.get("value")).partition(":")
        task_id, day = payloads.row_id(raw_id), payloads.day(raw_day)
        user_id = body["user"]["id"]
        button_reply(respond, lambda: _move(services, task_id, user_id, choice=None, day=day))

    @app.action(fb.OPEN_ACCOUNT)
    def open_account(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        task_id = payloads.row_id(action.get("value"))
        button_reply(respond, lambda: _account_view(services, task_id, body["user"]["id"]))

    @app.action(re.compile("^" + re.escape(fb.NEXT_PREFIX) + r"([0-9]{1,3})$"))
    def next_in_days(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        days = int(action["action_id"].removeprefix(fb.NEXT_PREFIX))
        account_id = payloads.id_in(payloads.payload(action.get("value")), "a")

        def due_for(now: datetime, person: Person) -> datetime:
            return in_days_due(days, now, person.working_hours, person.tz)

        button_reply(
            respond, lambda: _next(services, account_id, body["user"]["id"], title=None, due_for=due_for)
        )

    @app.action(fb.NEXT_CUSTOM)
    def next_custom(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        account_id = payloads.id_in(payloads.payload(action.get("value")), "a")
        local_today = services.clock.now().astimezone(services.people.tz(body["user"]["id"])).date()
        with services.uow() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise UserError(payloads.GONE_ACCOUNT)
            view = fb.next_modal(
                account,
                (local_today + timedelta(days=7)).isoformat(),
                {"a": account.id, **origin(body)},
            )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(fb.NEXT_MODAL)
    def next_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        values = view["state"]["values"]
        title = (values.get("what", {}).get("what", {}).get("value") or "").strip()
        picked = values.get("date", {}).get("date", {}).get("selected_date")
        meta = payloads.metadata(view)
        account_id = payloads.id_in(meta, "a")
        person = services.people.get(user_id)
        now = services.clock.now()
        errors: dict[str, str] = {}
        if not title:
            errors["what"] = "Say what the next step is."
        due = now
        if not picked:
            errors["date"] = "Pick a day."
        else:
            try:
                due = day_due(payloads.day(picked), now, person.working_hours, person.tz)
            except UserError as err:
                errors["date"] = err.message
        with services.uow(read_only=True) as session:
            if session.get(Account, account_id) is None:  # deleted meanwhile, or another workspace's
                errors["what"] = f"{payloads.GONE_ACCOUNT} Nothing was saved."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        blocks = _next(services, account_id, user_id, title=title, due_for=lambda _n, _p: due)
        _deliver_to_message(client, meta, user_id, blocks)


def _deliver_to_message(client: WebClient, meta: dict[str, Any], user_id: str, blocks: list[Block]) -> None:
    """Replace what the form was opened from (its item only, in a bundled message); a DM if that is
    no longer possible."""
    if not update_origin(client, meta, blocks):
        client.chat_postMessage(channel=user_id, text=fallback_text(blocks), blocks=blocks)


def _typed_account(text: str) -> str:
    try:
        return parse_followup_text(text).account
    except UserError:
        return ""
