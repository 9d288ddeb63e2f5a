"""The figure of `mlp.sgd_step`: the network with every weight on its edge.

Inputs on the left, one column per layer, arrows from each unit to the next layer's
units; the weight W[l][i][j] sits on the edge from unit j to unit i, the bias above its
unit, the input values left of the inputs and the target right of the outputs. Only the
givens appear (no pre-activation, gradient or updated weight).

Weight labels are placed greedily along their edge: for each edge the first position
(of a few, staggered by the unit the edge leaves) whose label box neither overlaps a
label already placed nor is crossed by another edge of the same layer gap; failing
that, the position with the fewest collisions. Labels carry a white halo, so an edge
passing behind one never hides a digit.
"""

from __future__ import annotations

import math
from typing import Any

from ._svg import MUTED, Canvas, Label, fmt, ident, index, italic, label_width, num

__all__ = ["mlp_figure"]

R = 13.0  # unit radius
SIZE = 10.5  # weight label font size
TARGET_WIDTH = 440.0  # about a page's text width in pt
_ACT = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear", "step": "step"}
_T_EVEN = (0.26, 0.74, 0.5, 0.38, 0.62, 0.16, 0.84)  # where a label may sit along its edge
_T_ODD = (0.74, 0.26, 0.5, 0.62, 0.38, 0.84, 0.16)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def mlp_figure(params: dict[str, Any]) -> str:
    weights: list[list[list[Any]]] = params["weights"]
    sizes = [len(weights[0][0])] + [len(w) for w in weights]
    depth = len(weights)
    biases = params.get("biases") or [[0] * n for n in sizes[1:]]
    x = params["x"]
    loss = params.get("loss", "half_mse")
    y = params["y"]
    targets = [y] if not isinstance(y, list) else y

    spacing = 58.0 if max(sizes) <= 4 else 46.0
    in_w = max(label_width(fmt(v), 11) for v in x) + 22
    if loss == "ce":
        out_w = label_width(["class ", italic("y"), " = ", fmt(y), " (0-based)"], 11) + 12
    else:
        out_w = max(label_width([italic("y"), index(i + 1), " = ", fmt(t)], 11)
                    for i, t in enumerate(targets)) + 12
    left = R + in_w + 4
    gap = min(170.0, max(80.0, (TARGET_WIDTH - left - R - out_w) / depth))
    top = 58.0
    height = top + (max(sizes) - 1) * spacing + R + 10
    width = left + depth * gap + R + out_w

    def pos(l: int, i: int) -> tuple[float, float]:
        return left + l * gap, top + ((max(sizes) - sizes[l]) / 2 + i) * spacing

    c = Canvas()
    boxes: list[Box] = []  # taken areas: units and bias labels
    for l in range(depth + 1):
        for i in range(sizes[l]):
            cx, cy = pos(l, i)
            boxes.append((cx - R, cy - R, cx + R, cy + R))
    bias_labels: list[tuple[float, float, Label]] = []
    for l in range(1, depth + 1):
        for i in range(sizes[l]):
            cx, cy = pos(l, i)
            lab: Label = [italic("b"), " = ", num(biases[l - 1][i])]
            half = label_width(lab, 10) / 2
            boxes.append((cx - half, cy - R - 15, cx + half, cy - R - 3))
            bias_labels.append((cx, cy - R - 9, lab))

    labels = []  # (x, y, weight) in drawing order after every edge
    for l in range(depth):
        edges = [(j, i, pos(l, j), pos(l + 1, i)) for i in range(sizes[l + 1]) for j in range(sizes[l])]
        for _, _, (xa, ya), (xb, yb) in edges:
            angle = math.atan2(yb - ya, xb - xa)
            dx, dy = R * math.cos(angle), R * math.sin(angle)
            c.arrow(xa + dx, ya + dy, xb - dx, yb - dy, color="#555")
        segments = [(xa, ya, xb, yb) for _, _, (xa, ya), (xb, yb) in edges]
        for k, (j, i, _, _) in enumerate(edges):
            text = fmt(weights[l][i][j])
            w = label_width(text, SIZE) + 3
            lx, ly = _place(k, segments, w, SIZE + 1, boxes, _T_EVEN if j % 2 == 0 else _T_ODD)
            boxes.append((lx - w / 2, ly - (SIZE + 1) / 2, lx + w / 2, ly + (SIZE + 1) / 2))
            labels.append((lx, ly, weights[l][i][j]))

    for l in range(depth + 1):
        for i in range(sizes[l]):
            cx, cy = pos(l, i)
            c.circle(cx, cy, R, fill="#fff" if l == 0 else "#eef3fb")
            c.text(cx, cy, _unit_name(l, i, depth, sizes[-1]))
    for cx, cy, lab in bias_labels:
        c.text(cx, cy, lab, size=10, halo=True)
    for lx, ly, value in labels:
        c.text(lx, ly, num(value), size=SIZE, halo=True)
    for j, v in enumerate(x):
        cx, cy = pos(0, j)
        c.arrow(cx - R - 14, cy, cx - R, cy, color="#555")
        c.text(cx - R - 17, cy, num(v), anchor="end")
    _targets(c, params, [pos(depth, i) for i in range(sizes[-1])], targets)
    _headers(c, params, depth, lambda l: pos(l, 0)[0])
    shape = "–".join(map(str, sizes))
    return c.svg(width, height, f"The {shape} network with its weights on the edges and biases above "
                 "the units")


def _unit_name(l: int, i: int, depth: int, outputs: int) -> Label:
    if l == 0:
        return [italic("x"), index(i + 1)]
    if l == depth:
        return [italic("ŷ"), index(i + 1)] if outputs > 1 else [italic("ŷ")]
    return [italic("a"), index(i + 1)]


def _targets(c: Canvas, params: dict[str, Any], units: list[tuple[float, float]], targets: list[Any]) -> None:
    if params.get("loss") == "ce":
        cx, cy = units[int(params["y"])]  # beside the unit of the true class
        label: Label = ["class ", italic("y"), " = ", num(params["y"]), " (", ident(0), "-based)"]
        c.text(cx + R + 8, cy, label, anchor="start")
        return
    for i, ((cx, cy), t) in enumerate(zip(units, targets, strict=True)):
        sub = [index(i + 1)] if len(units) > 1 else []
        c.text(cx + R + 8, cy, [italic("y"), *sub, " = ", num(t)], anchor="start")


def _headers(c: Canvas, params: dict[str, Any], depth: int, column: Any) -> None:
    hidden = _ACT[params.get("activation", "relu")]
    output = _ACT[params.get("output_activation", "linear")]
    c.text(column(0), 8, "input", size=10, color=MUTED)
    for l in range(1, depth + 1):
        name: Label = "output" if l == depth else ["layer ", ident(l)]
        c.text(column(l), 8, name, size=10, color=MUTED)
        c.text(column(l), 20, output if l == depth else hidden, size=10, color=MUTED)


def _place(k: int, segments: list[tuple[float, float, float, float]], w: float, h: float,
           boxes: list[Box], ts: tuple[float, ...]) -> tuple[float, float]:
    """Where edge k's label goes: the first staggered position free of other labels and
    of the other edges in the gap, else the least crowded one."""
    xa, ya, xb, yb = segments[k]  # unit centre to unit centre; labels go on the part between
    best, best_score = (0.0, 0.0), math.inf
    for rank, t in enumerate(ts):
        lx = xa + R + t * (xb - xa - 2 * R)
        ly = ya + (lx - xa) / (xb - xa) * (yb - ya)
        x0, y0, x1, y1 = lx - w / 2, ly - h / 2, lx + w / 2, ly + h / 2
        score = rank * 0.01
        for bx0, by0, bx1, by1 in boxes:
            if x0 < bx1 and bx0 < x1 and y0 < by1 and by0 < y1:
                score += 10
        for m, (sa, sy, sb, ty) in enumerate(segments):
            if m == k:
                continue
            ya0 = sy + (x0 - sa) / (sb - sa) * (ty - sy)
            ya1 = sy + (x1 - sa) / (sb - sa) * (ty - sy)
            if min(ya0, ya1) < y1 and max(ya0, ya1) > y0:
                score += 1
        if score < best_score:
            best, best_score = (lx, ly), score
            if score < 1:
                break
    return best
