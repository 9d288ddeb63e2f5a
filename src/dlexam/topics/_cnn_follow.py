"""Error carried forward for cnn.layer_table: the table recomputed row by row from the shapes
the student wrote, and the total from the student's own counts (rules: the topic's docstring).

    follow(params, "rows", {"rows": table})          -> the table as the student's shapes give it
    follow(params, "total_params", {"rows": table})  -> the sum of the student's weights and biases

Row i is computed by the layer on a feed shape: the student's shape of row i − 1 when it can
feed the layer and is not trivial, else the recomputed key's shape of row i − 1, else the true
one (the input image for row 0). A student's wrong early shape therefore costs its own cells
only, and a trivial or unusable one is never followed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .cnn_layer_table import MAX_SIZE, _Layer, _parse, _Row, _row

__all__ = ["follow"]


def follow(params: Any, part_id: str, given: dict[str, Any]) -> Any | None:
    layers = [layer for layer in map(_parse, params["layers"]) if isinstance(layer, _Layer)]
    if len(layers) != len(params["layers"]):
        return None
    image = tuple(int(v) for v in params["input"])
    ceil_mode = bool(params.get("ceil_mode", False))
    truth = _chain(layers, image, ceil_mode, [])
    if truth is None:
        return None
    mine = given.get("rows")
    if not isinstance(mine, list):
        return None
    if part_id == "rows":
        rows = _chain(layers, image, ceil_mode, mine, truth)
        return None if rows is None else [
            {"layer": r.layer, "shape": list(r.shape), "weights": r.weights, "biases": r.biases} for r in rows
        ]
    if part_id == "total_params":
        return _total(mine, truth)
    return None


def _chain(layers: list[_Layer], image: tuple[int, ...], ceil_mode: bool, mine: list[Any],
           truth: list[_Row] | None = None) -> list[_Row] | None:
    rows: list[_Row] = []
    used: list[tuple[int, ...]] = []  # the feed each row was computed from
    for i, layer in enumerate(layers):
        feeds: list[tuple[int, ...] | None] = [image]
        if i:
            key_feed = rows[-1].shape
            student = _shape(mine[i - 1] if i - 1 < len(mine) else None, key_feed, image, used[-1])
            feeds = [student, key_feed, truth[i - 1].shape if truth else None]
        tried = ((f, _row(layer, f, ceil_mode)) for f in feeds if f is not None)
        found = next(((f, r) for f, r in tried if r is not None), None)
        if found is None:
            return None
        used.append(found[0])
        rows.append(found[1])
    return rows


def _shape(row: Any, key: tuple[int, ...], image: tuple[int, ...],
           above: tuple[int, ...]) -> tuple[int, ...] | None:
    """The student's shape of a row as a feed for the next layer, or None when it cannot feed
    it (not whole sizes from 1 to MAX_SIZE, a different length from the key's) or is trivial
    (wrong and all 1s, the input image's shape, or the shape of the row above copied down)."""
    cells = row.get("shape") if isinstance(row, dict) else None
    if not isinstance(cells, list | tuple) or len(cells) != len(key):
        return None
    if not all(_whole(c) and 1 <= c <= MAX_SIZE for c in cells):
        return None
    sizes = [int(c) for c in cells]
    shape = tuple(sizes)
    if shape != key and (all(v == 1 for v in shape) or shape in (image, above)):
        return None
    return shape


def _total(mine: list[Any], truth: list[_Row]) -> int | None:
    """The sum of the student's weight and bias counts: whole numbers ≥ 0, one pair per layer;
    None when a count is missing or when every count is 0 or every one is 1 (and wrong)."""
    if len(mine) != len(truth):
        return None
    counts = []
    for row in mine:
        cells: tuple[Any, ...] = (row.get("weights"), row.get("biases")) if isinstance(row, dict) else (None,)
        for c in cells:
            if not _whole(c) or c < 0:
                return None
            counts.append(int(c))
    right = [n for r in truth for n in (r.weights, r.biases)]
    if counts != right and (all(c == 0 for c in counts) or all(c == 1 for c in counts)):
        return None
    return sum(counts)


def _whole(c: Any) -> bool:
    return not isinstance(c, bool) and isinstance(c, int | Fraction) and Fraction(c).denominator == 1
