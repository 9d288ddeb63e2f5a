"""The two plots of the item-analysis report, as inline SVG text.

    svg = histogram_svg((0, 0, 1, 3, 8, 12, 9, 5, 2, 1), mean_percent=61.5)
    svg = scatter_svg([("s1q1.a", 0.82, 0.41), ("s1q2.b", 0.25, -0.10)])

matplotlib is imported inside each function, so `dlexam grade` does not pay for it unless
a report is drawn. No pyplot and no global state: each figure gets its own Agg canvas and
the style is fixed inside an rc context (matplotlib's defaults, text kept as SVG text, a
per-plot hash salt, no date or creator metadata), so the same numbers give the same bytes
whatever the user's matplotlibrc says, and two plots in one page never share an element id.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

__all__ = ["DISCRIMINATION_GUIDE", "FACILITY_GUIDES", "histogram_svg", "scatter_svg"]

#: Facility below the first is hard, above the second too easy for most exams.
FACILITY_GUIDES = (0.3, 0.9)
#: A point-biserial below this separates strong and weak students poorly.
DISCRIMINATION_GUIDE = 0.2

_NO_METADATA = {"Format": None, "Type": None, "Creator": None, "Date": None}


def _style(salt: str) -> Any:  # matplotlib types the keys as a Literal of every rcParam
    return {"svg.hashsalt": salt, "svg.fonttype": "none", "font.family": "sans-serif",
            "font.size": 9.0, "axes.spines.top": False, "axes.spines.right": False}


def _render(draw: Any, salt: str, size: tuple[float, float]) -> str:
    """Draw with `draw(axes)` on a fresh figure and return its <svg> element."""
    import matplotlib.style
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.style.context("default"), rc_context(_style(salt)):
        figure = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure.add_subplot())
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    text = buffer.getvalue()
    return _own_ids(text[text.index("<svg"):].strip(), salt)


def _own_ids(svg: str, prefix: str) -> str:
    """Prefix every id and reference to one, so two plots in a page never share an id."""
    for old, new in (('id="', f'id="{prefix}-'), ("url(#", f"url(#{prefix}-"),
                     ('xlink:href="#', f'xlink:href="#{prefix}-')):
        svg = svg.replace(old, new)
    return svg


def histogram_svg(counts: Sequence[int], mean_percent: float | None) -> str:
    """Students per 10%-wide band of the total (the last band holds 100%)."""
    bins = len(counts)

    def draw(axes: Any) -> None:
        width = 100 / max(1, bins)
        lefts = [i * width for i in range(bins)]
        axes.bar(lefts, list(counts), width=width, align="edge", color="#4c72b0", edgecolor="white")
        if mean_percent is not None:
            axes.axvline(mean_percent, color="#c44e52", linestyle="--", linewidth=1.2,
                         label=f"mean {mean_percent:.1f}%")
            axes.legend(loc="upper left", frameon=False)
        axes.set_xlim(0, 100)
        axes.set_xticks([i * 10 for i in range(11)])
        axes.set_xlabel("total score (% of the maximum)")
        axes.set_ylabel("students")
        axes.yaxis.get_major_locator().set_params(integer=True)

    return _render(draw, "dlexam-histogram", (6.0, 3.2))


def scatter_svg(points: Sequence[tuple[str, float, float]]) -> str:
    """One labelled point per part at (facility, point-biserial), with the guide lines."""

    def draw(axes: Any) -> None:
        low, high = FACILITY_GUIDES
        axes.axhspan(-1.05, DISCRIMINATION_GUIDE, color="#f3e0e0", zorder=0)
        axes.axvspan(0, low, color="#f6f0dc", zorder=0)
        axes.axvspan(high, 1.02, color="#f6f0dc", zorder=0)
        for x in FACILITY_GUIDES:
            axes.axvline(x, color="#8c8c8c", linestyle="--", linewidth=0.8)
        axes.axhline(DISCRIMINATION_GUIDE, color="#8c8c8c", linestyle="--", linewidth=0.8)
        axes.axhline(0, color="#4d4d4d", linewidth=0.6)
        if points:
            xs = [p[1] for p in points]
            ys = [p[2] for p in points]
            axes.scatter(xs, ys, s=18, color="#4c72b0", zorder=3)
        for k, (label, x, y) in enumerate(points):
            dy = 4 if k % 2 == 0 else -9  # alternate above and below so neighbours overlap less
            axes.annotate(label, (x, y), xytext=(4, dy), textcoords="offset points", fontsize=7, zorder=4)
        axes.set_xlim(0, 1.02)
        axes.set_ylim(-1.05, 1.05)
        axes.set_xlabel("facility (share of the marks earned)")
        axes.set_ylabel("discrimination (point-biserial)")
        axes.text(0.01, -1.0, "hard", fontsize=7, color="#6b6b6b")
        axes.text(high + 0.01, -1.0, "easy", fontsize=7, color="#6b6b6b")

    return _render(draw, "dlexam-scatter", (6.4, 4.6))
