"""The simulator's own arithmetic: exact key values, equality, and the marks an answer earns.

    exact_tree({"exact": "3/16", "value": 0.1875})   -> Fraction(3, 16)
    same(Fraction(1, 2), Irr("1/2", 0.5))            -> True
    cell_marks(Fraction(2), right=3, total=4)        -> Fraction(3, 2)
    choices_marks({"a"}, {"a", "b"}, 4, Fraction(1), "per_option") -> Fraction(1, 2)
    slip("vector", [Fraction(1), Fraction(2)], rng)  -> [Fraction(1), Fraction(-2)]  (one number slipped)

This deliberately re-derives the rules stated in grade/score.py's docstring (per-cell credit
to the nearest half mark, the three multiple-choice policies) instead of calling the scorer,
so a simulated cohort checks the grader against an independent account of the same rules.
Irrational values are compared with SymPy at 60 digits, never with floats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import floor
from typing import Any

import sympy

from ..engine import decimal_places

__all__ = ["Irr", "Num", "cell_marks", "cells_right", "choices_marks", "exact_tree", "is_num", "near", "same",
           "same_structure", "slip", "status_of", "to_float"]


@dataclass(frozen=True)
class Irr:
    """A key number that is not rational (log 9, √6/9): its exact SymPy text and a float."""

    exact: str
    value: float


Num = Fraction | Irr


def _leaf(x: Any) -> Num | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, int | Fraction):
        return Fraction(x)
    if isinstance(x, float):
        return Fraction(repr(x))
    if isinstance(x, dict) and isinstance(x.get("exact"), str):
        try:
            return Fraction(x["exact"].replace(" ", ""))
        except (ValueError, ZeroDivisionError):
            return Irr(x["exact"], float(x.get("value", _big(x["exact"]))))
    return None


def exact_tree(answer: Any) -> Any:
    """A part's JSON answer with every number exact (Fraction or Irr); text, lists and
    objects keep their places."""
    leaf = _leaf(answer)
    if leaf is not None:
        return leaf
    if isinstance(answer, list):
        return [exact_tree(a) for a in answer]
    if isinstance(answer, dict):
        return {k: exact_tree(v) for k, v in answer.items()}
    return answer


def is_num(x: Any) -> bool:
    return isinstance(x, Fraction | Irr)


@lru_cache(maxsize=4096)
def _big(text: str) -> Any:
    return sympy.N(sympy.sympify(text), 60)


def _sym(x: Num) -> Any:
    return sympy.Rational(x.numerator, x.denominator) if isinstance(x, Fraction) else _big(x.exact)


def same(a: Num, b: Num) -> bool:
    """Whether two exact numbers are equal: Fractions exactly, otherwise to 60 digits."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    if isinstance(a, Irr) and isinstance(b, Irr) and a.exact == b.exact:
        return True
    x, y = _sym(a), _sym(b)
    return bool(abs(x - y) <= sympy.Float(10, 60) ** -40 * max(abs(x), abs(y), 1))


def to_float(x: Num) -> float:
    return float(x) if isinstance(x, Fraction) else x.value


def near(a: Num, b: Num, *, calculator: bool) -> bool:
    """Whether `a`, though not equal to the key `b`, is so close that a tolerance might
    accept it (within 1 %, or within one unit in the key's last decimal on a calculator
    question). The simulator never uses such a value as a wrong answer."""
    if same(a, b):
        return False
    unit = 0.0
    if isinstance(b, Fraction):
        places = decimal_places(b)
        if places == 0 or (places is not None and not calculator):
            return False  # an exact comparison: any other value is wrong
        unit = 10.0 ** -places if places else 0.0
    return abs(to_float(a) - to_float(b)) <= max(abs(to_float(b)) / 100, unit)


def _slipped(x: Num, how: str) -> Num:
    if how == "one off" or x == 0:
        return x + 1 if isinstance(x, Fraction) else Irr(f"({x.exact}) + 1", x.value + 1)
    factor = -1 if how == "sign" else 2
    return factor * x if isinstance(x, Fraction) else Irr(f"{factor}*({x.exact})", factor * x.value)


def slip(kind: str, key: Any, rng: random.Random) -> Any:
    """The key with one number slipped: a sign lost, a factor of 2, or one off (sizes and counts
    are only ever one off)."""
    paths: list[tuple[tuple[Any, ...], bool]] = []

    def walk(node: Any, path: tuple[Any, ...], size: bool) -> None:
        if is_num(node):
            paths.append((path, size))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i), size)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k), size or k == "shape")

    walk(key, (), kind in ("shape", "integer"))
    if not paths:
        return None
    path, size = rng.choice(paths)
    how = "one off" if size else rng.choice(["sign", "sign", "double", "one off"])
    return _replace(key, list(path), how)


def _replace(node: Any, path: list[Any], how: str) -> Any:
    if not path:
        return _slipped(node, how)
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        return [_replace(v, rest, how) if i == head else v for i, v in enumerate(node)]
    return {k: _replace(v, rest, how) if k == head else v for k, v in node.items()}


def same_structure(a: Any, b: Any) -> bool:
    """Same nesting, same lengths, same object keys, numbers where numbers are."""
    if is_num(a) or is_num(b):
        return is_num(a) and is_num(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_structure(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def cells_right(value: Any, key: Any) -> tuple[int, int]:
    """(cells equal to the key's, cells) for two trees of the same structure; text is not a cell."""
    if is_num(key):
        return int(same(value, key)), 1
    pairs = (zip(value, key, strict=True) if isinstance(key, list)
             else ((value[k], key[k]) for k in key) if isinstance(key, dict) else ())
    right = total = 0
    for v, k in pairs:
        r, t = cells_right(v, k)
        right, total = right + r, total + t
    return right, total


def cell_marks(marks: Fraction, right: int, total: int) -> Fraction:
    """marks × right / total, rounded to the nearest half mark (halves up), and below full
    marks unless every cell is right."""
    if right == total:
        return marks
    halves = floor(marks * right / total * 2 + Fraction(1, 2))
    return max(Fraction(0), min(Fraction(halves, 2), marks - Fraction(1, 2)))


def choices_marks(chosen: set[str], right: set[str], options: int, marks: Fraction, policy: str) -> Fraction:
    """A multiple-answer part under the section's policy: k right boxes of n; a right box
    checked earns marks/k, a wrong one costs marks/(n−k) (per_option) or marks/k (negative)."""
    if chosen == right:
        return marks
    k = len(right)
    if policy == "all_or_nothing" or k == 0:
        return Fraction(0)
    hits, misses = len(chosen & right), len(chosen - right)
    n = max(options, len(right | chosen))
    penalty = marks / k if policy == "negative" else marks / (n - k) if n > k else Fraction(0)
    return min(marks, max(Fraction(0), hits * marks / k - misses * penalty))


def status_of(marks: Fraction, out_of: Fraction) -> str:
    return "right" if marks == out_of else "partial" if marks > 0 else "wrong"
