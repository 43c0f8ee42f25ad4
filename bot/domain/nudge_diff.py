"""Fire-on-start: which of the conditions that hold now a person should be told about this morning.

Pure. The morning pass loads the person's ``NudgeState`` rows as ``StateView``s, hands them here with
the items that hold now, and applies the resulting ``MorningPlan`` to the rows.

- A condition is told when it *starts*: a new subject, or one that had ended and holds again.
- Told once: an active subject with ``notified_at`` set is not told again while it keeps holding.
- Kinds the person turned off are not told; the condition is still tracked, so turning the kind back
  on tells the ones that hold and were never told.
- A snoozed account or subject is silent until the snooze ends; then what still holds and was told
  before the snooze ended is told once more (that is what "snooze" asks for).
- A subject that no longer holds becomes inactive, unless some source failed this time (then
  ``complete=False``: missing items may be that source's, so nothing is ended).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.nudges import NudgeItem

# Order of the groups in the morning message (and who goes first when the message is capped).
KIND_ORDER = (
    "followup_overdue",
    "renewal",
    "overdue_visit",
    "risk",
    "ripe",
    "signal_waiting",
    "buying_team",
    "inactive",
)
MAX_LINES = 20  # one message stays readable (and under Slack's 50 blocks); the rest waits a day


@dataclass(frozen=True)
class StateView:
    subject: str
    active: bool
    notified_at: datetime | None
    snoozed_until: datetime | None = None


@dataclass
class MorningPlan:
    tell: list[NudgeItem] = field(default_factory=list)
    deferred: int = 0  # told on a later morning: the message was full
    started: list[str] = field(default_factory=list)  # subjects that (re)started: create/reactivate
    ended: list[str] = field(default_factory=list)  # active subjects that no longer hold

    @property
    def notified(self) -> list[str]:
        return [item.subject for item in self.tell]


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def plan_morning(
    items: Iterable[NudgeItem],
    states: Mapping[str, StateView],
    *,
    now: datetime,
    off_kinds: Iterable[str] = (),
    account_snoozes: Mapping[int, datetime] | None = None,
    complete: bool = True,
    max_lines: int = MAX_LINES,
) -> MorningPlan:
    off = set(off_kinds)
    snoozes = account_snoozes or {}
    holding: dict[str, NudgeItem] = {}
    for item in items:
        holding.setdefault(item.subject, item)  # the same condition twice counts once

    plan = MorningPlan()
    candidates: list[NudgeItem] = []
    for subject, item in holding.items():
        state = states.get(subject)
        restarted = state is None or not state.active
        if restarted:
            plan.started.append(subject)
        told_at = None if restarted or state is None else state.notified_at
        if item.kind in off:
            continue
        snooze = _latest(
            state.snoozed_until if state else None,
            snoozes.get(item.account_id) if item.account_id is not None else None,
        )
        if snooze is not None and snooze > now:
            continue
        if told_at is None or (snooze is not None and told_at < snooze):
            candidates.append(item)

    if complete:
        plan.ended = [s for s, st in states.items() if st.active and s not in holding]
    ordered = sorted(enumerate(candidates), key=lambda pair: (kind_rank(pair[1].kind), pair[0]))
    plan.tell = [item for _, item in ordered[:max_lines]]
    plan.deferred = max(0, len(candidates) - max_lines)
    return plan


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
