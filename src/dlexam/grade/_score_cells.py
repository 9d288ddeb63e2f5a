"""Per-cell credit for answers with several numbers (shapes, vectors, matrices, lists, tables).

The student's value (as `parse.read` gives it) is laid over the key position by position:
list items by index, table columns by name. Every number of the key is one cell; text in
the key (a table's layer names, which the question gives) is not marked. A cell the answer
leaves out is wrong, and every number the answer has beyond the key (a fifth size for a
4-d shape, an extra row) is one more wrong cell, so padding an answer never helps.

Marks are in proportion to the cells right, rounded to the nearest half mark (halves
round up), and never full marks unless every cell is right: with 1 mark and 5 of 6 cells
right the part earns ½, not 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from math import floor
from typing import Any

__all__ = ["Tally", "half_marks", "is_key_number", "tally"]

Accepts = Callable[[Any, Any], bool]  # (student value, key number) -> right?
_MISSING = object()


@dataclass
class Tally:
    """Cells right out of cells marked."""

    right: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.right == self.total


def is_key_number(x: Any) -> bool:
    """A number as keys hold it: an int, a float or {"exact": …, "value": …}."""
    if isinstance(x, bool):
        return False
    return isinstance(x, int | float | Fraction) or (isinstance(x, dict) and "exact" in x)


def _numbers_in(value: Any) -> int:
    """How many numbers a read value holds (what a surplus part of an answer adds)."""
    if isinstance(value, list | tuple):
        return sum(_numbers_in(v) for v in value)
    if isinstance(value, dict):
        return sum(_numbers_in(v) for v in value.values())
    return 0 if isinstance(value, str | bool) or value is None or value is _MISSING else 1


def _walk(value: Any, key: Any, accepts: Accepts, out: Tally) -> None:
    if is_key_number(key):
        out.total += 1
        if value is not _MISSING and accepts(value, key):
            out.right += 1
    elif isinstance(key, list):
        items = list(value) if isinstance(value, list | tuple) else []
        for i, k in enumerate(key):
            _walk(items[i] if i < len(items) else _MISSING, k, accepts, out)
        out.total += sum(_numbers_in(extra) for extra in items[len(key):])
    elif isinstance(key, dict):
        named = value if isinstance(value, dict) else {}
        for name, k in key.items():
            _walk(named.get(name, _MISSING), k, accepts, out)
        out.total += sum(_numbers_in(v) for name, v in named.items() if name not in key)
    # anything else in a key (text) is given by the question, not marked


def tally(value: Any, key: Any, accepts: Accepts) -> Tally:
    """Count the key's cells the value gets right (see the module's rule)."""
    out = Tally()
    _walk(value, key, accepts, out)
    return out


def half_marks(marks: Fraction, t: Tally) -> Fraction:
    """marks × right / total to the nearest half mark (halves up), below full unless complete."""
    if t.complete:
        return marks
    raw = marks * t.right / t.total
    rounded = Fraction(floor(raw * 2 + Fraction(1, 2)), 2)
    return max(Fraction(0), min(rounded, marks - Fraction(1, 2)))
