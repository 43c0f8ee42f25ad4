"""Action plans: targets per rep and per team, set by the rep's manager (or an admin).

``/targets @alice calls:8/week meetings:3/week won_mrr:5000/quarter`` stores one row per metric. Input
metrics are the playbook's activity types in the plural (``calls``, ``meetings``, ``visits`` …);
output metrics are ``opportunities`` (created), ``won`` (count), ``won_mrr`` and ``expansion_mrr``.
The playbook's coverage targets (``[targets.coverage.<tier>]``, per account per year) add a plan
that follows from the accounts each rep owns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.domain.errors import UserError
from bot.domain.periods import UNITS, Period, pro_rata
from bot.playbook import Playbook
from bot.storage.models import Account, Target
from bot.storage.tenancy import current_team

SET_EXAMPLE = "/targets @alice calls:8/week meetings:3/week won_mrr:5000/quarter"
TEAM_EXAMPLE = "/targets team calls:40/week"
CLEAR_EXAMPLE = "/targets clear @alice calls"
SHOW_EXAMPLE = "/targets show @alice"
SIMULATE_EXAMPLE = "/targets simulate calls:10/week meetings:4/week quarter:2026-Q3"
OUTPUT_METRICS = ("opportunities", "won", "won_mrr", "expansion_mrr")
REP, TEAM = "rep", "team"

_SPEC = re.compile(r"^([a-z_-]+):(.*)$", re.I)
_AMOUNT = re.compile(r"^(-?\d+(?:[.,]\d+)?)(k?)(?:/([a-z]+))?$", re.I)


@dataclass(frozen=True)
class TargetSpec:
    metric: str
    amount: float
    per: str


def plural(activity_type: str) -> str:
    return activity_type + "s"


def input_metrics(playbook: Playbook) -> tuple[str, ...]:
    return tuple(plural(t) for t in playbook.activity_types)


def metric_words(playbook: Playbook) -> dict[str, str]:
    """What people may type → the metric: ``calls`` and ``call`` both mean ``calls``."""
    words = {plural(t): plural(t) for t in playbook.activity_types}
    words |= {t: plural(t) for t in playbook.activity_types}
    words |= {m: m for m in OUTPUT_METRICS}
    words |= {"opportunity": "opportunities", "opps": "opportunities", "mrr": "won_mrr", "wins": "won"}
    return words


def known_metrics(playbook: Playbook) -> str:
    return ", ".join(f"`{m}`" for m in (*input_metrics(playbook), *OUTPUT_METRICS))


def metric_of(word: str, playbook: Playbook, example: str) -> str:
    metric = metric_words(playbook).get(word.lower().replace("-", "_"))
    if metric is None:
        raise UserError(f"I don't know the metric “{word}”. Metrics: {known_metrics(playbook)}.", example)
    return metric


def parse_spec(token: str, playbook: Playbook, example: str) -> TargetSpec:
    """``calls:8/week`` → TargetSpec("calls", 8, "week"); every mistake is a UserError with ``example``."""
    m = _SPEC.match(token)
    if not m and token.lower() in metric_words(playbook):
        metric = metric_words(playbook)[token.lower()]
        raise UserError(f"`{metric}` needs a number and a period, like `{metric}:8/week`.", example)
    if not m:
        raise UserError(f"“{token}” is not a target. Write `metric:number/period`.", example)
    metric = metric_of(m.group(1), playbook, example)
    value = m.group(2).strip()
    amount_match = _AMOUNT.match(value)
    if not value or not amount_match:
        raise UserError(f"`{metric}` needs a number and a period, like `{metric}:8/week`.", example)
    amount = float(amount_match.group(1).replace(",", ".")) * (1000 if amount_match.group(2) else 1)
    if amount < 0:
        raise UserError(f"A target can't be negative (`{metric}:{value}`).", example)
    per = (amount_match.group(3) or "").lower()
    if per not in UNITS:
        raise UserError(
            f"`{metric}` needs a period after the number: /week, /month, /quarter or /year.", example
        )
    return TargetSpec(metric, amount, per)


def parse_specs(tokens: Iterable[str], playbook: Playbook, example: str) -> list[TargetSpec]:
    specs = [parse_spec(t, playbook, example) for t in tokens]
    if not specs:
        raise UserError("Give at least one target, like `calls:8/week`.", example)
    seen: set[str] = set()
    for spec in specs:
        if spec.metric in seen:
            raise UserError(f"`{spec.metric}` is given twice.", example)
        seen.add(spec.metric)
    return specs


def set_targets(
    session: Session,
    scope: str,
    subject_id: str,
    specs: list[TargetSpec],
    *,
    set_by: str,
    now: datetime,
    team_id: str | None = None,
) -> None:
    team_id = team_id or current_team()
    existing = {
        t.metric: t
        for t in session.scalars(
            select(Target).where(
                Target.team_id == team_id, Target.scope == scope, Target.subject_id == subject_id
            )
        )
    }
    for spec in specs:
        row = existing.get(spec.metric)
        if row is None:
            session.add(
                Target(
                    team_id=team_id,
                    scope=scope,
                    subject_id=subject_id,
                    metric=spec.metric,
                    amount=spec.amount,
                    per=spec.per,
                    set_by=set_by,
                    updated_at=now,
                )
            )
        else:
            row.amount, row.per, row.set_by, row.updated_at = spec.amount, spec.per, set_by, now
    session.flush()


def clear_targets(
    session: Session, scope: str, subject_id: str, metrics: list[str] | None, *, team_id: str | None = None
) -> int:
    """Remove some (or, with ``None``, all) targets of a rep or team; how many were removed."""
    team_id = team_id or current_team()
    query = delete(Target).where(
        Target.team_id == team_id, Target.scope == scope, Target.subject_id == subject_id
    )
    if metrics is not None:
        query = query.where(Target.metric.in_(metrics))
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def targets_of(
    session: Session, scope: str, subject_ids: Iterable[str], *, team_id: str | None = None
) -> dict[str, dict[str, TargetSpec]]:
    """subject → metric → target, for many reps (or teams) in one query."""
    team_id = team_id or current_team()
    ids = list(dict.fromkeys(subject_ids))
    out: dict[str, dict[str, TargetSpec]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(Target.subject_id, Target.metric, Target.amount, Target.per).where(
            Target.team_id == team_id, Target.scope == scope, Target.subject_id.in_(ids)
        )
    )
    for subject, metric, amount, per in rows:
        out[subject][metric] = TargetSpec(metric, float(amount), per)
    return out


# -- coverage targets from the playbook ------------------------------------------------------------
def accounts_by_tier(
    session: Session, owner_ids: Iterable[str], *, team_id: str | None = None
) -> dict[str, dict[str, int]]:
    """owner → tier → how many accounts they own now (one GROUP BY)."""
    team_id = team_id or current_team()
    ids = list(dict.fromkeys(owner_ids))
    out: dict[str, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(Account.owner_id, Account.tier, func.count(Account.id))
        .where(Account.team_id == team_id, Account.owner_id.in_(ids), Account.tier.is_not(None))
        .group_by(Account.owner_id, Account.tier)
    )
    for owner, tier, count in rows:
        out[owner][tier] = int(count)
    return out


@dataclass(frozen=True)
class CoverageTarget:
    tier: str
    accounts: int
    activity_type: str
    per_account_year: float

    @property
    def metric(self) -> str:
        return f"{self.tier}_{plural(self.activity_type)}"

    def over(self, period: Period) -> float:
        return pro_rata(self.accounts * self.per_account_year, "year", period)


def coverage_targets(playbook: Playbook, tiers: dict[str, int]) -> list[CoverageTarget]:
    """The plan a rep's accounts imply: for each tier they own, each activity per account per year."""
    out = []
    for tier in playbook.tiers:
        count = tiers.get(tier, 0)
        for activity, per_year in playbook.coverage_targets.get(tier, {}).items():
            if count:
                out.append(CoverageTarget(tier, count, activity, per_year))
    return out


def format_amount(amount: float) -> str:
    """``8`` → ``8``, ``34.2857`` → ``34.3``, ``5000`` → ``5,000``."""
    if abs(amount - round(amount)) < 0.05:
        return f"{round(amount):,}"
    return f"{amount:,.1f}"
