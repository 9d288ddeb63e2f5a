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


_NUMBER_TYPES = frozenset({int, float, Fraction})


def _is_number_fast(key: Any) -> bool | None:
    """is_key_number for the plain JSON types keys are made of, None for any other type."""
    kind = type(key)
    if kind in _NUMBER_TYPES:
        return True
    if kind is dict:
        return "exact" in key
    if kind is list or kind is str or kind is bool or key is None:
        return False
    return None


def _walk(value: Any, key: Any, accepts: Accepts, out: Tally) -> None:
    number = _is_number_fast(key)
    if number is None:
        number = is_key_number(key)
    if number:
        out.total += 1
        if value is not _MISSING and accepts(value, key):
            out.right += 1
    elif isinstance(key, list):
        items = value if isinstance(value, list | tuple) else ()
        count = len(items)
        for i, k in enumerate(key):
            v = items[i] if i < count else _MISSING
            if type(k) in _NUMBER_TYPES:  # a number cell, as in the branch above, without a call
                out.total += 1
                if v is not _MISSING and accepts(v, k):
                    out.right += 1
            else:
                _walk(v, k, accepts, out)
        if count > len(key):
            out.total += sum(_numbers_in(extra) for extra in items[len(key):])
    elif isinstance(key, dict):
        named = value if isinstance(value, dict) else {}
        for name, k in key.items():
            v = named.get(name, _MISSING)
            if type(k) in _NUMBER_TYPES:
                out.total += 1
                if v is not _MISSING and accepts(v, k):
                    out.right += 1
            else:
                _walk(v, k, accepts, out)
        if not named.keys() <= key.keys():
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
    # In integers (marks = p/q): halves = floor(2·marks·right/total + ½), capped at marks − ½.
    p, q = marks.numerator, marks.denominator
    halves = (4 * p * t.right + q * t.total) // (2 * q * t.total)
    if halves * q <= 2 * p - q:
        return Fraction(halves, 2) if halves > 0 else Fraction(0)
    return Fraction(2 * p - q, 2 * q) if 2 * p > q else Fraction(0)
