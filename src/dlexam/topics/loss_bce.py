"""loss.bce — binary cross-entropy of a probability or a logit, and its gradient.

Convention: natural logarithm. Given a probability p (as nn.BCELoss takes it) the loss of one
example is ℓ = −[y·log p + (1 − y)·log(1 − p)] and the gradient asked is ∂L/∂p; given a
logit z (as nn.BCEWithLogitsLoss takes it, p = σ(z)) the loss is ℓ = log(1 + e^z) − y·z and
the gradient is ∂L/∂z = σ(z) − y. The target y may be 0, 1 or a soft target in [0, 1]. A
list of examples is averaged (`reduction` "mean", torch's default) or summed ("sum"); the
mean's 1/n reaches every gradient. p = 0 or 1 is accepted only where the loss stays finite
(p = y): torch's BCELoss would clamp log at −100 instead; there the key gives the one-sided
derivative (−1/p or 1/(1 − p)), where torch's backward, dividing by max(p(1 − p), 1e−12),
reports 0 (and departs from the derivative whenever p(1 − p) < 1e−12).

The logs make the loss irrational in general: an exact SymPy key (log(5/4)) with a decimal
beside, and the question allows a calculator. A logit lies in [−100, 100].

Hand-computable promise (seeded variants): one example or a list of 2 or 4; probabilities
with one or two decimals, logits small integers or halves; targets 0, 1 or a soft target
with one decimal. Rational keys (every gradient given p; 1/2 − y at z = 0) have at most 3
decimals; the losses need a calculator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

from ..engine import Exact, to_float
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, parse_number

ID = "loss.bce"
TITLE = "Binary cross-entropy and its gradient"
PARAMS: dict[str, Any] = {"p": None, "logit": None, "y": REQUIRED, "reduction": "mean"}
DECIMALS = 3
CALCULATOR = True

MAX_EXAMPLES = 10
LIMIT = 100  # |logit| ≤ LIMIT


@dataclass(frozen=True)
class _Num:
    """An exact value with its JSON answer and the line the worked solution prints."""

    exact: Exact

    def __add__(self, other: _Num) -> _Num:
        return _Num(ex.add(self.exact, other.exact))

    def scale(self, k: Fraction) -> _Num:
        return _Num(ex.mul(k, self.exact))

    @property
    def json(self) -> Any:
        return answer(self.exact)

    def tex(self) -> str:
        """`= 0.25` when exact and short, else `≈ 0.2231`."""
        value = to_float(self.exact)
        if isinstance(self.exact, Fraction):
            short = tex.decimal(self.exact)
            if short is not None and len(short) <= 8:
                return f"= {short}"
            return rf"= {tex.num(self.exact)} \approx {value:.4f}"
        return rf"\approx {value:.4f}"


@lru_cache(maxsize=1024)
def _log(x: Fraction) -> _Num:
    """log x for a rational x > 0, exact (log(5/4)); cached, exams reuse a few numbers."""
    return _Num(ex.log(x))


@lru_cache(maxsize=1024)
def _softplus(z: Fraction) -> _Num:
    """log(1 + e^z)."""
    return _Num(ex.log(Fraction(2)) if z == 0 else sympy.log(1 + sympy.exp(sympy.Rational(z))))


@lru_cache(maxsize=1024)
def _sigmoid(z: Fraction) -> _Num:
    return _Num(ex.sigmoid(z))


def _example_loss(x: Fraction, y: Fraction, logits: bool) -> _Num:
    if logits:
        return _softplus(x) + _Num(-y * x)
    total = _Num(Fraction(0))  # −y·log p = y·log(1/p); a term with weight 0 is absent
    if y:
        total = total + _log(1 / x).scale(y)
    if y != 1:
        total = total + _log(1 / (1 - x)).scale(1 - y)
    return total


def _example_grad(x: Fraction, y: Fraction, logits: bool) -> _Num:
    if logits:
        return _sigmoid(x) + _Num(-y)
    if x in (0, 1):  # only with y = x: the loss is −log(1 − p) or −log p alone
        return _Num(Fraction(1) if x == 0 else Fraction(-1))
    return _Num((x - y) / (x * (1 - x)))


# -- params ---------------------------------------------------------------------------

def _read(p: Params, name: str, lo: int, hi: int, what: str) -> tuple[list[Fraction], bool]:
    """A number or a list of 1..MAX_EXAMPLES numbers in [lo, hi]; True when a list."""
    value = p.get(name)
    allowed = f"{what} in [{lo}, {hi}] or a list of 1 to {MAX_EXAMPLES} of them"
    try:
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_EXAMPLES:
                raise ValueError
            xs = [parse_number(v) for v in value]
        else:
            xs = [parse_number(value)]
    except ValueError:
        raise p.fail(name, allowed) from None
    if any(not lo <= x <= hi for x in xs):
        raise p.fail(name, allowed)
    return xs, isinstance(value, list)


def _params(raw: Any) -> tuple[Params, list[Fraction], list[Fraction], bool, bool, str]:
    p = Params(ID, raw, PARAMS)
    given = [n for n in ("p", "logit") if p.has(n) and p.raw[n] is not None]
    if len(given) != 1:
        name, how = ("logit", "not both") if given else ("p", "one of them is required")
        raise p.error(name, f"give either p (a probability) or logit, {how}")
    logits = given == ["logit"]
    if logits:
        xs, listed = _read(p, "logit", -LIMIT, LIMIT, "a logit")
    else:
        xs, listed = _read(p, "p", 0, 1, "a probability")
    ys, y_listed = _read(p, "y", 0, 1, "a target")
    if listed != y_listed or len(ys) != len(xs):
        form = f"a list of {len(xs)} targets" if listed else "one number"
        raise p.error("y", f"must match {given[0]}: {form} in [0, 1]")
    reduction = p.choice("reduction", ("mean", "sum"), "mean")
    for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if not logits and x in (0, 1) and y != x:
            where = f"has p[{k}] =" if listed else "is"
            clamped = 100 * (y if x == 0 else 1 - y)
            report = tex.decimal(clamped) or f"{float(clamped):.4g}"
            raise p.error("p", f"{where} {x} with target {tex.decimal(y) or y}, so the loss is infinite "
                          f"(log 0); torch's BCELoss clamps log at -100 and would report {report} for "
                          "this example; give p strictly between 0 and 1 (p = 0 or 1 only with the same "
                          "target)")
    return p, xs, ys, listed, logits, reduction


def build(raw: Any) -> Question:
    p, xs, ys, listed, logits, reduction = _params(raw)
    n = len(xs)
    k = Fraction(1, n) if reduction == "mean" else Fraction(1)
    losses = [_example_loss(x, y, logits) for x, y in zip(xs, ys, strict=True)]
    total = losses[0]
    for ell in losses[1:]:
        total = total + ell
    loss = total.scale(k)
    grads = [_example_grad(x, y, logits).scale(k) for x, y in zip(xs, ys, strict=True)]
    wrt = "z" if logits else "p"
    parts = (
        Part("loss", "number", loss.json, 2,
             "The loss $L$" + (f" ({reduction} over the examples)" if listed else "")),
        Part("grad", "vector" if listed else "number",
             [g.json for g in grads] if listed else grads[0].json, 2,
             f"The gradient $\\partial L/\\partial {wrt}_k$ for every example" if listed
             else f"The gradient $\\partial L/\\partial {wrt}$"),
    )
    rational = all(isinstance(v.exact, Fraction) for v in [loss, *grads])
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(xs, ys, listed, logits, reduction, not rational),
        parts=parts, solution=_solution(xs, ys, listed, logits, reduction, losses, loss, grads),
        calculator=not rational,
    )


# -- text -----------------------------------------------------------------------------

def _list(xs: list[Fraction]) -> str:
    return tex.vec(xs) if len(xs) > 1 else tex.num(xs[0])


def _prompt(xs: list[Fraction], ys: list[Fraction], listed: bool, logits: bool, reduction: str,
            calculator: bool) -> str:
    sym = "z" if logits else "p"
    if logits:
        given = ("the model outputs a **logit** $z$ (a score before the sigmoid; $p = \\sigma(z)$), "
                 "as `nn.BCEWithLogitsLoss` takes it")
        loss = r"\ell = -\big[y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\big]"
    else:
        given = "the model outputs a **probability** $p$ of class 1, as `nn.BCELoss` takes it"
        loss = r"\ell = -\big[y \log p + (1 - y) \log(1 - p)\big]"
    lines = [f"In a binary classifier {given}. Each example's loss is the binary cross-entropy",
             "", f"$${loss}$$", "", "with the natural logarithm."]
    if listed:
        how = (r"averaged, $L = \frac1n \sum_k \ell_k$" if reduction == "mean"
               else r"summed, $L = \sum_k \ell_k$")
        lines += ["", f"For a batch of $n = {len(xs)}$ examples with ${sym} = {_list(xs)}$ and targets "
                  f"$y = {_list(ys)}$, the losses are {how}."]
        ask = f"the loss $L$ and its gradient $\\partial L/\\partial {sym}_k$ for every example"
    else:
        lines += ["", f"One example has ${sym} = {tex.num(xs[0])}$ and target $y = {tex.num(ys[0])}$."]
        ask = f"the loss $L = \\ell$ and its gradient $\\partial L/\\partial {sym}$"
    tools = " A calculator is allowed; give decimals to 4 places." if calculator else ""
    lines += ["", f"Find {ask}.{tools}"]
    return "\n".join(lines)


def _log_term(coeff: Fraction, arg: Fraction, short: bool = False) -> str:
    """c·log a; `short` drops a coefficient of 1."""
    weight = "" if short and coeff == 1 else f"{tex.num(coeff)} \\cdot "
    return f"{weight}\\log {tex.num(arg)}"


def _loss_line(k: str, x: Fraction, y: Fraction, logits: bool, ell: _Num) -> str:
    n = tex.num
    if logits:
        return (f"$\\ell{k} = \\log(1 + e^{{{n(x)}}}) - {n(y)} \\cdot {n(x, paren=True)} {ell.tex()}$ "
                f"(here $p = \\sigma({n(x)}) {_sigmoid(x).tex()}$)")
    terms = [(y, x), (1 - y, 1 - x)]
    full = " + ".join(_log_term(c, a) for c, a in terms)
    present = [(c, a) for c, a in terms if c]
    line = f"$\\ell{k} = -\\big[{full}\\big]"
    if len(present) == 1:
        line += f" = -{_log_term(*present[0], short=True)}"
    return f"{line} {ell.tex()}$"


def _solution(xs: list[Fraction], ys: list[Fraction], listed: bool, logits: bool, reduction: str,
              losses: list[_Num], loss: _Num, grads: list[_Num]) -> tuple[Step, ...]:
    n, count = tex.num, len(xs)
    idx = [f"_{{{j + 1}}}" if listed else "" for j in range(count)]
    rows = [_loss_line(idx[j], xs[j], ys[j], logits, losses[j]) for j in range(count)]
    if logits:
        intro = (r"With $p = \sigma(z)$, $\log \sigma(z) = -\log(1 + e^{-z})$ and $\log(1 - \sigma(z)) = "
                 r"-\log(1 + e^{z})$, so $\ell = \log(1 + e^{z}) - y\,z$ — the form `BCEWithLogitsLoss` "
                 "evaluates, stable for large $|z|$.")
    else:
        intro = (r"A term whose weight ($y$ or $1 - y$) is 0 drops out: with a hard target only one "
                 "log remains.")
    steps = [Step("Loss of each example", intro + "  \n" + "  \n".join(rows))]
    if listed:
        terms = " + ".join(f"\\ell_{{{j + 1}}}" for j in range(count))
        how = f"\\frac{{1}}{{{count}}}({terms})" if reduction == "mean" else terms
        steps.append(Step("Reduction", f"$L = {how} {loss.tex()}$ (reduction \"{reduction}\")."))
    scale = f"\\frac{{1}}{{{count}}} \\cdot " if listed and reduction == "mean" else ""
    glines = []
    for j in range(count):
        x, y = xs[j], ys[j]
        g = f"\\frac{{\\partial L}}{{\\partial {'z' if logits else 'p'}{idx[j]}}}"
        if logits:
            glines.append(f"${g} = {scale}(\\sigma({n(x)}) - {n(y)}) {grads[j].tex()}$")
        elif x in (0, 1):
            local = r"\left(-\frac{1}{p}\right)" if x == 1 else r"\frac{1}{1 - p}"
            glines.append(f"${g} = {scale}{local} {grads[j].tex()}$ (only the "
                          "log with a non-zero weight is left; torch's BCELoss reports 0 here, because its "
                          "backward divides by $\\max(p(1 - p), 10^{-12})$)")
        else:
            glines.append(f"${g} = {scale}\\frac{{{n(x)} - {n(y, paren=True)}}}{{{n(x)}\\,(1 - {n(x)})}} "
                          f"{grads[j].tex()}$")
    if logits:
        rule = (r"$\partial \ell/\partial z = \sigma(z) - y = p - y$: the chain rule's factor "
                r"$\sigma'(z) = p(1 - p)$ cancels the denominator of $\partial \ell/\partial p$.")
    else:
        rule = (r"$\partial \ell/\partial p = -\frac{y}{p} + \frac{1 - y}{1 - p} = \frac{p - y}{p(1 - p)}$, "
                "rational even though the loss is not.")
    if scale:
        rule += " The mean's $1/n$ reaches every gradient."
    steps.append(Step("Gradient", rule + "  \n" + "  \n".join(glines)))
    steps.append(Step("Convention", _CONVENTION))
    return tuple(steps)


_CONVENTION = (
    r"Logs are natural. `nn.BCELoss` takes probabilities and `nn.BCEWithLogitsLoss` takes logits; "
    r"passing logits to BCELoss (or sigmoid outputs to BCEWithLogitsLoss) is the classic slip. The "
    r"gradient with respect to the logit is $p - y$, not $\frac{p - y}{p(1 - p)}$: the two differ by "
    r"the sigmoid's derivative. Both losses average over the batch by default (`reduction='mean'`), "
    r"which divides every gradient by $n$. BCELoss clamps each log at $-100$, so $p = 0$ or $1$ with "
    r"the opposite target gives a loss of 100 rather than infinity."
)


# -- seeded variants ------------------------------------------------------------------

_P = ["0.5", "0.8", "0.2", "0.25", "0.75", "0.4", "0.6", "0.9", "0.1"]
_Z = ["0", "0", "1", "-1", "2", "-2", "0.5", "-0.5", "3"]
_Y_SOFT = ["0.9", "0.1", "0.8", "0.5"]


def _places(x: Fraction) -> int:
    places = tex.decimal_places(x)
    return 99 if places is None else places


def _plain(s: str) -> int | float:
    return int(s) if "." not in s else float(s)


def draw(rng: random.Random) -> dict[str, Any]:
    logits = rng.random() < 0.4
    count = rng.choice([1, 1, 1, 2, 4])
    reduction = "sum" if count > 1 and rng.random() < 0.3 else "mean"
    while True:
        xs = [rng.choice(_Z if logits else _P) for _ in range(count)]
        ys = [rng.choice(["0", "1"]) if rng.random() < 0.75 else rng.choice(_Y_SOFT) for _ in range(count)]
        k = Fraction(1, count) if reduction == "mean" else 1
        fx, fy = [Fraction(x) for x in xs], [Fraction(y) for y in ys]
        keys = [k * (x - y) / (x * (1 - x)) for x, y in zip(fx, fy, strict=True)] if not logits else \
            [k * (Fraction(1, 2) - y) for x, y in zip(fx, fy, strict=True) if x == 0]
        if all(_places(g) <= DECIMALS for g in keys):
            break
    name = "logit" if logits else "p"
    x_out: Any = [_plain(x) for x in xs] if count > 1 else _plain(xs[0])
    y_out: Any = [_plain(y) for y in ys] if count > 1 else _plain(ys[0])
    return {name: x_out, "y": y_out, "reduction": reduction}
