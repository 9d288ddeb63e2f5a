"""Reading what item analysis is given: the score matrix, the maximum marks, the variant
labels and the options students chose. Each reader returns the clean data or a one-line
message saying what is wrong and where; none of them raises."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np

__all__ = ["option_text", "read_labels", "read_max_marks", "read_picks", "read_scores"]

_NUMBER_TYPES = (int, float, Fraction, Decimal, np.integer, np.floating)
_SLACK = 1e-9  # float sums of exact marks may overshoot the maximum by rounding


def _is_number(value: object) -> bool:
    return _is_number_type(type(value))


def _is_number_type(kind: type) -> bool:
    return issubclass(kind, _NUMBER_TYPES) and not issubclass(kind, bool | np.bool_)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_max_marks(max_marks: object) -> np.ndarray | str:
    """The maximum marks per part as floats, each finite and positive."""
    if isinstance(max_marks, str | bytes) or not isinstance(max_marks, Iterable):
        return f"max marks must be a list of numbers, one per part, got {_shown(max_marks)}"
    values = list(max_marks)
    if not values:
        return "max marks must list at least one part"
    for j, value in enumerate(values):
        if not _is_number(value) or not math.isfinite(float(value)) or float(value) <= 0:
            return f"max marks of part {j + 1} must be a positive number, got {_shown(value)}"
    return np.array([float(v) for v in values], dtype=float)


def read_scores(scores: object, top: np.ndarray) -> np.ndarray | str:
    """The score matrix (students × parts) as floats with NaN where a mark is missing.
    Cells are None or numbers in [0, max marks]; a float array may use NaN for None."""
    k = top.size
    if isinstance(scores, np.ndarray) and scores.dtype.kind == "O":
        scores = scores.tolist()  # cells may be None, Fractions, ...
    if isinstance(scores, np.ndarray):
        if scores.ndim != 2 or scores.dtype.kind not in "iuf":
            return "scores must be a 2-D array of numbers (students × parts)"
        if scores.shape[1] != k and scores.shape[0] > 0:
            return f"scores have {scores.shape[1]} parts but max marks give {k}"
        matrix = scores.astype(float).reshape(scores.shape[0], k)
    else:
        matrix_or_error = _matrix_from_rows(scores, k)
        if isinstance(matrix_or_error, str):
            return matrix_or_error
        matrix = matrix_or_error
    if np.isinf(matrix).any():
        return "scores must be finite; found an infinite mark"
    with np.errstate(invalid="ignore"):
        bad = (matrix < 0) | (matrix > top * (1 + _SLACK))
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        return (f"student {i + 1}, part {j + 1}: mark {matrix[i, j]:g} is outside "
                f"0 to {top[j]:g} (the part's max marks)")
    return np.minimum(matrix, top)


def _matrix_from_rows(scores: object, k: int) -> np.ndarray | str:
    if isinstance(scores, str | bytes) or not isinstance(scores, Iterable):
        return f"scores must be a list of rows (one per student), got {_shown(scores)}"
    rows = list(scores)
    for i, row in enumerate(rows):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
            return f"student {i + 1}: a row of scores must be a list of marks, got {_shown(row)}"
        if len(row) != k:
            return f"student {i + 1}: {len(row)} marks for {k} parts"
    cells = [cell for row in rows for cell in row]
    kinds = set(map(type, cells))
    if not all(kind is type(None) or _is_number_type(kind) for kind in kinds):
        at = next(n for n, cell in enumerate(cells) if cell is not None and not _is_number(cell))
        return (f"student {at // k + 1}, part {at % k + 1}: a mark must be a number or None, "
                f"got {_shown(cells[at])}")
    try:
        flat = np.array([math.nan if cell is None else float(cell) for cell in cells], dtype=float)
    except (OverflowError, ValueError, ArithmeticError) as error:
        return f"a mark could not be read as a number: {error}"
    given = np.array([cell is not None for cell in cells], dtype=bool)
    if np.isnan(flat[given]).any():
        at = int(np.flatnonzero(given & np.isnan(flat))[0])
        return f"student {at // k + 1}, part {at % k + 1}: a mark is NaN; use None for a missing mark"
    return flat.reshape(len(rows), k)


def read_labels(labels: object, n: int, part: str) -> list[str | None] | str:
    """One variant label per student (None where unknown), each turned into text."""
    if isinstance(labels, str | bytes) or not isinstance(labels, Sequence | np.ndarray):
        return f"variants of part {part!r} must be a list with one label per student"
    if len(labels) != n:
        return f"variants of part {part!r}: {len(labels)} labels for {n} students"
    return [None if label is None else str(label) for label in labels]


def read_picks(picks: object, n: int, part: str) -> list[frozenset[str] | None] | str:
    """One chosen-option set per student: None (no answer), one option as text (a letter, or
    'true'/'false'), or a collection of options. An empty collection counts as no answer."""
    if isinstance(picks, str | bytes) or not isinstance(picks, Sequence | np.ndarray):
        return f"choices of part {part!r} must be a list with one entry per student"
    if len(picks) != n:
        return f"choices of part {part!r}: {len(picks)} entries for {n} students"
    read: list[frozenset[str] | None] = []
    for i, pick in enumerate(picks):
        chosen = _read_pick(pick)
        if isinstance(chosen, str):
            return f"choices of part {part!r}, student {i + 1}: {chosen}"
        read.append(chosen or None)
    return read


def _read_pick(pick: object) -> frozenset[str] | str | None:
    if pick is None:
        return None
    if isinstance(pick, str | bool):
        return frozenset({option_text(pick)})
    if isinstance(pick, bytes) or not isinstance(pick, Iterable):
        return f"expected an option or a set of options, got {_shown(pick)}"
    options = list(pick)
    if not all(isinstance(option, str | bool) for option in options):
        return f"options must be text such as 'b', got {_shown(pick)}"
    return frozenset(option_text(option) for option in options)


def option_text(option: str | bool) -> str:
    return ("true" if option else "false") if isinstance(option, bool) else option
