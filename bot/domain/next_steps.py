"""The most useful next commands for a person, from where they are (for the bot's DM and help).

Pure: a session and plain values in, command examples out. Counts are SQL aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.storage.models import Account, Activity, Task

COMMAND_WORDS = (
    "log",
    "account",
    "followup",
    "visit",
    "agenda",
    "signal",
    "opportunity",
    "pipeline",
    "salesbot",
)


@dataclass(frozen=True)
class NextStep:
    command: str  # an example to type, as is
    why: str


@dataclass(frozen=True)
class Standing:
    accounts_in_workspace: int
    my_accounts: int
    my_activities: int
    open_followups: int
    overdue_followups: int
    an_account: str | None  # one of theirs (or any), to make examples concrete


def standing(session: Session, user_id: str, team_id: str, now: datetime) -> Standing:
    mine = or_(Account.owner_id == user_id, Account.csm_id == user_id)
    accounts_total, my_total = session.execute(
        select(func.count(Account.id), func.count(Account.id).filter(mine)).where(Account.team_id == team_id)
    ).one()
    activities = session.scalar(
        select(func.count(Activity.id)).where(Activity.user_id == user_id, Activity.undone_at.is_(None))
    )
    open_tasks, overdue = session.execute(
        select(func.count(Task.id), func.count(Task.id).filter(Task.due_at < now)).where(
            Task.assignee_id == user_id, Task.status == "open"
        )
    ).one()
    name = session.scalar(
        select(Account.name).where(Account.team_id == team_id).order_by(mine.desc(), Account.id).limit(1)
    )
    return Standing(accounts_total or 0, my_total or 0, activities or 0, open_tasks or 0, overdue or 0, name)


def next_steps(s: Standing) -> list[NextStep]:
    """At most three commands, the most useful first."""
    account = s.an_account or "Acme Corp"
    steps: list[NextStep] = []
    if s.accounts_in_workspace == 0:
        steps.append(
            NextStep(
                "/account add Acme Corp tier:gold status:customer owner:@you",
                "no accounts yet: add your first one",
            )
        )
    if s.overdue_followups:
        n = s.overdue_followups
        steps.append(NextStep("/agenda", f"{n} of your follow-ups {'is' if n == 1 else 'are'} overdue"))
    elif s.open_followups:
        steps.append(NextStep("/agenda week", f"your {s.open_followups} open follow-ups and visits"))
    if s.my_activities == 0:
        steps.append(
            NextStep(f"/log call {account}: discussed renewal", "log your first call, meeting or visit")
        )
    steps.append(NextStep(f"/followup {account}: send the proposal tomorrow 9am", "never forget a next step"))
    if s.my_accounts:
        steps.append(NextStep(f"/account {account}", "the 360° card of an account"))
    steps.append(NextStep(f"/signal {account} upsell: asked for 20 more seats", "flag an expansion signal"))
    return steps[:3]


def as_command(text: str) -> str | None:
    """``log call Acme: …`` typed without its slash → ``/log call Acme: …``; else ``None``."""
    word = text.strip().split(maxsplit=1)[0].lower().lstrip("/") if text.strip() else ""
    if word in COMMAND_WORDS and word != "salesbot":
        return "/" + text.strip().lstrip("/")
    return None
