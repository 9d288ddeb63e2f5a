"""optim.weight_decay — one gradient step on an L2 penalty δ·Σw² alone: the shrink factor.

Convention: the penalty added to the loss is δ·Σw² (no ½), so its gradient is 2δw and one
plain gradient step with learning rate η on the penalty alone gives w ← (1 − 2ηδ)·w.
PyTorch's `weight_decay` argument adds wd·w to the gradient, i.e. it is the gradient of
(wd/2)·Σw²: our δ is `weight_decay = 2δ` in torch. With `w = "symbolic"` the part asks
for the factor c in w ← c·w and its answer is that number (0.98 for new_w = 0.98·w), so
graders and exports treat it like any other number.

Hand-computable promise (seeded variants): η and δ are short decimals so the factor has
at most 4 decimals; weights are small integers or halves; keys have at most 5 decimals.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, parse_number

ID = "optim.weight_decay"
TITLE = "Weight decay as a shrink factor"
PARAMS: dict[str, Any] = {"delta": REQUIRED, "lr": REQUIRED, "w": REQUIRED}
DECIMALS = 5

MAX_WEIGHTS = 16
MAX_SIZE = 10**6


def _weights(p: Params) -> list[Fraction] | None:
    """The weights, or None for "symbolic"."""
    value = p.get("w")
    if value == "symbolic":
        return None
    allowed = f'"symbolic" or a list of 1 to {MAX_WEIGHTS} numbers, each at most {MAX_SIZE} in size'
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_WEIGHTS:
        raise p.fail("w", allowed)
    try:
        ws = [parse_number(v) for v in value]
    except ValueError:
        raise p.fail("w", allowed) from None
    if any(abs(x) > MAX_SIZE for x in ws):
        raise p.fail("w", allowed)
    return ws


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    delta = p.number("delta", lo=0, hi=1000)
    lr = p.number("lr", lo=0, hi=1000, lo_open=True)
    ws = _weights(p)
    factor = 1 - 2 * lr * delta
    if ws is None:
        part = Part("new_w", "number", answer(factor), 2,
                    r"The new weight as a multiple of $w$: the factor $c$ in $w \leftarrow c\,w$")
        new: list[Fraction] = []
    else:
        new = [factor * x for x in ws]
        part = Part("new_w", "vector", answer(new), 2, "The weights after the step")
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(delta, lr, ws),
                    parts=(part,), solution=_solution(delta, lr, ws, factor, new))


def _prompt(delta: Fraction, lr: Fraction, ws: list[Fraction] | None) -> str:
    weights = (r"a weight vector $w$ (keep it as a symbol)" if ws is None
               else f"the weights $w = {tex.vec(ws)}$")
    return "\n".join([
        rf"An L2 penalty $\delta \sum_i w_i^2$ with $\delta = {tex.num(delta)}$ is added to a loss "
        r"(note: no factor $\tfrac12$ in front). Consider "
        f"{weights} and take one plain gradient-descent step with learning rate "
        rf"$\eta = {tex.num(lr)}$ on the penalty **alone** (the data term's gradient is zero here).",
        "",
        "What are the weights after the step?" if ws is not None
        else r"Write the new weight as a multiple of $w$: give the factor $c$ in $w \leftarrow c\,w$.",
    ])


def _solution(delta: Fraction, lr: Fraction, ws: list[Fraction] | None, factor: Fraction,
              new: list[Fraction]) -> tuple[Step, ...]:
    d, e, c = tex.num(delta), tex.num(lr), tex.num(factor)
    grad = Step("Gradient of the penalty",
                r"$\frac{\partial}{\partial w_i}\,\delta \sum_j w_j^2 = 2\delta w_i$: the square brings "
                rf"down a 2. Here $2\delta = 2 \cdot {d} = {tex.num(2 * delta)}$.")
    shrink = Step("One step",
                  r"$w \leftarrow w - \eta \cdot 2\delta w = (1 - 2\eta\delta)\, w$, with "
                  rf"$1 - 2\eta\delta = 1 - 2 \cdot {e} \cdot {d} = {c}$. "
                  + ("Every weight is multiplied by the same factor: that is why an L2 penalty is "
                     "called *weight decay*." if 0 <= factor < 1 else
                     "The factor is not in $[0, 1)$: the step overshoots; with $2\\eta\\delta > 1$ the "
                     "weights flip sign, with $2\\eta\\delta > 2$ they grow." if factor < 0 else
                     "With $\\delta = 0$ there is no penalty and nothing changes."))
    if ws is None:
        result = Step("Result", rf"$w \leftarrow {c}\, w$: the factor is $c = {c}$.")
    else:
        lines = [rf"$w_{{{i + 1}}} \leftarrow {c} \cdot {tex.num(x, paren=True)} = {tex.num(y)}$"
                 for i, (x, y) in enumerate(zip(ws, new, strict=True))]
        result = Step("Result", "  \n".join(lines) + f"\n\nSo $w = {tex.vec(new)}$.")
    torch_wd = tex.num(2 * delta)
    convention = Step(
        "Convention",
        r"The usual slip is to forget the 2 and write $1 - \eta\delta$. Which is right depends "
        r"on how the penalty is written: with $\tfrac{\lambda}{2}\sum w^2$ the gradient is $\lambda w$ "
        rf"and the factor is $1 - \eta\lambda$. PyTorch's `SGD(weight_decay=wd)` adds $wd \cdot w$ to "
        rf"the gradient, so it implements $\tfrac{{wd}}{{2}}\sum w^2$: our penalty is "
        rf"`weight_decay` $= 2\delta = {torch_wd}$. (AdamW's decoupled decay multiplies by "
        r"$1 - \eta \cdot wd$ directly, outside the adaptive step.)")
    return grad, shrink, result, convention


# -- seeded variants ------------------------------------------------------------------

_DELTAS = ["0.01", "0.05", "0.1", "0.005", "0.001", "0.025", "0.2", "0.5"]
_LRS = ["0.1", "0.01", "0.5", "1", "0.2", "0.05", "0.001"]
_W = [-4, -3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 10]


def draw(rng: random.Random) -> dict[str, Any]:
    while True:
        delta, lr = rng.choice(_DELTAS), rng.choice(_LRS)
        factor = 1 - 2 * Fraction(delta) * Fraction(lr)
        if (factor * 10**4).denominator == 1 and factor > 0:  # at most 4 decimals, a real decay
            break
    w: Any = "symbolic" if rng.random() < 0.25 else \
        [rng.choice(_W) for _ in range(rng.choice([1, 2, 3, 3, 4]))]
    return {"delta": float(delta), "lr": float(lr), "w": w}
