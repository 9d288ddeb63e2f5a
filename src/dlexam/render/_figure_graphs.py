"""Computation-graph figures: `graph.skip_connection`, `graph.squared_error` and the
unrolled `rnn.forward_grad`.

Leaves (the givens, with their values) are boxes, operations are circles, arrows run
from inputs to the output, and intermediate edges carry the names the question uses
(s, Wx, d) — never their values, which are part of the key.
"""

from __future__ import annotations

from typing import Any

from ._svg import MUTED, Canvas, Label, index, italic, label_width, num

__all__ = ["rnn_figure", "skip_connection_figure", "squared_error_figure"]

OP_R = 12.0  # operation circle radius
BOX_H = 22.0


def _box(c: Canvas, cx: float, cy: float, label: Label, *, fill: str = "#fff",
         dash: bool = False) -> float:
    """A leaf or an output: a rounded box sized to its label. Returns its half width."""
    half = label_width(label, 11) / 2 + 7
    c.rect(cx - half, cy - BOX_H / 2, 2 * half, BOX_H, fill=fill, dash=dash)
    c.text(cx, cy, label)
    return half


def _op(c: Canvas, cx: float, cy: float, symbol: Label, *, r: float = OP_R) -> None:
    c.circle(cx, cy, r, fill="#eef3fb")
    c.text(cx, cy, symbol, size=12)


# -- graph.skip_connection -----------------------------------------------------------------

def skip_connection_figure(params: dict[str, Any]) -> str:
    c = Canvas()
    x_label: Label = [italic("x"), " = ", num(params["x"])]
    w_label: Label = [italic("w"), " = ", num(params["w"])]
    left = max(label_width(x_label, 11), label_width(w_label, 11)) / 2 + 12
    relu_half = label_width("ReLU", 11) / 2 + 7
    for row, skip in enumerate((False, True)):
        top = row * 100.0
        title: Label = (["plain unit: ", italic("y"), " = ReLU(", italic("w x"), ")"] if not skip else
                        ["with a skip connection: ", italic("y"), " = ReLU(", italic("w x"), " + ",
                         italic("x"), ")"])
        c.text(4, top + 12, title, anchor="start", size=10, color=MUTED)
        mid = top + 52
        xs, ws = mid + 18, mid - 18  # x below, w above
        x_half = _box(c, left, xs, x_label)
        w_half = _box(c, left, ws, w_label)
        mul = left + 110
        _op(c, mul, mid, "×")
        c.arrow(left + w_half, ws, mul - OP_R * 0.9, mid - OP_R * 0.45)
        c.arrow(left + x_half, xs, mul - OP_R * 0.9, mid + OP_R * 0.45)
        relu = mul + (170 if skip else 120)
        if skip:
            add = mul + 80
            _op(c, add, mid, "+")
            c.arrow(mul + OP_R, mid, add - OP_R, mid)
            c.polyline_arrow([(left, xs + BOX_H / 2), (left, xs + 26), (add, xs + 26), (add, mid + OP_R)])
            c.text((left + add) / 2, xs + 26, "identity (shortcut)", size=9.5, halo=True, color=MUTED)
            start = add + OP_R
        else:
            start = mul + OP_R
        c.arrow(start, mid, relu - relu_half, mid)
        c.text((start + relu - relu_half) / 2, mid - 8, italic("s"), halo=True)
        c.rect(relu - relu_half, mid - BOX_H / 2, 2 * relu_half, BOX_H, fill="#eef3fb", rx=8)
        c.text(relu, mid, "ReLU")
        out = relu + relu_half + 48
        c.arrow(relu + relu_half, mid, out - 12, mid)
        _box(c, out, mid, italic("y"), fill="#f4f4f4")
    return c.svg(out + 20, 210, "Computation graphs of the unit, plain and with a skip connection")


# -- graph.squared_error -------------------------------------------------------------------

ROW_H = 15.0


def _matrix(c: Canvas, x: float, cy: float, name: str, rows: list[list[Any]]) -> tuple[float, float]:
    """`name = [matrix]` with its left edge at x, centred on cy. Returns (right edge, height)."""
    cells = [[num(v) for v in row] for row in rows]
    cell_w = max(label_width(r, 11) for row in cells for r in row) + 10
    n_cols = len(rows[0])
    height = len(rows) * ROW_H + 4
    lead = label_width([italic(name), " = "], 11) + 2
    c.text(x, cy, [italic(name), " = "], anchor="start")
    bx = x + lead
    top = cy - height / 2
    c.bracket(bx, top, height, left=True)
    for i, row in enumerate(cells):
        for j, run in enumerate(row):
            c.text(bx + 4 + (j + 0.5) * cell_w, top + 2 + (i + 0.5) * ROW_H, run)
    right = bx + 8 + n_cols * cell_w
    c.bracket(right, top, height, left=False)
    return right, height


def squared_error_figure(params: dict[str, Any]) -> str:
    w, x, y = params["W"], params["x"], params["y"]
    c = Canvas()
    w_h = len(w) * ROW_H + 4
    x_h = len(x) * ROW_H + 4
    y_h = len(y) * ROW_H + 4
    w_cy = 8 + w_h / 2
    x_cy = w_cy + w_h / 2 + 16 + x_h / 2
    w_right, _ = _matrix(c, 4, w_cy, "W", w)
    x_right, _ = _matrix(c, 4, x_cy, "x", [[v] for v in x])
    mid = (w_cy + x_cy) / 2
    mul = max(w_right, x_right) + 46
    _op(c, mul, mid, "×")
    c.arrow(w_right + 4, w_cy, mul - OP_R * 0.8, mid - OP_R * 0.6)
    c.arrow(x_right + 4, x_cy, mul - OP_R * 0.8, mid + OP_R * 0.6)
    sub = mul + 78
    _op(c, sub, mid, "−")
    c.arrow(mul + OP_R, mid, sub - OP_R, mid)
    c.text((mul + sub) / 2, mid - 9, [italic("W x")], halo=True)
    y_cy = max(x_cy, mid + OP_R + 22 + y_h / 2)
    y_lead = label_width([italic("y"), " = "], 11) + 2
    y_left = sub - y_lead - 14
    _matrix(c, y_left, y_cy, "y", [[v] for v in y])
    c.arrow(sub, y_cy - y_h / 2 - 2, sub, mid + OP_R)
    sq: Label = ["Σ", " ", italic("d"), index("i"), "²"]
    sq_half = label_width(sq, 11) / 2 + 8
    sq_x = sub + 60 + sq_half
    c.arrow(sub + OP_R, mid, sq_x - sq_half, mid)
    c.text((sub + sq_x - sq_half) / 2, mid - 9, [italic("d")], halo=True)
    c.rect(sq_x - sq_half, mid - BOX_H / 2, 2 * sq_half, BOX_H, fill="#eef3fb", rx=8)
    c.text(sq_x, mid, sq)
    out = sq_x + sq_half + 50
    c.arrow(sq_x + sq_half, mid, out - 12, mid)
    _box(c, out, mid, italic("L"), fill="#f4f4f4")
    height = max(x_cy + x_h / 2, y_cy + y_h / 2) + 8
    return c.svg(out + 16, height, "Computation graph of the squared error L = ‖Wx − y‖²")


# -- rnn.forward_grad ---------------------------------------------------------------------

PER_ROW = 6
STEP = 66.0
H_R = 14.0
_PHI = {"relu": "ReLU", "tanh": "tanh", "linear": "the identity"}


def rnn_figure(params: dict[str, Any]) -> str:
    xs = params["x"]
    steps = len(xs)
    c = Canvas()
    legend: Label = [italic("u"), " = ", num(params["u"]), " (recurrent),   ", italic("w"), " = ",
                     num(params["w"]), " (input),   ", italic("v"), " = ", num(params["v"]),
                     " (output),   ", italic("φ"), " = ", _PHI[params.get("activation", "relu")]]
    c.text(4, 10, legend, anchor="start", size=10.5)
    h0: Label = [italic("h"), index(0), " = ", num(params.get("h0", 0))]
    first = label_width(h0, 11) + 14
    rows = (steps + PER_ROW - 1) // PER_ROW
    hy = 40.0  # below the legend; the last row also leaves room above for the output y
    width = first + 10 + min(steps, PER_ROW) * STEP + 40
    for r in range(rows):
        hy += (100 if r else 0) + (50 if r == rows - 1 else 0)
        ts = range(r * PER_ROW + 1, min(steps, (r + 1) * PER_ROW) + 1)
        if r == 0:
            prev_x = first / 2 + 4
            prev_right = prev_x + _box(c, prev_x, hy, h0)
        else:  # the state carried over from the row above, drawn again
            prev_x = first - H_R
            c.circle(prev_x, hy, H_R, dash=True)
            c.text(prev_x, hy, [italic("h"), index(ts[0] - 1)])
            prev_right = prev_x + H_R
        for t in ts:
            cx = first + 10 + (t - r * PER_ROW - 0.5) * STEP
            c.arrow(prev_right, hy, cx - H_R, hy)
            c.text((prev_right + cx - H_R) / 2, hy - 8, italic("u"), halo=True)
            c.circle(cx, hy, H_R, fill="#eef3fb")
            c.text(cx, hy, [italic("h"), index(t)])
            xy = hy + 50
            _box(c, cx, xy, [italic("x"), index(t), " = ", num(xs[t - 1])])
            c.arrow(cx, xy - BOX_H / 2, cx, hy + H_R)
            c.text(cx + 7, (xy - BOX_H / 2 + hy + H_R) / 2, italic("w"), anchor="start", halo=True)
            prev_right = cx + H_R
        if ts[-1] == steps:
            cx = prev_right - H_R
            c.arrow(cx, hy - H_R, cx, hy - 38)
            c.text(cx + 7, hy - H_R - 12, italic("v"), anchor="start", halo=True)
            _box(c, cx, hy - 49, [italic("y"), " = ", italic("y"), index(steps)], fill="#f4f4f4")
        else:
            c.arrow(prev_right, hy, prev_right + 28, hy, dash=True)
    height = hy + 50 + BOX_H / 2 + 6
    return c.svg(max(width, label_width(legend, 10.5) + 8), height,
                 f"The recurrent network unrolled over {steps} time step{'s' if steps > 1 else ''}")
