"""Charts rendered with matplotlib's object-oriented API on the Agg backend: no pyplot, no global
state, safe in a server's threads. Shared figure helpers; each chart has its own module."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not when the app starts
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Slack previews images about 360 px wide in the message list and opens them larger: draw at
# 9 × 6 inches and 100 dpi (900 × 600 px) with fonts large enough to read once scaled down.
SIZE = (9.0, 6.0)
DPI = 100
FONT = 11
COLOURS = ("#1f6feb", "#e3a008", "#2da44e", "#cf222e", "#8250df", "#57606a")
TARGET_COLOUR = "#24292f"


def new_figure(rows: int = 1, *, size: tuple[float, float] = SIZE) -> tuple[Figure, list[Axes]]:
    """A figure with ``rows`` axes stacked vertically, attached to an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def style(ax: Axes, *, title: str, xlabel: str, ylabel: str = "") -> None:
    ax.set_title(title, fontsize=FONT + 2, loc="left", fontweight="bold")
    ax.set_xlabel(xlabel, fontsize=FONT)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


def empty(ax: Axes, text: str) -> None:
    """An axes with nothing to draw says so instead of staying blank."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=FONT, transform=ax.transAxes, color="#57606a")
    ax.set_xticks([])
    ax.set_yticks([])


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
