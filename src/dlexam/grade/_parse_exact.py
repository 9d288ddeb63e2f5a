"""Exact arithmetic for the expression reader, bounded so that no input can hang it.

Each value is a `Num`: the exact value (a `Fraction` while it is rational, else a SymPy
expression) and a 60-digit mpmath approximation, which decides signs and sizes with no
symbolic work. Rational arithmetic is ours (Fractions); closed forms are SymPy trees
built with evaluate=False, because SymPy's automatic evaluation rewrites behind our back
(exp(c·log x) becomes x^c, then a perfect-power search that can run for minutes). The
cheap exact cases are decided here instead: a root of a perfect power (sqrt(9/4) = 3/2,
8^(1/3) = 2), log2(8) = 3, log(exp(2)) = 2, log(1) = 0, exp(0) = 1, σ(0) = 1/2, a product with 0 or 1.
Equality of two closed forms is numeric (see parse.equivalent), never symbolic.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy

__all__ = ["MP", "Arithmetic", "Limits", "Num", "Refused"]

MP = mpmath.MPContext()  # a private context: its precision never touches mpmath.mp
MP.dps = 60
_TINY = MP.mpf(10) ** -45


@dataclass(frozen=True)
class Limits:
    length: int = 300  # characters
    nodes: int = 200  # numbers, names and operators
    depth: int = 24  # nested parentheses and calls
    bits: int = 4000  # size of any rational's numerator or denominator
    root_bits: int = 512  # of a rational under a root, which is searched for a perfect power
    root: int = 100  # q in x^(p/q)
    exponent: int = 1000  # |n| in x^n, |p| in x^(p/q)
    exp_argument: int = 10_000  # |x| in exp(x), e^x, σ(x), and |y·ln x| in x^y
    seconds: float = 0.5


@dataclass(frozen=True)
class Num:
    exact: Any  # Fraction, or a SymPy expression (not evaluated)
    approx: Any  # mpmath mpf at 60 digits


class Refused(Exception):
    """An expression that is not read; the message is one line."""


def _bits(x: Fraction) -> int:
    return max(x.numerator.bit_length(), x.denominator.bit_length())


def _sym(x: Any) -> Any:
    return sympy.Rational(x.numerator, x.denominator) if isinstance(x, Fraction) else x


def _root(x: Fraction, q: int) -> Fraction | None:
    """The exact q-th root of x >= 0, if it is rational."""
    top, exact_top = sympy.integer_nthroot(x.numerator, q)
    bottom, exact_bottom = sympy.integer_nthroot(x.denominator, q)
    return Fraction(int(top), int(bottom)) if exact_top and exact_bottom else None


def _power_of(x: Fraction, base: int) -> int | None:
    """k if x == base**k for an integer k (either sign), else None."""
    top, bottom = (x.numerator, x.denominator) if x >= 1 else (x.denominator, x.numerator)
    if bottom != 1 or top < 1:
        return None
    k = 0
    while top % base == 0:
        top, k = top // base, k + 1
    return (k if x >= 1 else -k) if top == 1 else None


class Arithmetic:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def number(self, x: Fraction) -> Num:
        return self.exact(x, MP.mpf(x.numerator) / x.denominator)

    def exact(self, x: Any, approx: Any) -> Num:
        if isinstance(x, Fraction) and _bits(x) > self.limits.bits:
            raise Refused("a number in the expression is too large")
        if not MP.isfinite(approx):
            raise Refused("too large a number")
        return Num(x, approx)

    def negate(self, a: Num) -> Num:
        if isinstance(a.exact, Fraction):
            return Num(-a.exact, -a.approx)
        return Num(sympy.Mul(-1, a.exact, evaluate=False), -a.approx)

    def add(self, a: Num, b: Num) -> Num:
        approx = a.approx + b.approx
        if isinstance(a.exact, Fraction) and isinstance(b.exact, Fraction):
            return self.exact(a.exact + b.exact, approx)
        if b.exact == 0 or a.exact == 0:
            return Num(a.exact if b.exact == 0 else b.exact, approx)
        return Num(sympy.Add(_sym(a.exact), _sym(b.exact), evaluate=False), approx)

    def multiply(self, a: Num, b: Num) -> Num:
        approx = a.approx * b.approx
        if isinstance(a.exact, Fraction) and isinstance(b.exact, Fraction):
            return self.exact(a.exact * b.exact, approx)
        for x, y in ((a.exact, b.exact), (b.exact, a.exact)):
            if isinstance(x, Fraction) and x in (0, 1):
                return self.exact(x if x == 0 else y, approx)
        return self.exact(sympy.Mul(_sym(a.exact), _sym(b.exact), evaluate=False), approx)

    def divide(self, a: Num, b: Num) -> Num:
        if b.exact == 0 or abs(b.approx) < _TINY:
            raise Refused("divides by zero")
        if isinstance(b.exact, Fraction):
            return self.multiply(a, self.exact(1 / b.exact, 1 / b.approx))
        return self.multiply(a, Num(sympy.Pow(b.exact, -1, evaluate=False), 1 / b.approx))

    def power(self, a: Num, b: Num) -> Num:
        if a.exact is sympy.E:
            return self.call("exp", b)
        n = b.exact
        if isinstance(n, Fraction) and n.denominator == 1:
            if abs(n) > self.limits.exponent:
                raise Refused(f"an exponent larger than {self.limits.exponent}")
            if a.exact == 0 and n < 0:
                raise Refused("divides by zero")
            if isinstance(a.exact, Fraction):
                if _bits(a.exact) * abs(n) > self.limits.bits:
                    raise Refused("too large a power")
                return self.exact(a.exact ** int(n), MP.power(a.approx, int(n)))
            return self.exact(sympy.Pow(a.exact, int(n), evaluate=False), MP.power(a.approx, int(n)))
        if a.exact == 0 or a.approx <= 0:
            raise Refused("a fractional power of a number that is not positive")
        size = abs(b.approx * MP.log(a.approx))
        if size > self.limits.exp_argument or abs(b.approx) > self.limits.exponent:
            raise Refused("too large a power")
        approx = MP.power(a.approx, b.approx)
        if isinstance(n, Fraction) and isinstance(a.exact, Fraction):
            if n.denominator > self.limits.root or _bits(a.exact) > self.limits.root_bits:
                raise Refused(f"a root too hard to take exactly (use p/q with q up to {self.limits.root})")
            root = _root(a.exact, n.denominator)
            if root is not None:
                return self.power(self.number(root), self.number(Fraction(n.numerator)))
        return self.exact(sympy.Pow(_sym(a.exact), _sym(n), evaluate=False), approx)

    def call(self, name: str, a: Num) -> Num:
        x, approx = a.exact, a.approx
        if name in ("exp", "sigmoid") and abs(approx) > self.limits.exp_argument:
            raise Refused(f"{name} of a number larger than {self.limits.exp_argument}")
        if name.startswith("log") and (x == 0 or approx <= 0):
            raise Refused("the logarithm of a number that is not positive")
        if name == "sqrt":
            if approx < 0 and x != 0:
                raise Refused("the square root of a negative number")
            return self.power(a, self.number(Fraction(1, 2))) if x != 0 else a
        inverse = {"exp": sympy.log, "log": sympy.exp}.get(name)
        if inverse is not None and isinstance(x, inverse) and x.args[0].is_Rational:  # log(exp(2)) = 2
            return self.number(Fraction(int(x.args[0].p), int(x.args[0].q)))
        if isinstance(x, Fraction) and x == 0 and name in ("exp", "tanh", "sigmoid"):
            return self.number({"exp": Fraction(1), "tanh": Fraction(0), "sigmoid": Fraction(1, 2)}[name])
        if name == "exp":
            return self.exact(sympy.exp(_sym(x), evaluate=False), MP.exp(approx))
        if name == "tanh":
            return self.exact(sympy.tanh(_sym(x), evaluate=False), MP.tanh(approx))
        if name == "sigmoid":
            e = self.call("exp", self.negate(a))
            return self.divide(self.number(Fraction(1)), self.add(self.number(Fraction(1)), e))
        base = {"log": 0, "log2": 2, "log10": 10}[name]
        if isinstance(x, Fraction) and (x == 1 or (base and _power_of(x, base) is not None)):
            return self.number(Fraction(_power_of(x, base) or 0) if base else Fraction(0))
        log = self.exact(sympy.log(_sym(x), evaluate=False), MP.log(approx))
        if not base:
            return log
        return self.divide(log, self.exact(sympy.log(base, evaluate=False), MP.log(base)))
