"""The buying team's readiness: each member placed on the buyer's journey, one row per member.

A large team (more than ``MAX_ROWS`` members) is drawn as the number of members at each stage instead,
so the picture stays readable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

MAX_ROWS = 25
ROLE_COLOURS = ("#1b6ac9", "#2e9e5b", "#e0a800", "#8e44ad", "#16a2b8", "#7f8c8d", "#d35400", "#c0392b")


@dataclass(frozen=True)
class Dot:
    name: str
    role: str | None
    stage_index: int


def render_readiness(title: str, stages: tuple[str, ...], roles: tuple[str, ...], dots: list[Dot]) -> bytes:
    """A PNG: members (rows) on the journey's stages (columns), coloured by role; laggards at the top."""
    if len(dots) > MAX_ROWS:
        return _counts(title, stages, dots)
    rows = sorted(dots, key=lambda d: (d.stage_index, d.name), reverse=True)
    height = 1.4 + 0.32 * max(len(rows), 1)
    fig = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colours = {role: ROLE_COLOURS[i % len(ROLE_COLOURS)] for i, role in enumerate(roles)}
    for y, dot in enumerate(rows):
        colour = colours.get(dot.role or "", "#95a5a6")
        ax.plot([0, dot.stage_index], [y, y], color=colour, alpha=0.25, linewidth=3)
        ax.scatter([dot.stage_index], [y], color=colour, s=80, zorder=3)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{d.name[:28]} ({d.role or 'no role'})" for d in rows], fontsize=8)
    _stage_axis(ax, stages)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_title(title, fontsize=11)
    return _png(fig)


def _counts(title: str, stages: tuple[str, ...], dots: list[Dot]) -> bytes:
    fig = Figure(figsize=(8, 3.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    counts = Counter(min(d.stage_index, len(stages) - 1) for d in dots)
    values = [counts.get(i, 0) for i in range(len(stages))]
    ax.bar(range(len(stages)), values, color="#1b6ac9")
    for i, v in enumerate(values):
        if v:
            ax.annotate(str(v), (i, v), ha="center", va="bottom", fontsize=8)
    _stage_axis(ax, stages)
    ax.set_ylabel("members")
    ax.set_title(f"{title} ({len(dots)} members)", fontsize=11)
    return _png(fig)


def _stage_axis(ax: Axes, stages: tuple[str, ...]) -> None:
    ax.set_xticks(range(len(stages)))
    ax.set_xticklabels([s.replace(" ", "\n") for s in stages], fontsize=8)
    ax.set_xlim(-0.5, len(stages) - 0.5)
    ax.grid(axis="x", alpha=0.3)


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
