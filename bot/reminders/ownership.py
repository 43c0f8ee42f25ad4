"""Ownership changes told to the people concerned, by DM, in their working hours.

When someone changes an account's owner or CSM, the previous and the new holder of the role are
told who did it (before → after); when someone closes an opportunity they do not own, its owner is
told. Nobody is told about their own change. The DMs go through the outbox at the recipient's next
working moment, computed in their zone (looked up in Slack if they were never seen); the message is
rendered at delivery, so it shows the account's current name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.blocks.common import actions, button, fallback_text, section
from bot.domain import events
from bot.domain.text import escape, mention
from bot.domain.workhours import next_working_start
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.storage.models import Account, Opportunity, Reminder

if TYPE_CHECKING:
    from bot.services import Services

ROLE_CHANGED = "account_role_changed"
OPPORTUNITY_CLOSED = "opportunity_closed_by_other"
OPPORTUNITY_OWNER = "opportunity_owner_changed"
ROLE_WORDS = {"owner": "owner", "csm": "CSM"}


def install(services: Services) -> None:
    """Subscribe to the domain's ownership events and register the DMs' renderers."""

    def role_changed(session: Session, event: events.AccountRoleChanged) -> None:
        told = [u for u in dict.fromkeys((event.before, event.after)) if u and u != event.by]
        for user_id in told:
            _tell(
                services,
                session,
                ROLE_CHANGED,
                user_id,
                event,
                payload={
                    "account_id": event.account.id,
                    "role": event.role,
                    "before": event.before,
                    "after": event.after,
                    "by": event.by,
                },
                key=f"{event.account.id}:{event.role}",
            )

    def opportunity_closed(session: Session, event: events.OpportunityClosed) -> None:
        owner = event.opportunity.owner_id
        if not owner or owner == event.by:
            return
        _tell(
            services,
            session,
            OPPORTUNITY_CLOSED,
            owner,
            event,
            payload={
                "opportunity_id": event.opportunity.id,
                "before": event.before,
                "after": event.opportunity.status,
                "by": event.by,
            },
            key=str(event.opportunity.id),
        )

    def opportunity_owner(session: Session, event: events.OpportunityOwnerChanged) -> None:
        told = [u for u in dict.fromkeys((event.before, event.after)) if u and u != event.by]
        for user_id in told:
            _tell(
                services,
                session,
                OPPORTUNITY_OWNER,
                user_id,
                event,
                payload={
                    "opportunity_id": event.opportunity.id,
                    "before": event.before,
                    "after": event.after,
                    "by": event.by,
                },
                key=str(event.opportunity.id),
            )

    services.bus.subscribe(events.AccountRoleChanged, role_changed)
    services.bus.subscribe(events.OpportunityOwnerChanged, opportunity_owner)
    services.bus.subscribe(events.OpportunityClosed, opportunity_closed)
    services.renderers[ROLE_CHANGED] = render_role_changed
    services.renderers[OPPORTUNITY_CLOSED] = render_opportunity_closed
    services.renderers[OPPORTUNITY_OWNER] = render_opportunity_owner


def _tell(
    services: Services,
    session: Session,
    kind: str,
    user_id: str,
    event: events.AccountRoleChanged | events.OpportunityClosed | events.OpportunityOwnerChanged,
    *,
    payload: dict[str, str | int | None],
    key: str,
) -> None:
    person = services.people.get_in(session, user_id)  # looked up in Slack if never seen
    enqueue(
        session,
        kind=kind,
        due_at=next_working_start(event.now, person.working_hours, person.tz),
        now=event.now,
        recipient_id=user_id,
        payload=payload,
        dedupe_key=f"{kind}:{key}:{user_id}:{event.now.isoformat()}",
    )


def _who(user_id: str | None, reader: str) -> str:
    if user_id is None:
        return "nobody"
    return "you" if user_id == reader else mention(user_id)


def render_role_changed(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    data = reminder.payload or {}
    account = session.get(Account, int(data.get("account_id") or 0))
    reader = reminder.recipient_id
    if account is None or reader is None:
        return None
    role = ROLE_WORDS.get(str(data.get("role")), str(data.get("role")))
    text = (
        f":busts_in_silhouette: {mention(str(data.get('by')))} changed the {role} of "
        f"*{escape(account.name)}*: {_who(data.get('before'), reader)} → {_who(data.get('after'), reader)}."
    )
    blocks = [section(text), actions(button("Open account", "open_account", str(account.id)))]
    return OutgoingMessage(reader, fallback_text(blocks), blocks)


def _opportunity_notice(
    session: Session, reminder: Reminder
) -> tuple[Opportunity, Account | None, str, str, dict[str, Any]] | None:
    """The opportunity a notice is about, its account, the account's name as shown, the reader."""
    data = reminder.payload or {}
    opportunity = session.get(Opportunity, int(data.get("opportunity_id") or 0))
    reader = reminder.recipient_id
    if opportunity is None or reader is None:
        return None
    account = session.get(Account, opportunity.account_id)
    name = escape(account.name) if account else "an account"
    return opportunity, account, name, reader, data


def _notice(reader: str, text: str, account: Account | None) -> OutgoingMessage:
    blocks = [section(text)]
    if account is not None:
        blocks.append(actions(button("Open account", "open_account", str(account.id))))
    return OutgoingMessage(reader, fallback_text(blocks), blocks)


def render_opportunity_closed(
    services: Services, session: Session, reminder: Reminder
) -> OutgoingMessage | None:
    found = _opportunity_notice(session, reminder)
    if found is None:
        return None
    opportunity, account, name, reader, data = found
    text = (
        f":briefcase: {mention(str(data.get('by')))} closed your opportunity #{opportunity.id} "
        f"“{escape(opportunity.title)}” on *{name}*: {escape(str(data.get('before')))} → "
        f"*{escape(str(data.get('after')))}*."
    )
    if opportunity.status == "lost" and opportunity.lost_reason:
        text += f" Reason: {escape(opportunity.lost_reason)}."
    return _notice(reader, text, account)


def render_opportunity_owner(
    services: Services, session: Session, reminder: Reminder
) -> OutgoingMessage | None:
    found = _opportunity_notice(session, reminder)
    if found is None:
        return None
    opportunity, account, name, reader, data = found
    text = (
        f":briefcase: {mention(str(data.get('by')))} changed the owner of opportunity #{opportunity.id} "
        f"“{escape(opportunity.title)}” on *{name}*: {_who(data.get('before'), reader)} → "
        f"{_who(data.get('after'), reader)}."
    )
    return _notice(reader, text, account)
