"""What every topic's `follow_through` (error carried forward) needs: a student's read values
as exact numbers in the shape of the key, and the rule for a trivial earlier value.

    numbers(value, like=[[0, 0], [0]])        -> [[Fraction, Fraction], [Fraction]], or Unusable
    trivial(block, truth, copies=[x])          -> True for a wrong 0, 1 or copy of the input

A follow-through rewards consistent work done on a wrong earlier value. It must not reward
writing nothing useful: a block (a layer of a forward pass, a row's shape) that differs from
what it should be and is all 0, all 1, or a copy of a value the question gives (the input x,
a weight matrix, the image's shape) is trivial, and nothing is followed through from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ..engine import Exact
from ..engine import exact as ex

__all__ = ["Unusable", "flat", "number", "numbers", "same", "trivial"]


class Unusable(ValueError):
    """A student's value that cannot be followed through: the wrong structure or not a number."""


def number(v: Any) -> Exact:
    """One exact number from a read value (a Fraction, an int or a finite real SymPy number)."""
    if isinstance(v, bool):
        raise Unusable("a truth value is not a number")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    if type(v).__module__.startswith("sympy") and getattr(v, "is_number", False):
        if v.is_finite is False or v.is_real is False:
            raise Unusable("not a finite real number")
        return ex.exact(v)
    raise Unusable(f"not a number: {type(v).__name__}")


def numbers(value: Any, like: Any) -> Any:
    """`value` as exact numbers nested exactly as `like` (lists of the same lengths)."""
    if isinstance(like, list | tuple):
        if not isinstance(value, list | tuple) or len(value) != len(like):
            raise Unusable("not the size of the key")
        return [numbers(v, k) for v, k in zip(value, like, strict=True)]
    return number(value)


def flat(x: Any) -> list[Any]:
    if isinstance(x, list | tuple):
        return [v for item in x for v in flat(item)]
    return [x]


def same(a: Any, b: Any) -> bool:
    """Exact equality of two numbers (a Fraction is never equal to an irrational SymPy value)."""
    if isinstance(a, Fraction) != isinstance(b, Fraction):
        return False
    return bool(a == b)


def _same_all(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


def trivial(block: Any, truth: Any, copies: Iterable[Any] = ()) -> bool:
    """Whether `block` is wrong (differs from `truth`) and is all 0, all 1 or equal to one of
    `copies` (values the question gives). A right block is never trivial."""
    mine = flat(block)
    if _same_all(mine, flat(truth)):
        return False
    if mine and (all(same(v, Fraction(0)) for v in mine) or all(same(v, Fraction(1)) for v in mine)):
        return True
    return any(_same_all(mine, flat(c)) for c in copies)
