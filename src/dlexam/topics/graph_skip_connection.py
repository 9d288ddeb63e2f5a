"""graph.skip_connection — the gradient through one ReLU unit, with and without a skip connection.

Convention: the plain unit is y = ReLU(w·x); the skip version adds the input before the
ReLU, y = ReLU(w·x + x) (the shortcut of the original ResNet block). ReLU'(s) = 1 if
s > 0 and 0 otherwise; at exactly s = 0 we take 0, as torch.relu's backward does. So
dy/dx is w or 0 for the plain unit and 1 + w or 0 with the skip connection.

Hand-computable promise (seeded variants): w is a small integer, a half, or a tenth in
(−1, 0); x is a small integer or a half; each key (0, w or 1 + w) has at most 1 decimal.
Draws mix the cases: plain dead but skip alive (most often), both alive, the skip
closing a path the plain unit had, both dead, and a pre-activation exactly at 0.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..engine import Tape
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params

ID = "graph.skip_connection"
TITLE = "Gradient through a skip connection"
PARAMS: dict[str, Any] = {"w": REQUIRED, "x": REQUIRED}
DECIMALS = 1

_RELU = r"\mathrm{ReLU}"


class _Unit:
    """One version of the unit on its own tape: leaves w and x, s = pre-activation,
    y = ReLU(s), differentiated by the tape."""

    def __init__(self, w: Fraction, x: Fraction, skip: bool) -> None:
        self.tape = t = Tape()
        self.w, self.x = t.leaf("w", w), t.leaf("x", x)
        self.s = t.let("s", self.w * self.x + self.x if skip else self.w * self.x)
        self.y = t.let("y", self.s.relu())
        t.backward(self.y)
        self.grads = {name: g.value for name, g in t.gradients.items()}

    @property
    def s_value(self) -> Fraction:
        return self.s.data

    def grad(self, name: str) -> Fraction:
        return self.grads.get(name, Fraction(0))

    @property
    def alive(self) -> bool:
        return self.s.data > 0


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    w = p.number("w")
    x = p.number("x")
    plain, skip = _Unit(w, x, skip=False), _Unit(w, x, skip=True)
    parts = (
        Part("dy_dx_plain", "number", answer(plain.grad("x")), 2,
             rf"$\partial y/\partial x$ for the plain unit $y = {_RELU}(w x)$"),
        Part("dy_dx_skip", "number", answer(skip.grad("x")), 2,
             rf"$\partial y/\partial x$ with the skip connection, $y = {_RELU}(w x + x)$"),
    )
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(w, x), parts=parts, solution=_solution(plain, skip),
    )


# -- text -----------------------------------------------------------------------------

def _prompt(w: Fraction, x: Fraction) -> str:
    return "\n".join([
        f"A single ReLU unit with weight $w = {tex.num(w)}$ receives the input $x = {tex.num(x)}$. "
        "Compare two versions of it:",
        "",
        rf"- the plain unit, $y = {_RELU}(w x)$;",
        rf"- the same unit with a skip (identity) connection added before the ReLU, $y = {_RELU}(w x + x)$.",
        "",
        r"For each version find $\partial y/\partial x$. Take $\mathrm{ReLU}'(s) = 1$ if $s > 0$ and "
        r"$0$ otherwise, so $\mathrm{ReLU}'(0) = 0$ as in PyTorch.",
    ])


def _d(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _state(u: _Unit) -> str:
    """Why ReLU'(s) is what it is for this input."""
    s = tex.num(u.s_value)
    if u.s_value > 0:
        return f"$s = {s} > 0$: the unit is active and the ReLU passes the gradient through unchanged."
    if u.s_value < 0:
        return (f"$s = {s} < 0$: the unit is dead for this input. ReLU is flat left of 0, so no "
                rf"gradient flows back through it (the weight gets none either: ${_d('y', 'w')} = "
                f"{tex.num(u.grad('w'))}$).")
    return ("$s = 0$ exactly, ReLU's kink. ReLU has no derivative there; PyTorch takes "
            r"$\mathrm{ReLU}'(0) = 0$, so no gradient flows back.")


def _unit_text(u: _Unit, skip: bool) -> str:
    eqs = {e.name: e for e in u.tape.equations}
    relu_prime = u.grad("s")  # ∂y/∂s, the ReLU's local derivative as the tape took it
    lines = [
        f"*Forward.* ${tex.equation(eqs['s'])}$, so ${tex.equation(eqs['y'])}$.",
        rf"*Backward.* ${_d('y', 's')} = \mathrm{{ReLU}}'(s) = \mathrm{{ReLU}}'({tex.num(u.s_value)}) = "
        f"{tex.num(relu_prime)}$, because {_state(u)}",
    ]
    if skip:
        w = u.w.data
        lines.append(
            rf"The input reaches $s$ along two paths, through the weight and through the shortcut: "
            rf"${_d('s', 'x')} = w + 1 = {tex.num(w)} + 1 = {tex.num(w + 1)}$."
        )
    else:
        lines.append(rf"The only path from $x$ to $s$ is through the weight: "
                     rf"${_d('s', 'x')} = w = {tex.num(u.w.data)}$.")
    lines.append(f"Chain rule: ${tex.gradient(u.tape.gradients['x'], 'y', u.grads)}$.")
    return "  \n".join(lines)


def _comparison(plain: _Unit, skip: _Unit) -> str:
    w, gp, gs = plain.w.data, plain.grad("x"), skip.grad("x")
    total = rf"w x + x = (1 + w)\,x = {tex.num(skip.s_value)}"
    if not plain.alive and skip.alive:
        return (f"The plain unit sends nothing back to $x$, but with the shortcut ${total} > 0$, so the "
                f"gradient $1 + w = {tex.num(gs)}$ gets through. The identity path contributes the 1: the "
                "signal no longer depends on the weight alone. This is why residual networks train deep "
                "stacks: a path with derivative 1 stays open where a plain layer would block it.")
    if plain.alive and skip.alive:
        return (f"Both versions pass a gradient. The shortcut adds exactly 1 to it: $w = {tex.num(gp)}$ "
                f"becomes $1 + w = {tex.num(gs)}$, the 1 being the derivative of the identity path.")
    after = 1 + (w if plain.alive else 0)
    outside = (r"A shortcut added *after* the activation, $y = x + \mathrm{ReLU}(w x)$ (as in "
               r"pre-activation ResNets), keeps the term 1 whatever the ReLU does: its derivative is "
               rf"$1 + \mathrm{{ReLU}}'(w x)\, w$, here ${tex.num(after)}$.")
    if plain.alive:
        return (f"Here the shortcut closes the path the plain unit had ($w = {tex.num(gp)}$): with "
                f"$-1 \\le w < 0$ and $x < 0$, $w x > 0$ but ${total} \\le 0$. A skip connection inside "
                "the ReLU keeps the gradient open only while the sum stays positive. " + outside)
    return (f"Neither version passes a gradient: ${total} \\le 0$ as well, so the ReLU blocks the "
            "shortcut's path too. A skip connection inside the ReLU helps only when adding $x$ makes the "
            "pre-activation positive. " + outside)


def _solution(plain: _Unit, skip: _Unit) -> tuple[Step, ...]:
    return (
        Step("ReLU's derivative",
             r"$\mathrm{ReLU}(s) = \max(0, s)$ has slope 1 for $s > 0$ and 0 for $s < 0$. At $s = 0$ "
             r"it has a kink and no derivative; PyTorch's `torch.relu` uses $\mathrm{ReLU}'(0) = 0$ "
             r"there, and so do we. In both versions $\partial y/\partial x = \mathrm{ReLU}'(s) \cdot "
             r"\partial s/\partial x$."),
        Step("Plain unit", _unit_text(plain, skip=False)),
        Step("With the skip connection", _unit_text(skip, skip=True)),
        Step("What the skip connection changes", _comparison(plain, skip)),
        Step("Convention",
             r"$\mathrm{ReLU}'(0) = 0$ matters only when the pre-activation is exactly 0 (`clamp(min=0)` "
             r"would give 1 there, `maximum(x, 0)` gives 0.5). The usual slip with the skip connection "
             r"is to forget that $x$ reaches $s$ twice: $\partial s/\partial x = w + 1$, not $w$."),
    )


# -- seeded variants -------------------------------------------------------------------

_W = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3]
_W_BETWEEN = [-0.8, -0.6, -0.5, -0.4, -0.2]  # in (−1, 0): where the two versions disagree
_X = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3]
_CASES = ["plain_dead_skip_alive"] * 4 + ["both_alive"] * 3 + ["skip_closes"] + ["both_dead"] + ["kink"]


def draw(rng: random.Random) -> dict[str, Any]:
    """Pick which case to ask about, then draw w and x that produce it."""
    case = rng.choice(_CASES)
    if case == "plain_dead_skip_alive":  # w x < 0 < (1 + w) x needs −1 < w < 0 < x
        return {"w": rng.choice(_W_BETWEEN), "x": rng.choice([v for v in _X if v > 0])}
    if case == "skip_closes":  # (1 + w) x < 0 < w x needs −1 < w < 0 and x < 0
        return {"w": rng.choice(_W_BETWEEN), "x": rng.choice([v for v in _X if v < 0])}
    if case == "kink":  # a pre-activation exactly 0: x = 0, or w = −1 for the skip version
        return {"w": -1, "x": rng.choice(_X)} if rng.random() < 0.5 else {"w": rng.choice(_W), "x": 0}
    while True:
        w, x = rng.choice(_W), rng.choice(_X)
        alive = (w * x > 0, (1 + w) * x > 0)
        if alive == ((True, True) if case == "both_alive" else (False, False)):
            return {"w": w, "x": x}

