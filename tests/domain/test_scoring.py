from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.scoring import crossing, decayed, display, score
from bot.playbook import SignalKind

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KINDS = {
    "upsell": SignalKind("upsell", 30, ("owner", "csm")),
    "churn-risk": SignalKind("churn-risk", 40, ("csm", "owner"), risk=True),
}


@dataclass
class S:
    id: int
    kind: str
    points: int
    status: str = "open"
    days_ago: float = 0

    @property
    def created_at(self) -> datetime:
        return NOW - timedelta(days=self.days_ago)


def test_half_life_halves_the_points() -> None:
    assert decayed(30, timedelta(0), 30) == 30
    assert decayed(30, timedelta(days=30), 30) == pytest.approx(15)
    assert decayed(30, timedelta(days=60), 30) == pytest.approx(7.5)
    assert decayed(40, timedelta(days=10), 10) == pytest.approx(20)


def test_future_signals_count_as_flagged_now_and_half_life_must_be_positive() -> None:
    assert decayed(30, timedelta(hours=-1), 30) == 30
    with pytest.raises(ValueError):
        decayed(30, timedelta(0), 0)


def test_open_and_snoozed_count_acted_and_dismissed_do_not() -> None:
    signals = [
        S(1, "upsell", 30),
        S(2, "upsell", 30, status="snoozed"),
        S(3, "upsell", 30, status="acted"),
        S(4, "upsell", 30, status="dismissed"),
    ]
    result = score(signals, KINDS, half_life_days=30, now=NOW)
    assert result.expansion == 60
    assert [e.signal_id for e in result.expansion_evidence] == [1, 2]


def test_risk_kinds_feed_the_risk_score_only() -> None:
    signals = [S(1, "upsell", 30, days_ago=30), S(2, "churn-risk", 40), S(3, "unknown", 5)]
    result = score(signals, KINDS, half_life_days=30, now=NOW)
    assert result.expansion == pytest.approx(15 + 5)
    assert result.risk == 40
    assert [e.signal_id for e in result.risk_evidence] == [2]
    # Biggest contribution first.
    assert [e.signal_id for e in result.expansion_evidence] == [1, 3]
    assert result.expansion_evidence[0].weight == pytest.approx(15)


def test_crossing_fires_on_reaching_and_clears_on_falling_below() -> None:
    assert crossing(60, 60, alerted=False) == "crossed"
    assert crossing(59.4, 60, alerted=False) is None
    assert crossing(59.6, 60, alerted=False) == "crossed"  # shown as 60: what people read
    assert crossing(75, 60, alerted=True) is None
    assert crossing(59.4, 60, alerted=True) == "cleared"
    assert crossing(59.6, 60, alerted=True) is None
    assert crossing(10, 60, alerted=False) is None


def test_display_rounds_to_whole_points() -> None:
    assert display(43.09) == "43" and display(59.6) == "60"


@pytest.mark.parametrize("key", ["half_life_days", "expansion_threshold", "risk_threshold"])
def test_playbook_rejects_non_positive_signal_numbers(tmp_path, key: str) -> None:  # type: ignore[no-untyped-def]
    from bot.playbook import PlaybookError, load_playbook

    config = tmp_path / "salesbot.toml"
    config.write_text(f"[signals]\n{key} = 0\n")
    with pytest.raises(PlaybookError, match=f"signals.{key}: expected a number > 0"):
        load_playbook(config)
