"""Figures for the questions where a picture says more than text: one SVG source that the
PDF embeds (Typst: `image(bytes(svg), format: "svg")`) and the HTML inlines.

    >>> svg = figure(dlexam.question("mlp.sgd_step", seed=3))   # None for a topic without one

| topic | figure |
| --- | --- |
| `mlp.sgd_step` | the network, each weight on its edge, biases above the units |
| `graph.skip_connection` | the computation graph, plain and with the shortcut |
| `graph.squared_error` | the graph W, x → × → − y → Σ d² → L, with W, x, y written out |
| `rnn.forward_grad` | the recurrence unrolled over the time steps |
| `cnn.layer_table` | one box per layer, in order (the table to fill in is the question) |

A figure shows the givens only (the question's params), never a value of the key. It
reads nothing but `question.topic` and `question.params` (echoed by the topic with its
defaults filled in), so it follows the layer rule: render reads the model. Pure Python,
deterministic to the byte, 0.07–0.3 ms a figure; sizes are in points at about a page's
text width (≤ ~450 pt, embed at natural size), fonts are the generic `serif` (Typst
draws it in the document's font) and DejaVu Sans Mono for layer names (bundled with Typst).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import Question
from ._figure_graphs import rnn_figure, skip_connection_figure, squared_error_figure
from ._figure_mlp import mlp_figure
from ._svg import MUTED, Canvas, Label, mono_width

__all__ = ["FIGURE_TOPICS", "figure"]


def figure(question: Question) -> str | None:
    """The question's figure as an SVG string, or None when its topic has none."""
    draw = _FIGURES.get(question.topic)
    return draw(question.params) if draw else None


# -- cnn.layer_table ----------------------------------------------------------------------

BOX_W, BOX_H, GAP = 78.0, 40.0, 16.0
MAX_WIDTH = 450.0  # about a page's text width in pt: longer nets wrap onto more rows
_KIND = {"CONV": ("convolution", "#eef3fb"), "POOL": ("max pooling", "#fdf1e3"),
         "FC": ("fully connected", "#eaf6ec")}


def _kind(layer: str) -> str:
    head = layer.strip().split("-", 1)[0].upper()
    return head if head in _KIND else "FC"


def cnn_figure(params: dict[str, Any]) -> str:
    """The input and each layer as a box in a row, named as the question names them. No
    shapes but the input's: every other shape is an answer."""
    layers: list[str] = [str(s).strip() for s in params["layers"]]
    width = max([BOX_W] + [mono_width(s, 9.5) + 12 for s in layers])
    per_row = max(2, int((MAX_WIDTH - 8 + GAP) // (width + GAP)))
    c = Canvas()
    boxes: list[tuple[Label, str, bool]] = [("input", " × ".join(map(str, params["input"])), False)]
    boxes += [(_KIND[_kind(s)][0], s, True) for s in layers]
    rows = (len(boxes) + per_row - 1) // per_row
    row_h = BOX_H + 34
    for k, (title, text, mono) in enumerate(boxes):
        row, col = divmod(k, per_row)
        x, y = 4 + col * (width + GAP), 6 + row * row_h
        fill = _KIND[_kind(text)][1] if mono else "#fff"
        c.rect(x, y, width, BOX_H, fill=fill)
        c.text(x + width / 2, y + 12, title, size=9, color=MUTED)
        c.text(x + width / 2, y + 27, text, size=9.5 if mono else 11, mono=mono)
        if k + 1 < len(boxes):
            if col + 1 < per_row:  # to the next box in the row
                c.arrow(x + width, y + BOX_H / 2, x + width + GAP, y + BOX_H / 2)
            else:  # down and back to the start of the next row
                mid = y + BOX_H + (row_h - BOX_H) / 2
                c.polyline_arrow([(x + width / 2, y + BOX_H), (x + width / 2, mid),
                                  (4 + width / 2, mid), (4 + width / 2, y + row_h)])
    total_w = 8 + min(len(boxes), per_row) * (width + GAP) - GAP
    bottom = 6 + (rows - 1) * row_h + BOX_H + 6
    if params.get("ceil_mode"):
        c.text(4, bottom + 6, "pooling rounds a fractional size up (ceil mode)", anchor="start", size=9,
               color=MUTED)
        bottom += 16
    return c.svg(total_w, bottom, "The layers of the network, in order: " + ", ".join(layers))


_FIGURES: dict[str, Callable[[dict[str, Any]], str]] = {
    "mlp.sgd_step": mlp_figure,
    "graph.skip_connection": skip_connection_figure,
    "graph.squared_error": squared_error_figure,
    "rnn.forward_grad": rnn_figure,
    "cnn.layer_table": cnn_figure,
}

#: The topics that have a figure.
FIGURE_TOPICS = frozenset(_FIGURES)
