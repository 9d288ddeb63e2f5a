"""lstm.step — one step of a single-unit LSTM cell: its gates, cell state and hidden state.

Convention: scalar weights, one hidden unit. With the input x = x_t and the previous
state (h_prev, c_prev) = (h_{t−1}, c_{t−1}):
i = σ(W_i x + U_i h_prev + b_i), f = σ(W_f x + U_f h_prev + b_f), o = σ(W_o x + U_o h_prev
+ b_o), c̃ = tanh(W_c x + U_c h_prev + b_c), c = f·c_prev + i·c̃, h = o·tanh(c), as
nn.LSTMCell computes them. PyTorch stacks the four blocks of weight_ih / weight_hh /
the biases in the order (i, f, g, o), where g is our c̃; it has two biases b_ih + b_hh,
whose sum is our b. Biases, h_prev and c_prev default to 0 (PyTorch's zero state).

Sigmoid and tanh make the keys irrational in general (σ(0) = 1/2 and tanh(0) = 0 are the
rational exceptions): they are exact SymPy expressions with a decimal beside, the question
allows a calculator, and the worked solution shows the decimals a calculator gives. Every
number given must lie in [−100, 100].

Hand-computable promise (seeded variants): weights, inputs and states are small integers
or halves, each pre-activation is one of 0, ±1/2, ±1, ±2 (biases are chosen to make it so),
and some pre-activations are 0. Rational keys (a gate at σ(0), c̃ = tanh(0), c = f·c_prev)
have at most 2 decimals; the others need a calculator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
import sympy

from ..engine import Exact
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params

ID = "lstm.step"
TITLE = "One step of an LSTM cell"
GATES = ("i", "f", "o", "c")  # c: the candidate c̃ (PyTorch's g)
PARAMS: dict[str, Any] = {
    name: (REQUIRED if kind in "WU" else 0) for g in GATES for kind, name in
    (("W", f"W_{g}"), ("U", f"U_{g}"), ("b", f"b_{g}"))
} | {"x": REQUIRED, "h_prev": 0, "c_prev": 0}
DECIMALS = 2
CALCULATOR = True

LIMIT = 100  # |every number| ≤ LIMIT: a hand-worked key, and exp(−z) stays sane


@dataclass
class _Value:
    """An exact key value, its JSON answer and the decimal the worked solution prints."""

    exact: Exact
    json: Any
    decimal: float
    mp: Any  # the value to 50 digits

    @classmethod
    def of(cls, x: Exact, approx: mpmath.mpf) -> _Value:
        """`approx` is x to 50 digits, carried alongside: the number answer() would find, but
        computed once per value. answer() walks each key's whole tree again (h holds c, which
        holds every gate), which halves the speed of a build (~700 instead of ~1,900 a second)."""
        if isinstance(x, Fraction):
            return cls(x, answer(x), float(x), _mp(x))
        return cls(x, {"exact": sympy.sstr(x, order="none"), "value": float(approx)}, float(approx), approx)

    def _short(self) -> str | None:
        x = self.exact
        text = tex.decimal(x) if isinstance(x, Fraction) else None
        return text if text is not None and len(text) <= 8 else None

    def tex(self, paren: bool = False) -> str:
        """Exact when it is a short decimal (0.5, -0.25), else the rounded decimal."""
        if self._short() is not None:
            return tex.num(self.exact, paren=paren)
        text = f"{self.decimal:.4f}"
        return f"({text})" if paren and self.decimal < 0 else text

    def result(self) -> str:
        """`= 0.5` for an exact short decimal, `≈ 0.6225` otherwise."""
        if self._short() is not None:
            return f"= {tex.num(self.exact)}"
        if isinstance(self.exact, Fraction):
            return rf"= {tex.num(self.exact)} \approx {self.decimal:.4f}"
        return rf"\approx {self.decimal:.4f}"


def _mp(x: Fraction) -> mpmath.mpf:
    return mpmath.mpf(x.numerator) / x.denominator


@lru_cache(maxsize=1024)
def _sigmoid(z: Fraction) -> _Value:
    """σ(z), exact (1/2 at z = 0, else 1/(1 + exp(−z)) in SymPy); cached, as exams reuse
    the same few pre-activations."""
    with mpmath.workdps(50):
        return _Value.of(ex.sigmoid(z), 1 / (1 + mpmath.exp(-_mp(z))))


@lru_cache(maxsize=1024)
def _tanh(z: Fraction) -> _Value:
    with mpmath.workdps(50):
        return _Value.of(ex.tanh(z), mpmath.tanh(_mp(z)))


@dataclass
class _Cell:
    w: dict[str, Fraction]  # W_i, U_i, b_i, ...
    x: Fraction
    h_prev: Fraction
    c_prev: Fraction

    def __post_init__(self) -> None:
        self.z = {g: self.w[f"W_{g}"] * self.x + self.w[f"U_{g}"] * self.h_prev + self.w[f"b_{g}"]
                  for g in GATES}
        self.gate = {g: _sigmoid(self.z[g]) for g in "ifo"}
        self.c_tilde = _tanh(self.z["c"])
        i, f, o = self.gate["i"], self.gate["f"], self.gate["o"]
        c = ex.add(ex.mul(f.exact, self.c_prev), ex.mul(i.exact, self.c_tilde.exact))
        with mpmath.workdps(50):
            c_mp = f.mp * _mp(self.c_prev) + i.mp * self.c_tilde.mp
            self.c = _Value.of(c, c_mp)
            if isinstance(c, Fraction):
                self.tanh_c = _tanh(c)
            else:  # unevaluated: SymPy's tanh would spend milliseconds on an Add's assumptions
                self.tanh_c = _Value.of(sympy.tanh(c, evaluate=False), mpmath.tanh(c_mp))
            self.h = _Value.of(ex.mul(o.exact, self.tanh_c.exact), o.mp * self.tanh_c.mp)
        keys = [*self.gate.values(), self.c_tilde, self.c, self.h]
        self.irrational = not all(isinstance(v.exact, Fraction) for v in keys)


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    weights = {name: p.number(name, PARAMS[name], lo=-LIMIT, hi=LIMIT)
               for name in PARAMS if name[0] in "WUb"}
    x = p.number("x", lo=-LIMIT, hi=LIMIT)
    h_prev = p.number("h_prev", 0, lo=-LIMIT, hi=LIMIT)
    c_prev = p.number("c_prev", 0, lo=-LIMIT, hi=LIMIT)
    cell = _Cell(weights, x, h_prev, c_prev)
    parts = (
        Part("i", "number", cell.gate["i"].json, 1, "The input gate $i$"),
        Part("f", "number", cell.gate["f"].json, 1, "The forget gate $f$"),
        Part("o", "number", cell.gate["o"].json, 1, "The output gate $o$"),
        Part("c_tilde", "number", cell.c_tilde.json, 1, r"The candidate cell value $\tilde c$"),
        Part("c", "number", cell.c.json, 2, "The new cell state $c_t$"),
        Part("h", "number", cell.h.json, 2, "The new hidden state $h_t$"),
    )
    return Question(
        topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(cell), parts=parts,
        solution=_solution(cell), calculator=cell.irrational,
    )


# -- text -----------------------------------------------------------------------------

_NAMES = {"i": "input gate", "f": "forget gate", "o": "output gate", "c": "candidate"}


def _pre(g: str) -> str:
    return rf"W_{g} x + U_{g} h_{{t-1}} + b_{g}"


def _prompt(cell: _Cell) -> str:
    n = tex.num
    rows = "\n".join(
        f"| {_NAMES[g]} | $W_{g} = {n(cell.w[f'W_{g}'])}$ | $U_{g} = {n(cell.w[f'U_{g}'])}$ "
        f"| $b_{g} = {n(cell.w[f'b_{g}'])}$ |" for g in GATES)
    return "\n".join([
        "An LSTM cell with a single hidden unit (every weight is a scalar) computes one time step as",
        "",
        rf"$$i = \sigma({_pre('i')}),\quad f = \sigma({_pre('f')}),\quad o = \sigma({_pre('o')}),$$",
        rf"$$\tilde c = \tanh({_pre('c')}),\qquad c_t = f\,c_{{t-1}} + i\,\tilde c,"
        r"\qquad h_t = o\,\tanh(c_t),$$",
        "",
        r"where $\sigma(z) = 1/(1 + e^{-z})$. Its parameters are",
        "",
        "| block | input weight | recurrent weight | bias |",
        "|---|---|---|---|",
        rows,
        "",
        f"It receives the input $x = x_t = {n(cell.x)}$ with the previous hidden state "
        f"$h_{{t-1}} = {n(cell.h_prev)}$ and the previous cell state $c_{{t-1}} = {n(cell.c_prev)}$.",
        "",
        r"Compute the gates $i$, $f$, $o$, the candidate $\tilde c$, the new cell state $c_t$ and the "
        "new hidden state $h_t$." + (" A calculator is allowed; give decimals to 4 places."
                                     if cell.irrational else ""),
    ])


def _exp(z: Fraction) -> str:
    """e^{−z} as printed in σ(z) = 1/(1 + e^{−z})."""
    return "e" if z == -1 else f"e^{{{tex.num(-z)}}}"


def _solution(cell: _Cell) -> tuple[Step, ...]:
    n = tex.num
    pre = []
    for g in GATES:
        W, U, b = (cell.w[f"{k}_{g}"] for k in "WUb")
        pre.append(f"$z_{g} = {_pre(g)} = {n(W)} \\cdot {n(cell.x, paren=True)} + {n(U, paren=True)} \\cdot "
                   f"{n(cell.h_prev, paren=True)} + {n(b, paren=True)} = {n(cell.z[g])}$")
    gates = []
    for g in "ifo":
        z, v = cell.z[g], cell.gate[g]
        symbol = {"i": "i", "f": "f", "o": "o"}[g]
        if z == 0:
            gates.append(f"${symbol} = \\sigma(0) = \\tfrac12 = 0.5$ (a pre-activation of 0 leaves the "
                         "gate half open)")
        else:
            gates.append(f"${symbol} = \\sigma({n(z)}) = \\frac{{1}}{{1 + {_exp(z)}}} {v.result()}$")
    zc = cell.z["c"]
    if zc == 0:
        gates.append(r"$\tilde c = \tanh(0) = 0$: the candidate writes nothing into the cell")
    else:
        gates.append(rf"$\tilde c = \tanh({n(zc)}) {cell.c_tilde.result()}$")
    f, i, ct = cell.gate["f"], cell.gate["i"], cell.c_tilde
    c_line = (rf"$c_t = f\,c_{{t-1}} + i\,\tilde c = {f.tex()} \cdot {n(cell.c_prev, paren=True)} + "
              rf"{i.tex()} \cdot {ct.tex(paren=True)} {cell.c.result()}$")
    keep = (f"The forget gate keeps the share $f {f.result()}$ of the old cell state and the input gate "
            f"admits the share $i {i.result()}$ of the candidate.")
    o = cell.gate["o"]
    rel = "=" if isinstance(cell.tanh_c.exact, Fraction) else r"\approx"
    h_line = (rf"$h_t = o\,\tanh(c_t) = {o.tex()} \cdot \tanh({cell.c.tex()}) {rel} {o.tex()} \cdot "
              rf"{cell.tanh_c.tex(paren=True)} {cell.h.result()}$")
    carry = ("  \nCarry the calculator's full values from line to line: rounding every gate to 4 "
             "places first can move the last digit of $c_t$ and $h_t$. The key keeps the exact values "
             r"($\sigma$ and $\tanh$ of the numbers above)." if cell.irrational else "")
    return (
        Step("Pre-activations", "Each block adds its input term, its recurrent term and its bias:  \n"
             + "  \n".join(pre)),
        Step("Gates and candidate",
             r"The three gates squash with $\sigma$ into $(0, 1)$; the candidate uses $\tanh$, into "
             r"$(-1, 1)$, so it can also subtract from the cell.  " + "\n" + "  \n".join(gates)),
        Step("Cell state", keep + "  \n" + c_line),
        Step("Hidden state", "The output gate scales the squashed cell state:  \n" + h_line + carry),
        Step("Convention",
             r"The usual slips: $h_t = o \tanh(c_t)$, not $o\,c_t$; the candidate $\tilde c$ uses "
             r"$\tanh$, not $\sigma$; and $f$ multiplies the *old* cell state, so $f$ near 1 means "
             "*remember* (it is a keep gate despite its name). In PyTorch, `nn.LSTMCell` stores the "
             "four blocks of `weight_ih`, `weight_hh`, `bias_ih` and `bias_hh` in the order "
             r"$(i, f, g, o)$: the third block is the candidate ($g = \tilde c$) and the output gate "
             "comes last. It adds two biases, `bias_ih + bias_hh`; our $b$ is their sum."),
    )


# -- seeded variants ------------------------------------------------------------------

_COEFF = [-1, -0.5, 0, 0.5, 1, 2]
_X = [-1, 0.5, 1, 2]
_H = [-1, -0.5, 0, 0.5, 1]
_C = [-1, -0.5, 0, 0.5, 1, 2]
_Z = [Fraction(v) for v in ("-2", "-1", "-1/2", "0", "0", "1/2", "1", "2")]


def _plain(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def draw(rng: random.Random) -> dict[str, Any]:
    """Pick x, h_prev, the weights and each pre-activation; the bias makes the sum come out."""
    x, h_prev, c_prev = rng.choice(_X), rng.choice(_H), rng.choice(_C)
    params: dict[str, Any] = {}
    for g in GATES:
        z = rng.choice(_Z)
        for _ in range(50):
            W, U = rng.choice(_COEFF), rng.choice(_COEFF)
            b = z - Fraction(W) * Fraction(x) - Fraction(U) * Fraction(h_prev)
            if abs(b) <= 2 and (b * 2).denominator == 1:
                break
        else:  # pragma: no cover - some (W, U) always fits within 50 tries in practice
            W, U, b = 0, 0, z
        params |= {f"W_{g}": W, f"U_{g}": U, f"b_{g}": _plain(b)}
    return params | {"x": x, "h_prev": h_prev, "c_prev": c_prev}
