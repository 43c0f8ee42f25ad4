"""/signal, the "Flag a signal" message shortcut, and the buttons on a routed signal."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.accounts import when_local
from bot.blocks.common import Block, error_blocks, fallback_text, section
from bot.blocks.help import help_blocks
from bot.blocks.signals import (
    DISMISS_MODAL_CALLBACK,
    OPPORTUNITY_MODAL_CALLBACK,
    SIGNAL_MODAL_CALLBACK,
    card_section,
    decided_blocks,
    dismiss_modal,
    list_blocks,
    opportunity_modal,
    signal_modal,
    thanks_blocks,
)
from bot.domain import opportunities as opp
from bot.domain import permissions, teams
from bot.domain import signals as sig
from bot.domain.errors import UserError
from bot.domain.scoring import is_risk
from bot.domain.text import escape, mention, message_as_read, money
from bot.handlers.common import permalink_of, post_to_user, reply, reply_error, team_of
from bot.handlers.in_place import origin, update_origin
from bot.reminders import signals as flow
from bot.services import Services
from bot.storage.models import Account, Signal

log = logging.getLogger(__name__)
SIGNAL_SHORTCUT = "flag_signal"


# -- flagging ---------------------------------------------------------------------------------------
def flag_and_route(
    services: Services, account_id: int, kind: str, quote: str, user_id: str, permalink: str | None
) -> list[Block]:
    """Store the signal, queue it for the account's people, check the scores; the thank-you blocks."""
    pb = services.playbook
    with services.uow() as session:
        account = session.get(Account, account_id)
        if account is None:
            return [section(":warning: That account was deleted meanwhile.")]
        people = [account.owner_id, account.csm_id]
        managers = teams.managers_of(session, [p for p in people if p], team_id=account.team_id)
    flow.warm(services, [*people, *managers.values()])
    now = services.clock.now()
    with services.uow() as session:
        account = session.get(Account, account_id)
        if account is None:
            return [section(":warning: That account was deleted meanwhile.")]
        signal = sig.flag(
            session,
            account=account,
            kind=pb.signal_kinds[kind],
            quote=quote,
            flagged_by=user_id,
            now=now,
            permalink=permalink,
        )
        told = flow.route(services, session, signal, account, now)
        flow.evaluate(services, session, account, now)
        blocks = thanks_blocks(
            signal,
            account,
            pb,
            told=told,
            in_channel=flow.routed_in_channel(services, account) if told else None,
            manager=managers.get(account.owner_id) if account.owner_id else None,
            self_routed=user_id in sig.recipients(account, kind, pb),
        )
    services.changed(user_id, *told)
    return blocks


def run_signal_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if text.lower() in ("", "help"):
        reply(respond, help_blocks("/signal"))
        return
    listed = LIST_COMMAND.match(text)
    if listed and ":" not in text:
        now = services.clock.now()
        tz = services.people.tz(user_id)
        with services.uow(read_only=True) as session:
            account = sig.resolve_account(session, listed.group(1), team_id=team_id)
            blocks = list_blocks(account, sig.counting(session, account.id), tz, now)
        reply(respond, blocks)
        return
    request = sig.parse_signal(text, services.playbook)
    with services.uow() as session:
        account_id = sig.resolve_account(session, request.account_text, team_id=team_id).id
    reply(respond, flag_and_route(services, account_id, request.kind.name, request.quote, user_id, None))


LIST_COMMAND = re.compile(r"^list\s+(.+)$", re.IGNORECASE | re.DOTALL)


def _zone_of(now: datetime) -> ZoneInfo:
    """The reader's zone: the card's ``now`` is in it."""
    return now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC")


def _typed_account(text: str) -> str:
    from bot.domain.grammar import split_head

    head, _ = split_head(text)
    words = head.split()
    return " ".join(words[:-1])


def _linked_account(session: Session, channel_id: str | None) -> Account | None:
    if not channel_id:
        return None
    return session.scalar(
        select(Account).where(Account.channel_id == channel_id).order_by(Account.id).limit(1)
    )


def _selected(values: dict[str, Any], block: str) -> str | None:
    option = values.get(block, {}).get(block, {}).get("selected_option")
    return option.get("value") if option else None


def _typed(values: dict[str, Any], block: str) -> str:
    return (values.get(block, {}).get(block, {}).get("value") or "").strip()


# -- deciding ---------------------------------------------------------------------------------------
def _clicked(action: dict[str, Any]) -> int:
    """The signal id of a button (``<id>`` or ``<id>:morning`` in the morning message)."""
    signal_id, _, _where = str(action.get("value", "")).partition(":")
    return int(signal_id)


def _decided_note(signal: Signal) -> str:
    if signal.status == "acted":
        return f":white_check_mark: Turned into opportunity #{signal.opportunity_id}."
    if signal.status == "dismissed":
        return f":no_entry_sign: Dismissed: {escape(signal.dismiss_reason)}"
    return ""


def _show_decided(services: Services, respond: Respond, signal_id: int, *, replace: bool = True) -> None:
    """What became of the signal: in place of the clicked signal (its item only, in a bundled message)."""
    with services.uow() as session:
        signal = session.get(Signal, signal_id)
        account = session.get(Account, signal.account_id) if signal else None
        if signal is None or account is None:
            reply(respond, [section("That signal no longer exists.")], replace=replace)
            return
        blocks = decided_blocks(signal, account, services.playbook, _decided_note(signal))
    reply(respond, blocks, replace=replace)


def _undecided_with_account(session: Session, signal_id: int, user_id: str) -> tuple[Signal, Account]:
    """The signal, still waiting for a decision (or AlreadyDecided), and its account, if ``user_id``
    may decide (the account's owner or CSM, their managers, an admin; else PermissionDenied)."""
    signal = sig.check_undecided(session, signal_id)
    account = session.get(Account, signal.account_id)
    assert account is not None
    permissions.require(session, user_id, permissions.CHANGE, signal)
    return signal, account


def _say_why_not(services: Services, respond: Respond, signal_id: int, err: UserError) -> None:
    """A button that can't do its job: show what became of the signal, or why, where it was clicked."""
    if isinstance(err, sig.AlreadyDecided):
        _show_decided(services, respond, signal_id)
    elif isinstance(err, permissions.PermissionDenied):  # only them; the message stays for the others
        reply(respond, error_blocks(err))
    else:
        reply(respond, [section(f":information_source: {escape(err.message)}")], replace=True)


def _dm_note(client: WebClient, user_id: str, err: UserError) -> None:
    """A modal's submission that can't be done (it is already closed): say why in a DM."""
    shown = err.message if err.mrkdwn else escape(err.message)
    client.chat_postMessage(channel=user_id, text=shown, blocks=[section(f":information_source: {shown}")])


def _warm_flagger(services: Services, signal_id: int) -> None:
    with services.uow() as session:
        signal = session.get(Signal, signal_id)
        flagger = signal.flagged_by if signal else None
    flow.warm(services, [flagger])


def _opportunity_errors(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _typed(values, "title"):
        errors["title"] = "Give it a title."
    raw = _typed(values, "mrr")
    if raw:
        try:
            opp.parse_mrr(raw, opp.ADD_EXAMPLE)
        except UserError:
            errors["mrr"] = "A number, like 1200 or 1.2k."
    return errors


def _closing_day(values: dict[str, Any]) -> date | None:
    day = values.get("close", {}).get("close", {}).get("selected_date")
    return date.fromisoformat(day) if day else None


def _opportunity_created_text(opportunity: Any, account: Account, signal: Signal) -> str:
    return (
        f":white_check_mark: Created opportunity *#{opportunity.id}* “{escape(opportunity.title)}” on "
        f"*{escape(account.name)}* ({opportunity.kind}, {opportunity.stage}, MRR +{money(opportunity.mrr)}), "
        f"from {mention(signal.flagged_by)}'s {escape(signal.kind)} signal."
    )


# -- the account card ---------------------------------------------------------------------------------
def card_contribution(services: Services) -> Any:
    def contribute(session: Session, account: Account, now: datetime) -> list[Block]:
        scores = sig.account_scores(session, account.id, services.playbook, now)
        return card_section(
            account, scores, sig.counting(session, account.id), services.playbook, _zone_of(now), now
        )

    return contribute


def install(services: Services) -> None:
    flow.install(services)
    services.card_sections.append(card_contribution(services))


def register(app: App, services: Services) -> None:
    install(services)

    @app.command("/signal")
    def signal_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_signal_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/signal", text=text, typed=_typed_account(text))

    @app.shortcut(SIGNAL_SHORTCUT)
    def signal_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message", {})
        channel = (shortcut.get("channel") or {}).get("id")
        with services.uow() as session:
            view = signal_modal(
                services.playbook,
                account=_linked_account(session, channel),
                quote_text=message_as_read(message.get("text")),
                metadata={"channel": channel, "message_ts": message.get("ts")},
            )
        client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    @app.view(SIGNAL_MODAL_CALLBACK)
    def signal_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        account_id, kind, quote = (
            _selected(values, "account"),
            _selected(values, "kind"),
            _typed(values, "quote"),
        )
        errors = {}
        if not account_id:
            errors["account"] = "Pick an account."
        if kind not in services.playbook.signal_kinds:
            errors["kind"] = "Pick a kind."
        if not quote:
            errors["quote"] = "Quote what the customer said or did."
        elif len(quote) > sig.MAX_QUOTE:
            errors["quote"] = f"{sig.MAX_QUOTE} characters at most."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        permalink = permalink_of(client, meta.get("channel"), meta.get("message_ts"))
        assert account_id is not None and kind is not None
        blocks = flag_and_route(services, int(account_id), kind, quote, user_id, permalink)
        post_to_user(client, user_id, meta.get("channel"), blocks)

    @app.action("signal_create_opportunity")
    def create_opportunity(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        signal_id = _clicked(action)
        try:
            with services.uow() as session:
                signal, account = _undecided_with_account(session, signal_id, body["user"]["id"])
                kind = opp.kind_for_signal(
                    signal.kind, is_risk(signal.kind, services.playbook.signal_kinds), services.playbook
                )
                view = opportunity_modal(
                    signal,
                    account,
                    services.playbook,
                    kind=kind,
                    metadata={"signal": signal_id, **origin(body)},
                )
        except UserError as err:
            _say_why_not(services, respond, signal_id, err)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(OPPORTUNITY_MODAL_CALLBACK)
    def opportunity_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        values = view["state"]["values"]
        errors = _opportunity_errors(values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        now = services.clock.now()
        pb = services.playbook
        mrr_text = _typed(values, "mrr")
        _warm_flagger(services, int(meta["signal"]))
        try:
            with services.uow() as session:
                signal, account = _undecided_with_account(session, int(meta["signal"]), user_id)
                opportunity = opp.create(
                    session,
                    account=account,
                    kind=_selected(values, "kind") or opp.kind_for_signal(signal.kind, False, pb),
                    title=_typed(values, "title"),
                    created_by=user_id,
                    now=now,
                    playbook=pb,
                    mrr=opp.parse_mrr(mrr_text, opp.ADD_EXAMPLE) if mrr_text else 0,
                    stage=_selected(values, "stage"),
                    close_date=_closing_day(values),
                    signal=signal,
                )
                sig.mark_acted(session, signal, opportunity_id=opportunity.id, now=now)
                flow.tell_flagger(services, session, signal, user_id, now)
                flow.evaluate(services, session, account, now, removed=signal)
                text = _opportunity_created_text(opportunity, account, signal)
                decided = decided_blocks(
                    signal,
                    account,
                    pb,
                    f":white_check_mark: {mention(user_id)} created opportunity #{opportunity.id}.",
                )
        except UserError as err:
            _dm_note(client, user_id, err)
            return
        update_origin(client, meta, decided)
        client.chat_postMessage(channel=user_id, text=fallback_text([section(text)]), blocks=[section(text)])
        services.changed(user_id, opportunity.owner_id)

    @app.action("signal_snooze")
    def snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        signal_id = _clicked(action)
        flow.warm(services, [user_id])
        now = services.clock.now()
        tz = services.people.tz(user_id)
        try:
            with services.uow() as session:
                _undecided_with_account(session, signal_id, user_id)
                signal = sig.snooze(session, signal_id, now=now)
                account = session.get(Account, signal.account_id)
                assert account is not None and signal.snoozed_until is not None
                back = flow.resurface_later(services, session, signal, user_id, now)
                until = when_local(signal.snoozed_until, tz, now=now, with_time=False)
                then = "then"
                if back > signal.snoozed_until:  # a weekend or an evening: their next working morning
                    then = f"{when_local(back, tz, now=now)}, the next working morning"
                blocks = decided_blocks(
                    signal,
                    account,
                    services.playbook,
                    f":zzz: {mention(user_id)} snoozed it until {until}; it comes back to {mention(user_id)} {then}.",
                )
        except UserError as err:
            _say_why_not(services, respond, signal_id, err)
            return
        reply(respond, blocks, replace=True)

    @app.action("signal_dismiss")
    def dismiss(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        signal_id = _clicked(action)
        try:
            with services.uow() as session:
                signal, account = _undecided_with_account(session, signal_id, body["user"]["id"])
                meta = {"signal": signal_id, **origin(body)}
                view = dismiss_modal(signal, account, services.playbook, meta)
        except UserError as err:
            _say_why_not(services, respond, signal_id, err)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(DISMISS_MODAL_CALLBACK)
    def dismiss_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        reason = _typed(view["state"]["values"], "reason")
        if not reason:
            ack(response_action="errors", errors={"reason": "Say why you dismiss it."})
            return
        ack()
        user_id = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        _warm_flagger(services, int(meta["signal"]))
        now = services.clock.now()
        try:
            with services.uow() as session:
                _undecided_with_account(session, int(meta["signal"]), user_id)
                signal = sig.dismiss(session, int(meta["signal"]), reason=reason, now=now)
                account = session.get(Account, signal.account_id)
                assert account is not None
                flow.tell_flagger(services, session, signal, user_id, now)
                flow.evaluate(services, session, account, now, removed=signal)
                decided = decided_blocks(
                    signal,
                    account,
                    services.playbook,
                    f":no_entry_sign: {mention(user_id)} dismissed it: {escape(reason)}",
                )
        except UserError as err:
            _dm_note(client, user_id, err)
            return
        update_origin(client, meta, decided)
        services.changed(user_id)
