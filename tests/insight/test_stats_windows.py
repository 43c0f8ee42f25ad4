"""The figures of several periods computed together (one GROUP BY per family, a conditional sum per
period) are those of each period computed on its own: on the known world, for periods that follow
each other (a month and the one before, as /stats shows them) and that overlap (a month inside its
quarter), in every zone's boundaries."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.domain import stats
from bot.domain.periods import Period
from bot.playbook import load_playbook
from tests.helpers import Harness
from tests.insight.conftest import NOW

PEOPLE = ["U0ALICE", "U0BOB", "U0KENJI", "U0CAROL"]


def as_tuple(fig: stats.Figures) -> tuple[object, ...]:
    values = {m: v for m, v in fig.values.items() if v}
    return values, fig.coverage, fig.lost_reasons, fig.median_days_to_opportunity


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Asia/Tokyo"])
def test_periods_computed_together_equal_each_period_alone(world: Harness, zone: str) -> None:
    tz = ZoneInfo(zone)
    november = Period("month", date(2026, 11, 1), tz)
    periods = [
        november,
        november.previous(),
        Period("quarter", date(2026, 10, 1), tz),
        Period("week", date(2026, 11, 16), tz),
    ]
    playbook = load_playbook(world.services.settings.config_path)
    with world.db() as session:
        together = stats.compute_windows(
            session, PEOPLE, [(p.start, p.end) for p in periods], now=NOW, playbook=playbook
        )
        alone = [stats.compute(session, PEOPLE, p.start, p.end, now=NOW, playbook=playbook) for p in periods]
        totals = stats.team_totals(session, together, [(p.start, p.end) for p in periods])
        medians = [
            stats.median_days_to_opportunity(session, PEOPLE, p.start, p.end, together=True).get(stats.TEAM)
            for p in periods
        ]
    for period, figs, expected in zip(periods, together, alone, strict=True):
        for person in PEOPLE:
            assert as_tuple(figs[person]) == as_tuple(expected[person]), (period.label, person)
    assert [t.median_days_to_opportunity for t in totals] == medians
    # The world's known figures (tests/insight/conftest.py), so the comparison can't pass on nothing.
    alice_november = together[0]["U0ALICE"]
    assert alice_november.get("signals") == 4 and alice_november.median_days_to_opportunity == 3.0
    assert together[2]["U0ALICE"].get("won") == 3 and together[2]["U0ALICE"].lost_reasons == {
        "price": 1,
        "timing": 1,
    }
    assert totals[0].get("noshows") == 2 and totals[0].get("noshows_rebooked") == 1
