"""The weekly digest's chart: each rep's inputs against target as horizontal bars (a black tick marks
the target), and the open expansion pipeline by stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.charts import COLOURS, FONT, TARGET_COLOUR, empty, new_figure, png_bytes, style
from bot.domain.digest import ChartData

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR = 0.8


def draw(data: ChartData) -> Figure:
    figure, (inputs, pipeline) = new_figure(2)
    figure.suptitle(f"Team digest · {data.title}", fontsize=FONT + 3)
    style(inputs, title="Inputs against target, per rep", xlabel="activities this week (| = target)")
    if data.metrics and data.reps:
        height = BAR / len(data.metrics)
        for i, metric in enumerate(data.metrics):
            ys = [r + (i - (len(data.metrics) - 1) / 2) * height for r in range(len(data.reps))]
            inputs.barh(
                ys, data.actual[metric], height=height * 0.9, label=metric, color=COLOURS[i % len(COLOURS)]
            )
            marks = [(y, t) for y, t in zip(ys, data.target[metric], strict=True) if t is not None]
            if marks:
                inputs.scatter(
                    [t for _, t in marks],
                    [y for y, _ in marks],
                    marker="|",
                    s=400,
                    color=TARGET_COLOUR,
                    zorder=3,
                )
        inputs.set_yticks(range(len(data.reps)), labels=data.reps)
        inputs.invert_yaxis()
        inputs.legend(fontsize=FONT - 1, loc="lower right")
    else:
        empty(inputs, "No activity logged this week")
    style(pipeline, title="Open expansion pipeline (upsell + cross-sell)", xlabel="MRR", ylabel="stage")
    if data.stages:
        bars = pipeline.barh(data.stages, data.stage_mrr, color=COLOURS[2])
        pipeline.bar_label(
            bars, labels=[f"{m:,.0f} ({n})" for m, n in zip(data.stage_mrr, data.stage_count, strict=True)],
            fontsize=FONT - 1, padding=3,
        )  # fmt: skip
        pipeline.invert_yaxis()
    else:
        empty(pipeline, "No open upsell or cross-sell opportunity")
    return figure


def render(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    return png_bytes(draw(data))
