"""The buying team tried in the console as a new user would: a few commands build Acme's team, a
meeting with two of them, the map and its warnings, and the morning nudges told once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.world import World
from tests.console.test_repl import play, world  # noqa: F401  (the fixture)


def test_a_rep_maps_acmes_buying_team_and_is_nudged_once(
    world: World,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # the console keeps a copy of the uploaded chart in the working directory
    out = play(
        world,
        "/account add Acme Corp status:customer owner:@alice",
        '/opportunity add Acme Corp upsell "20 more seats" stage:proposal',
        '/contact add Acme Corp "Jane Doe" title:"VP Finance" role:champion email:jane@acme.example',
        '/contact add Acme Corp "Tom Lee" role:procurement stage:problem-aware',
        '/contact add Acme Corp "Ann Bell" role:user',
        "/log meeting Acme Corp with Jane Doe, Tom Lee: pricing review",
        '/contact set "Jane Doe" stage:evaluating reason:"asked for the ROI study"',
        '/opportunity team 1 add "Jane Doe"',
        "/opportunity 1",
        "/account Acme Corp map",
        ":time +1d",
        ":time +1d",
    )
    assert "Logged a *meeting* with *Acme Corp* (Jane Doe, Tom Lee)" in out
    assert "*Buying team* (1)" in out
    assert "is single-threaded: only Jane Doe was touched" in out
    assert "is at proposal, and no economic buyer in the team." in out
    assert "The readiness chart is in your DM with me." in out
    first, second = out.split(":time +1d\n")[1:3]
    assert "single-threaded" in first and "no economic buyer" in first
    assert "single-threaded" not in second and "no economic buyer" not in second
    assert (tmp_path / "buying-team-readiness.png").read_bytes().startswith(b"\x89PNG")
