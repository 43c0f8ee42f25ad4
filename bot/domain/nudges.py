"""The nudge contract: features contribute *sources*; the morning pass consolidates their items.

A source returns, for everyone, the conditions that currently hold (an account overdue on its
cadence, a follow-up overdue, a renewal in 30 days …). The morning pass turns the ones that *started*
since a person was last told into one message per person (see ``bot/reminders/nudging.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy.orm import Session

from bot.playbook import Playbook


class NudgeContext(Protocol):
    """What a source may read besides the database (the application's ``Services`` is one)."""

    playbook: Playbook


class NudgeItem(NamedTuple):
    """One condition that holds for one person. Immutable; a tuple, as the morning builds hundreds
    of thousands of them on a large team (``_asdict()`` gives the stored form)."""

    user_id: str
    kind: str  # overdue_visit | followup_overdue | renewal | ripe | risk | signal_waiting | inactive
    subject: str  # stable key of the condition, e.g. "overdue_visit:account:12"; fires once per start
    line: str  # mrkdwn, escaped: the reason, e.g. "*Acme Corp* (gold) not visited for 5 months; plan: every 4 months"
    button: tuple[str, str, str] | None = None  # (label, action_id, value)
    account_id: int | None = None


NudgeSource = Callable[[Session, NudgeContext, datetime], list[NudgeItem]]
