"""Exact softmax arithmetic shared by the softmax.* topics (not a topic itself).

Every key of these topics is built from powers of e with rational exponents: a softmax
probability is e^a / Σ e^b, a cross-entropy is log(Σ e^b) plus a rational, a free logit is
log(ρ) + log(Σ e^b). Such a value is rational only in special cases (all logits equal: a
probability 1/K), which are found exactly, never with a float. Otherwise it is a `Sym`: the
exact SymPy-readable text ("exp(2)/(exp(2) + exp(1) + 1)"), its LaTeX, and its float.

Why not the engine's SymPy path: building, printing and evaluating a SymPy sum of
exponentials costs ~20 ms a question; these strings cost microseconds, and the tests check
every one of them against SymPy and torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import _latex as tex
from ._answers import answer
from ._params import Params

MAX_CLASSES = 10  # logits listed in a prompt and worked one by one in the key
MAX_LOGIT = 100  # |z| (after the temperature): e^200 still fits a float comfortably


def read_logits(p: Params, name: str = "logits") -> list[Fraction]:
    """2 to MAX_CLASSES numbers, each |z| <= MAX_LOGIT (shared with softmax.cross_entropy)."""
    allowed = (f"a list of 2 to {MAX_CLASSES} numbers (one logit per class), "
               f"each between -{MAX_LOGIT} and {MAX_LOGIT}")
    value = p.get(name)
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_CLASSES:
        raise p.fail(name, allowed)
    z = p.vector(name)
    if any(abs(v) > MAX_LOGIT for v in z):
        raise p.fail(name, allowed)
    return z


@dataclass(frozen=True)
class Sym:
    """An irrational exact value: SymPy-readable text, LaTeX, and the nearest float."""

    exact: str
    tex: str
    value: float


Val = Fraction | Sym


def key(x: Val | Sequence[Val]) -> Any:
    """The JSON answer of TOPICS.md: rationals through `answer`, a Sym as {"exact", "value"}."""
    if isinstance(x, Sym):
        return {"exact": x.exact, "value": x.value}
    if isinstance(x, Fraction):
        return answer(x)
    return [key(v) for v in x]


def show(x: Val, approx: bool = True) -> str:
    """LaTeX of a result: the exact value with its decimal beside (a Sym), or tex.num."""
    if isinstance(x, Fraction):
        return tex.num(x)
    return rf"{x.tex} \approx {x.value:.4g}" if approx else x.tex


def hand_friendly(xs: Sequence[Val]) -> bool:
    """Every value a terminating decimal (else the question allows a calculator)."""
    return all(isinstance(x, Fraction) and tex.decimal_places(x) is not None for x in xs)


def frac_text(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def exponent_tex(a: Fraction) -> str:
    places = tex.decimal_places(a)
    if places is not None and places <= 4:
        return tex.decimal(a) or "0"
    return f"{'-' if a < 0 else ''}{abs(a.numerator)}/{a.denominator}"


def exp_text(a: Fraction) -> str:
    return "1" if a == 0 else f"exp({frac_text(a)})"


def exp_tex(a: Fraction) -> str:
    if a == 0:
        return "1"
    return "e" if a == 1 else f"e^{{{exponent_tex(a)}}}"


class ExpSum:
    """Σ_j e^{a_j}, equal exponents merged (n·e^a), terms in order of first appearance."""

    def __init__(self, exponents: Sequence[Fraction]) -> None:
        counts: dict[Fraction, int] = {}
        for a in exponents:
            counts[a] = counts.get(a, 0) + 1
        self.terms = list(counts.items())
        top = max(counts)
        self.log_value = float(top) + math.log(math.fsum(n * math.exp(a - top) for a, n in self.terms))

    @property
    def single(self) -> tuple[int, Fraction] | None:
        """(n, a) when the sum is n·e^a, else None."""
        if len(self.terms) == 1:
            a, n = self.terms[0]
            return n, a
        return None

    @property
    def text(self) -> str:
        return " + ".join(exp_text(a) if n == 1 else (f"{n}*{exp_text(a)}" if a else str(n))
                          for a, n in self.terms)

    @property
    def tex(self) -> str:
        return " + ".join(exp_tex(a) if n == 1 else (f"{n}{exp_tex(a)}" if a else str(n))
                          for a, n in self.terms)

    def ratio(self, a: Fraction) -> float:
        """e^a / Σ, without overflow."""
        return 1 / math.fsum(n * math.exp(b - a) for b, n in self.terms)


def softmax(z: Sequence[Fraction]) -> list[Val]:
    """p_k = e^{z_k} / Σ_j e^{z_j}. Rational only when every logit is the same: a rational
    Σ_j e^{z_j − z_k} would be a polynomial identity in the transcendental e^{1/d}."""
    k = len(z)
    if all(v == z[0] for v in z):
        return [Fraction(1, k)] * k
    s = ExpSum(z)
    bottom_text, bottom_tex = s.text, s.tex
    return [Sym(f"{exp_text(a)}/({bottom_text})", rf"\frac{{{exp_tex(a)}}}{{{bottom_tex}}}", s.ratio(a))
            for a in z]


def minus(p: Val, q: Fraction, value: float | None = None) -> Val:
    """p − q for a probability p and a rational target q; `value` overrides p.value − q
    where that would cancel (p near 1 = q)."""
    if isinstance(p, Fraction):
        return p - q
    if q == 0:
        return p
    return Sym(f"{p.exact} - {frac_text(q)}", f"{p.tex} - {tex.num(q)}",
               p.value - float(q) if value is None else value)


def log_plus(s: ExpSum, r: Fraction, small: Sequence[Fraction] = ()) -> Sym:
    """log(s) + r. `small`: s's exponents other than one 0 term, for an accurate log1p."""
    single = s.single
    sign = " + " if r > 0 else " - "
    text = f"log({s.text})" + (sign + frac_text(abs(r)) if r else "")
    inner = rf"\left({s.tex}\right)" if single is None or single[1] != 0 else f" {single[0]}"
    tex_ = rf"\log{inner}" + (sign + tex.num(abs(r)) if r else "")
    if small:
        value = math.log1p(math.fsum(math.exp(a) for a in small)) + float(r)
    else:
        value = s.log_value + float(r)
    return Sym(text, tex_, value)


def targets(k: int, label: int, alpha: Fraction, convention: str) -> list[Fraction]:
    """The label-smoothed target distribution q over k classes."""
    if convention == "torch":
        q = [alpha / k] * k
        q[label] += 1 - alpha
    else:
        q = [alpha / (k - 1)] * k
        q[label] = 1 - alpha
    return q


CONVENTIONS = ("torch", "exam")


def convention_tex(convention: str) -> str:
    """The smoothing rule as a formula and a phrase, for a prompt or a key."""
    if convention == "torch":
        return (r"$q_k = (1 - \alpha)\,[k = y] + \alpha/K$: the smoothing mass is spread over all $K$ "
                "classes, the true one included")
    return (r"$q_y = 1 - \alpha$ and $q_k = \alpha/(K - 1)$ for $k \ne y$: the true class keeps "
            r"$1 - \alpha$ and the other $K - 1$ classes share $\alpha$")


def vector_tex(xs: Sequence[Fraction]) -> str:
    return tex.vec(list(xs))


def softmax_text(z: Sequence[Fraction], probs: Sequence[Val], sym: str = "z") -> str:
    """The softmax worked out: each e^{z_k}, their sum S, each p_k = e^{z_k}/S."""
    k = len(z)
    if isinstance(probs[0], Fraction):
        c = tex.num(z[0])
        return (f"All {k} logits equal ${c}$, so every $e^{{{sym}_k}}$ is the same number and each "
                f"class gets the same share: $p_k = e^{{{c}}}/({k}\\,e^{{{c}}}) = {show(probs[0])}$.")
    exps = []
    for i, a in enumerate(z):
        value = "" if a == 0 else rf" \approx {math.exp(a):.4g}"
        exps.append(f"$e^{{{sym}_{{{i}}}}} = {exp_tex(a)}{value}$")
    s = ExpSum(z)
    lines = [
        "Exponentiate every logit: " + ", ".join(exps) + ".",
        rf"Add them up: $S = \sum_j e^{{{sym}_j}} = {s.tex} \approx {math.exp(s.log_value):.4g}$.",
        "Divide each by the sum:",
    ]
    lines += [rf"$p_{{{i}}} = \frac{{e^{{{sym}_{{{i}}}}}}}{{S}} = {show(p)}$" for i, p in enumerate(probs)]
    return "  \n".join(lines)
