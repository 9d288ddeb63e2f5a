"""Exact numbers: a `Fraction` while the arithmetic stays rational, a SymPy expression
once exp, log, sqrt, sigmoid or tanh make it irrational.

A float never decides an answer key. Every function here returns a `Fraction` when
the exact result is rational (sigmoid(0) = 1/2, sqrt(9/4) = 3/2), so keys stay as
simple as the numbers allow; SymPy is imported only when an irrational value appears.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import sympy

Exact = Union[Fraction, "sympy.Expr"]

__all__ = [
    "Exact",
    "decimal_places",
    "exact",
    "exp",
    "is_rational",
    "log",
    "sigmoid",
    "sqrt",
    "tanh",
    "to_float",
]


def _sympy() -> Any:
    import sympy

    return sympy


def exact(x: Any) -> Exact:
    """Turn an int, a decimal-looking float, a Decimal, a Fraction or a SymPy number into
    an exact value. A float is read by its shortest repr, so 0.1 means exactly 1/10."""
    if isinstance(x, bool):
        raise TypeError("a bool is not a number")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"not a finite number: {x!r}")
        return Fraction(repr(x))
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise ValueError(f"not a finite number: {x}")
        return Fraction(x)
    sp = _sympy()
    if isinstance(x, sp.Basic):
        return _normalise(x)
    raise TypeError(f"not a number: {x!r}")


def _normalise(e: Any) -> Exact:
    """A SymPy result that happens to be rational becomes a Fraction again."""
    sp = _sympy()
    if isinstance(e, sp.Rational):
        return Fraction(int(e.p), int(e.q))
    return e


def _sym(x: Exact) -> Any:
    sp = _sympy()
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    return x


def decimal_places(x: Fraction) -> int | None:
    """Digits after the point of x's decimal expansion, or None if it never ends: what
    "hand-computable" keys, tolerances and printed keys all ask of a rational."""
    d, twos, fives = x.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    return max(twos, fives) if d == 1 else None


def is_rational(x: Exact) -> bool:
    return isinstance(x, Fraction)


def to_float(x: Exact) -> float:
    """The nearest float, for display and the "value" beside an exact key. Irrational
    values are evaluated once at 50 digits (SymPy's evalf would keep raising its
    precision on cancellations such as 1 − tanh²(s), for seconds)."""
    if isinstance(x, Fraction):
        return float(x)
    import mpmath

    with mpmath.workdps(50):
        try:
            return float(_mp(x))
        except _Unsupported:
            return _lambdified(x)


class _Unsupported(Exception):
    """A SymPy node `_mp` does not know; `_lambdified` handles it."""


_MP_FUNCTIONS = {"exp": "exp", "log": "log", "tanh": "tanh"}  # sqrt is a Pow in SymPy


def _mp(e: Any) -> Any:
    """Evaluate a SymPy expression with mpmath by walking its tree: the few node types
    our keys contain, at a fraction of lambdify's cost (no code is generated)."""
    import mpmath

    if e.is_Rational:
        return mpmath.mpf(int(e.p)) / int(e.q)
    if e.is_Add:
        return mpmath.fsum(_mp(a) for a in e.args)
    if e.is_Mul:
        return mpmath.fprod(_mp(a) for a in e.args)
    if e.is_Pow:
        return mpmath.power(_mp(e.base), _mp(e.exp))
    if e.is_Float:
        return mpmath.mpf(e)
    if e is _sympy().E:
        return mpmath.e
    name = _MP_FUNCTIONS.get(type(e).__name__)
    if name is None or len(e.args) != 1:
        raise _Unsupported(type(e).__name__)
    return getattr(mpmath, name)(_mp(e.args[0]))


def _lambdified(x: Exact) -> float:
    import mpmath
    from sympy.printing.pycode import MpmathPrinter

    # order="none" and no docstring: SymPy's default printing sorts a sum's terms by
    # evaluating them, which is the very precision escalation this function avoids
    printer = MpmathPrinter({"fully_qualified_modules": False, "inline": True,
                             "allow_unknown_functions": True, "user_functions": {}, "order": "none"})
    with mpmath.workdps(50):
        f = _sympy().lambdify((), x, modules="mpmath", printer=printer, docstring_limit=0)
        return float(f())


def _perfect_square_root(q: Fraction) -> Fraction | None:
    if q < 0:
        return None
    n, d = math.isqrt(q.numerator), math.isqrt(q.denominator)
    if n * n == q.numerator and d * d == q.denominator:
        return Fraction(n, d)
    return None


def sqrt(x: Exact) -> Exact:
    if isinstance(x, Fraction):
        root = _perfect_square_root(x)
        if root is not None:
            return root
    return _normalise(_sympy().sqrt(_sym(x)))


def exp(x: Exact) -> Exact:
    if x == 0:
        return Fraction(1)
    return _normalise(_sympy().exp(_sym(x)))


def log(x: Exact) -> Exact:
    if x == 1:
        return Fraction(0)
    return _normalise(_sympy().log(_sym(x)))


def sigmoid(x: Exact) -> Exact:
    if x == 0:
        return Fraction(1, 2)
    sp = _sympy()
    return _normalise(1 / (1 + sp.exp(-_sym(x))))


def tanh(x: Exact) -> Exact:
    if x == 0:
        return Fraction(0)
    e = exp(2 * x) if isinstance(x, Fraction) else exp(_sym(2) * x)
    if isinstance(e, Fraction):  # tanh(log 2) = 3/5: keep rational results rational
        return (e - 1) / (e + 1)
    return _normalise(_sympy().tanh(_sym(x)))


def add(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a + b
    return _normalise(_sym(a) + _sym(b))


def mul(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a * b
    return _normalise(_sym(a) * _sym(b))


def div(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a / b
    return _normalise(_sym(a) / _sym(b))


def power(a: Exact, n: int) -> Exact:
    if isinstance(a, Fraction):
        return a**n
    return _normalise(_sym(a) ** n)


def positive(x: Exact) -> bool:
    """x > 0, decided exactly (SymPy compares irrationals symbolically)."""
    if isinstance(x, Fraction):
        return x > 0
    e = _sym(x)
    known = e.is_positive
    if known is not None:
        return bool(known)
    return bool(e.evalf(60) > 0)
