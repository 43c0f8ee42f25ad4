"""Expansion and risk scores from signals. Pure: no database, no Slack.

A signal is worth its points when flagged and loses half of them every ``half_life_days``:
``points * 0.5 ** (age_days / half_life_days)``. Which signals count:

- ``open`` and ``snoozed`` signals count: "Not now" postpones the work, the evidence is still true;
- ``acted`` signals do not: they became an opportunity, which the card and pipeline show instead;
- ``dismissed`` signals never count.

Kinds marked ``risk = true`` in the playbook add to the risk score, all others to the expansion score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.playbook import SignalKind

COUNTING_STATUSES = ("open", "snoozed")
# After a crossing was told, a new crossing counts only once the score had fallen below this share of
# the threshold: decay makes a score hover around the threshold, and hovering is not news.
REARM_RATIO = 0.75
Crossing = Literal["crossed", "cleared"]


class ScoredSignal(Protocol):
    id: int
    kind: str
    points: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class Evidence:
    signal_id: int
    kind: str
    points: int  # as flagged
    weight: float  # what it is worth now, after decay


@dataclass(frozen=True)
class Scores:
    expansion: float
    risk: float
    expansion_evidence: tuple[Evidence, ...] = ()  # biggest contribution first
    risk_evidence: tuple[Evidence, ...] = ()


def decayed(points: float, age: timedelta, half_life_days: float) -> float:
    """What ``points`` flagged ``age`` ago are worth now. A future ``age`` (clock skew) counts as zero."""
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    days = max(age.total_seconds(), 0.0) / 86400
    return points * 0.5 ** (days / half_life_days)


def is_risk(kind: str, kinds: dict[str, SignalKind]) -> bool:
    spec = kinds.get(kind)
    return bool(spec and spec.risk)


def score(
    signals: Iterable[ScoredSignal], kinds: dict[str, SignalKind], *, half_life_days: float, now: datetime
) -> Scores:
    expansion: list[Evidence] = []
    risk: list[Evidence] = []
    for signal in signals:
        if signal.status not in COUNTING_STATUSES:
            continue
        weight = decayed(signal.points, now - signal.created_at, half_life_days)
        evidence = Evidence(signal.id, signal.kind, signal.points, weight)
        (risk if is_risk(signal.kind, kinds) else expansion).append(evidence)
    expansion.sort(key=lambda e: (-e.weight, e.signal_id))
    risk.sort(key=lambda e: (-e.weight, e.signal_id))
    return Scores(
        expansion=sum(e.weight for e in expansion),
        risk=sum(e.weight for e in risk),
        expansion_evidence=tuple(expansion),
        risk_evidence=tuple(risk),
    )


def crossing(value: float, threshold: float, *, alerted: bool) -> Crossing | None:
    """``crossed`` when the score reached the threshold and nobody was told yet; ``cleared`` when it
    fell below after an alert (so the next crossing is told again); otherwise ``None``.

    Decay only lowers a score, so after ``cleared`` only new signals can make it cross again.
    """
    above = reached(value, threshold)
    if above and not alerted:
        return "crossed"
    if not above and alerted:
        return "cleared"
    return None


def reached(value: float, threshold: float) -> bool:
    """Whether a score is at or above its threshold, as people read it: a score shown as 40 reaches
    40. (A churn-risk signal of 40 points, flagged a moment ago, weighs a hair under 40.)"""
    return round(value) >= threshold - 1e-9


def display(value: float) -> str:
    """A score as people read it: whole points."""
    return str(round(value))
