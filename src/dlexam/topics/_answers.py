"""Exact values to the JSON answers of TOPICS.md: integers as ints, rationals as
{"exact": "3/16", "value": 0.1875}, irrationals as {"exact": "log(9)", "value": ...},
lists (shapes, vectors, matrices) element by element."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..engine import to_float

__all__ = ["answer"]


def answer(x: Any) -> Any:
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return x.numerator
        return {"exact": f"{x.numerator}/{x.denominator}", "value": float(x)}
    if isinstance(x, list | tuple):
        return [answer(v) for v in x]
    if isinstance(x, dict):
        return {k: answer(v) for k, v in x.items()}
    if isinstance(x, str):
        return x
    import sympy

    # order="none": the default printer sorts a sum's terms by evaluating them, slowly
    return {"exact": sympy.sstr(x, order="none"), "value": to_float(x)}
