"""The buying team's readiness: each member placed on the buyer's journey, one row per member.

A large team (more than ``MAX_ROWS`` members) is drawn as the number of members at each stage instead,
so the picture stays readable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.charts import COLOURS, FONT, new_figure, png_bytes, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_ROWS = 25
ROLE_COLOURS = (*COLOURS, "#d35400", "#16a2b8")


@dataclass(frozen=True)
class Dot:
    name: str
    role: str | None
    stage_index: int


def render_readiness(title: str, stages: tuple[str, ...], roles: tuple[str, ...], dots: list[Dot]) -> bytes:
    """A PNG (the shared chart machinery of ``bot.charts``): members (rows) on the journey's stages
    (columns), coloured by role; laggards at the top."""
    if len(dots) > MAX_ROWS:
        return _counts(title, stages, dots)
    rows = sorted(dots, key=lambda d: (d.stage_index, d.name), reverse=True)
    fig, (ax,) = new_figure(size=(9.0, 1.6 + 0.34 * max(len(rows), 1)))
    style(ax, title=title, xlabel="buying journey")
    colours = {role: ROLE_COLOURS[i % len(ROLE_COLOURS)] for i, role in enumerate(roles)}
    for y, dot in enumerate(rows):
        colour = colours.get(dot.role or "", "#95a5a6")
        ax.plot([0, dot.stage_index], [y, y], color=colour, alpha=0.25, linewidth=3)
        ax.scatter([dot.stage_index], [y], color=colour, s=80, zorder=3)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{d.name[:28]} ({d.role or 'no role'})" for d in rows], fontsize=FONT - 2)
    _stage_axis(ax, stages)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    return png_bytes(fig)


def _counts(title: str, stages: tuple[str, ...], dots: list[Dot]) -> bytes:
    fig, (ax,) = new_figure(size=(9.0, 4.0))
    style(ax, title=f"{title} ({len(dots)} members)", xlabel="buying journey", ylabel="members")
    counts = Counter(min(d.stage_index, len(stages) - 1) for d in dots)
    values = [counts.get(i, 0) for i in range(len(stages))]
    ax.bar(range(len(stages)), values, color=COLOURS[0])
    for i, v in enumerate(values):
        if v:
            ax.annotate(str(v), (i, v), ha="center", va="bottom", fontsize=FONT - 2)
    _stage_axis(ax, stages)
    return png_bytes(fig)


def _stage_axis(ax: Axes, stages: tuple[str, ...]) -> None:
    ax.set_xticks(range(len(stages)))
    ax.set_xticklabels([s.replace(" ", "\n") for s in stages], fontsize=FONT - 2)
    ax.set_xlim(-0.5, len(stages) - 0.5)
    ax.grid(axis="x", alpha=0.3)
