"""/salesbot nudges (what is on, turn kinds on/off) and the buttons of the morning message."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.common import Block, error_blocks, section
from bot.blocks.help import help_blocks
from bot.blocks.nudges import SNOOZE_ACTION, UNSNOOZE_ACTION, preferences_blocks
from bot.domain import nudge_prefs as prefs
from bot.domain import permissions
from bot.domain.dates import format_when
from bot.domain.errors import UserError
from bot.domain.nudge_actions import complete_followup
from bot.domain.text import escape, titled
from bot.handlers.common import reply, reply_error
from bot.handlers.in_place import clicked_line
from bot.reminders import nudging
from bot.services import Services
from bot.storage.models import Account

SNOOZE_DAYS = 7


def run_nudges_command(services: Services, text: str, user_id: str, respond: Respond) -> None:
    command = prefs.parse_nudges_command(text)
    if command.verb == "help":
        reply(respond, help_blocks("/salesbot nudges"))
        return
    person = services.people.get(user_id)  # the profile exists from here on
    now = services.clock.now()
    done: list[Block] = []
    with services.uow() as session:
        if command.verb in ("on", "off"):
            prefs.set_kinds(session, user_id, command.kinds, on=command.verb == "on")
            names = ", ".join(f"*{k}*" for k in command.kinds)
            again = "off" if command.verb == "on" else "on"
            icon = ":bell:" if command.verb == "on" else ":no_bell:"
            done.append(
                section(
                    f"{icon} Turned {command.verb} {names} nudges. "
                    f"Undo with `/salesbot nudges {again} {' '.join(command.kinds)}`."
                )
            )
        blocks = preferences_blocks(
            prefs.kinds_off(session, user_id),
            prefs.current_snoozes(session, user_id, now),
            person.tz,
            services.playbook.daily_nudge_time,
            prefs.current_subject_snoozes(session, user_id, now),
            now,
        )
    reply(respond, done + blocks)


def register(app: App, services: Services, subcommands: dict[str, Any]) -> None:
    nudging.install(services)

    def nudges_subcommand(text: str, user_id: str, respond: Respond) -> None:
        try:
            run_nudges_command(services, text, user_id, respond)
        except UserError as err:
            reply_error(respond, err, command="/salesbot", text=f"nudges {text}")

    subcommands["nudges"] = nudges_subcommand

    @app.action(SNOOZE_ACTION)
    def snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """Snooze the line's subject (that follow-up, that renewal …) and say so on that line."""
        ack()
        user_id = body["user"]["id"]
        data = json.loads(action.get("value") or "{}")
        tz = services.people.tz(user_id)
        now = services.clock.now()
        until = prefs.snooze_end(now, tz, SNOOZE_DAYS)
        back = format_when(until, tz, now=now, with_time=False)
        with services.uow() as session:
            if data.get("s"):
                if not prefs.subject_exists(session, str(data["s"])):
                    reply(
                        respond, [section("That no longer exists: there is nothing to snooze.")], replace=True
                    )
                    return
                prefs.snooze_subject(session, user_id, str(data["s"]), until, now)
                what = ""
            else:  # a button from before subjects were snoozed one by one: the whole account
                account = session.get(Account, int(data.get("a") or 0))
                if account is None:
                    reply(respond, [section("That account no longer exists.")], replace=True)
                    return
                prefs.snooze_account(session, user_id, account.id, until, now)
                what = f" (everything about *{escape(account.name)}*)"
        line = clicked_line(body)
        shown = f"~{line}~\n" if line and "\n" not in line else ""
        reply(respond, [section(f"{shown}:zzz: Snoozed until {back}{what}.")], replace=True)

    @app.action(UNSNOOZE_ACTION)
    def unsnooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        value = str(action.get("value") or "")
        if value.startswith("s:"):
            with services.uow() as session:
                found = prefs.unsnooze_subject(session, user_id, value.removeprefix("s:"))
            text = ":bell: That nudge is back on." if found else "That nudge wasn't snoozed."
            reply(respond, [section(text)])
            return
        with services.uow() as session:
            account = session.get(Account, int(value))
            found = prefs.unsnooze_account(session, user_id, int(value))
            name = account.name if account else "that account"
        text = (
            f":bell: Nudges about *{escape(name)}* are back on."
            if found
            else f"*{escape(name)}* wasn't snoozed."
        )
        reply(respond, [section(text)])

    @app.action("nudge_followup_done")
    def followup_done(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        try:
            with services.uow() as session:
                task = complete_followup(
                    session, int(action["value"]), user_id=user_id, now=services.clock.now()
                )
                account = session.get(Account, task.account_id)
                title = titled(task.title, account.name if account else "")
        except permissions.PermissionDenied as err:  # only to the presser: the line stays
            reply(respond, error_blocks(err))
            return
        except UserError as err:
            reply(respond, [section(f":information_source: {escape(err.message)}")], replace=True)
            return
        reply(respond, [section(f":white_check_mark: Done: *{escape(title)}*.")], replace=True)
        services.changed(user_id)
