"""LaTeX for worked solutions: exact numbers, and the engine's equations printed the
way a key shows them — formula, numbers substituted, result.

    z_{1} = w_{11} x_{1} + b_{1} = 0.2 \\cdot 1 + 0.1 = 0.3

Numbers print as short decimals when they terminate (0.1875), as fractions when they
do not (\\tfrac{1}{3}), and irrational values as SymPy's LaTeX with a decimal beside.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..engine import Equation, Exact, Gradient, Value, decimal_places, to_float

__all__ = ["decimal", "decimal_places", "equation", "gradient", "num", "shape", "vec"]

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3}
_FUNCTIONS = {
    "relu": r"\mathrm{ReLU}",
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "exp": r"\exp",
    "log": r"\log",
    "step": r"\mathrm{step}",
}


def decimal(x: Fraction) -> str | None:
    """x as a terminating decimal string ("-0.125"), or None."""
    places = decimal_places(x)
    if places is None:
        return None
    if places == 0:
        return str(x.numerator)
    scaled = abs(x.numerator) * (10**places // x.denominator)
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def num(x: Exact | int, *, paren: bool = False, approx: bool = True) -> str:
    """LaTeX for an exact number. `paren` wraps negatives for use after an operator."""
    if isinstance(x, int | Fraction) and getattr(x, "denominator", 1) == 1:  # fast path: integers
        n = int(x)
        return f"({n})" if paren and n < 0 else str(n)
    return _num(x, paren, approx)


@lru_cache(maxsize=4096)
def _num(x: Exact, paren: bool, approx: bool) -> str:
    """num() for non-integers, cached: a key prints the same few numbers many times."""
    if isinstance(x, int):
        x = Fraction(x)
    if isinstance(x, Fraction):
        text = decimal(x)
        if text is None or len(text) > 12:
            sign = "-" if x < 0 else ""
            text = rf"{sign}\tfrac{{{abs(x.numerator)}}}{{{x.denominator}}}"
        negative = x < 0
    else:
        import sympy

        text = sympy.latex(x, order="none") if len(sympy.sstr(x, order="none")) <= 30 else ""
        short = 0 < len(text) <= 40
        if approx:  # a result: the exact value (when it reads well) and its decimal
            text = rf"{text} \approx {to_float(x):.4g}" if short else rf"\approx {to_float(x):.4g}"
        elif not short:  # substituted into a formula: the decimal a calculator shows
            text = f"{to_float(x):.4g}"
        # bracket a compound expression after an operator, and a negative decimal
        negative = short or approx or text.startswith("-")
    return f"({text})" if paren and negative else text


def vec(xs: list[Any]) -> str:
    """A list of exact numbers as a LaTeX row vector (nested lists as a matrix)."""
    if xs and isinstance(xs[0], list):
        rows = r" \\ ".join(" & ".join(num(v, approx=False) for v in row) for row in xs)
        return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"
    return r"\left(" + ",\\ ".join(num(v, approx=False) for v in xs) + r"\right)"


def shape(dims: list[int] | tuple[int, ...]) -> str:
    return r" \times ".join(str(d) for d in dims)


def _expr(v: Value, substitute: bool, outer: int = 0) -> str:
    """LaTeX of an expression tree; named nodes are symbols, or their values when
    `substitute` is on."""
    if v.name is not None:
        return num(v.data, paren=outer > 0, approx=False) if substitute else v.name
    if v.op == "const":
        return num(v.data, paren=outer > 0, approx=False)
    if v.op.startswith("pow"):
        base_node = v.parents[0]
        base = _expr(base_node, substitute)
        symbol = base_node.name is not None and not substitute
        if not (symbol or re.fullmatch(r"[0-9]+", base)):
            base = f"\\left({base}\\right)"  # (1/6)^2, (-0.5)^2, (y - ŷ)^2: never ambiguous
        return f"{base}^{{{v.op[3:]}}}"
    if v.op in _FUNCTIONS:
        return rf"{_FUNCTIONS[v.op]}\left({_expr(v.parents[0], substitute)}\right)"
    if v.op == "sqrt":
        return rf"\sqrt{{{_expr(v.parents[0], substitute)}}}"
    prec = _PRECEDENCE[v.op]
    if v.op == "neg":
        text = "-" + _expr(v.parents[0], substitute, 3)
    elif v.op == "div":
        a, b = (_expr(p, substitute) for p in v.parents)
        text, prec = rf"\frac{{{a}}}{{{b}}}", 5
    else:
        a = _expr(v.parents[0], substitute, prec)
        b = _expr(v.parents[1], substitute, prec + (v.op == "sub"))
        sep = {"add": " + ", "sub": " - ", "mul": r" \cdot " if substitute else " "}[v.op]
        text = a + sep + b
    return f"\\left({text}\\right)" if prec < outer else text


def equation(eq: Equation) -> str:
    """`name = formula = substituted = value`, dropping repeats (a bare copy, a
    constant) so a line never says the same thing twice."""
    parts = [eq.name]
    for piece in (_expr(eq.expr, False), _expr(eq.expr, True), num(eq.value)):
        if piece != parts[-1]:
            parts.append(piece)
    return join_equal(parts)


def join_equal(parts: list[str]) -> str:
    """a = b = c, where a piece that is itself "≈ x" takes the place of its "=" sign."""
    return " = ".join(parts).replace(r"= \approx", r"\approx")


def gradient(g: Gradient, loss: str, values: dict[str, Exact]) -> str:
    """The chain rule for one quantity: ∂L/∂q = Σ ∂L/∂c · ∂c/∂q = numbers = value."""

    def d(name: str) -> str:
        return rf"\frac{{\partial {loss}}}{{\partial {name}}}"

    symbolic = " + ".join(rf"{d(c)} \frac{{\partial {c}}}{{\partial {g.name}}}" for c, _ in g.terms)
    numbers = " + ".join(
        rf"{num(values[c], paren=True, approx=False)} \cdot {num(local, paren=True, approx=False)}"
        for c, local in g.terms
    )
    return join_equal([d(g.name), symbolic, numbers, num(g.value)])
