"""relu.linear_regions — how many linear regions one hidden layer of ReLUs cuts its input space into.

Convention: a single hidden layer of n1 ReLU units on n0 inputs, weights and biases in
general position (the generic case: no two hyperplanes parallel, no n0 + 1 through one
point, every weight row non-zero). Unit i switches on one side of the hyperplane
w_i·x + b_i = 0, so the regions where the network is linear are the cells of an
arrangement of n1 hyperplanes in R^n0; Zaslavsky's count for that arrangement gives
regions = Σ_{j=0}^{min(n0, n1)} C(n1, j). When n1 ≤ n0 the sum is 2^n1: every on/off
pattern of the units occurs. The count is the maximum; special (non-generic) weights give fewer.

Hand-computable promise (seeded variants): n0 from 1 to 4 and n1 from 1 to 12, so the
key is a sum of at most five small binomial coefficients.
"""

from __future__ import annotations

import math
import random
from typing import Any

from ..model import Part, Question, Step
from ._params import REQUIRED, Params

ID = "relu.linear_regions"
TITLE = "Linear regions of a one-hidden-layer ReLU network"
PARAMS: dict[str, Any] = {"n_inputs": REQUIRED, "n_hidden": REQUIRED}
DECIMALS = 0

MAX_INPUTS = 1000
MAX_HIDDEN = 100  # keeps the key under 2^100 ≈ 10^30 and the sum short enough to print


def regions(n0: int, n1: int) -> int:
    return sum(math.comb(n1, j) for j in range(min(n0, n1) + 1))


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    n0 = p.integer("n_inputs", lo=1, hi=MAX_INPUTS)
    n1 = p.integer("n_hidden", lo=1, hi=MAX_HIDDEN)
    total = regions(n0, n1)
    part = Part("regions", "integer", total, 2,
                "The largest number of linear regions (weights in general position)")
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(n0, n1), parts=(part,),
                    solution=_solution(n0, n1, total))


def _prompt(n0: int, n1: int) -> str:
    inputs = "one input" if n0 == 1 else f"$n_0 = {n0}$ inputs"
    units = "one ReLU unit" if n1 == 1 else f"$n_1 = {n1}$ ReLU units"
    return (
        f"A network takes {inputs} and has a single hidden layer of {units}, "
        r"$h_i(x) = \max(0, w_i^\top x + b_i)$, followed by a linear output layer. "
        r"The weights and biases are in general position (no two hyperplanes $w_i^\top x + b_i = 0$ "
        r"parallel, no more than $n_0$ of them through one point). Into how many linear regions "
        r"(connected pieces of the input space on which the network is an affine function) "
        r"can the hidden layer cut the input space at most?"
    )


def _terms(n0: int, n1: int) -> tuple[str, str]:
    top = min(n0, n1)
    js = list(range(top + 1))
    if len(js) > 8:
        js = [*js[:4], -1, *js[-3:]]
    sym = " + ".join(r"\dots" if j < 0 else rf"\binom{{{n1}}}{{{j}}}" for j in js)
    vals = " + ".join(r"\dots" if j < 0 else str(math.comb(n1, j)) for j in js)
    return sym, vals


def _solution(n0: int, n1: int, total: int) -> tuple[Step, ...]:
    sym, vals = _terms(n0, n1)
    top = min(n0, n1)
    hyper = {1: "a point", 2: "a line", 3: "a plane"}.get(n0, "a hyperplane")
    steps = [
        Step("Regions are cells of a hyperplane arrangement",
             rf"Unit $i$ is off where $w_i^\top x + b_i < 0$ and on where it is $> 0$; its boundary "
             rf"$w_i^\top x + b_i = 0$ is {hyper} in $\mathbb{{R}}^{{{n0}}}$. Inside one cell of the "
             rf"arrangement of these {n1} hyperplanes every unit keeps its on/off state, so the network "
             r"is a single affine map there; crossing a hyperplane switches one unit and changes the "
             r"slope. So the linear regions are the cells of the arrangement."),
        Step("Counting the cells",
             rf"For $n_1$ hyperplanes in general position in $\mathbb{{R}}^{{n_0}}$ the number of cells "
             rf"is $\sum_{{j=0}}^{{n_0}} \binom{{n_1}}{{j}}$ (Zaslavsky's theorem; a term with $j > n_1$ "
             rf"is 0). Here $\sum_{{j=0}}^{{{top}}} \binom{{{n1}}}{{j}} = {sym} = {vals} = {total}$."),
    ]
    if n1 <= n0:
        steps.append(Step(
            "Fewer units than inputs",
            rf"With $n_1 = {n1} \le n_0 = {n0}$ the sum runs over every $j$ from 0 to $n_1$, which is "
            rf"$2^{{n_1}} = 2^{{{n1}}} = {total}$: the weight rows are linearly independent, so every "
            r"on/off pattern of the units is reached by some input — every subset of units can be on."))
    else:
        line = (rf" (With one input this is plain: {n1} break points cut a line into {n1 + 1} pieces.)"
                if n0 == 1 else "")
        steps.append(Step(
            "More units than inputs",
            rf"With $n_1 = {n1} > n_0 = {n0}$ not every on/off pattern occurs: $2^{{{n1}}} = "
            rf"{2 ** n1}$ patterns exist but only {total} cells. Each new hyperplane adds as many "
            r"regions as the cells it passes through, which is where the binomial coefficients come "
            r"from." + line))
    steps.append(Step(
        "Convention",
        r"The count is for weights in general position, which random weights are with probability 1; "
        r"parallel or concurrent hyperplanes give fewer regions. The usual slip is to answer $2^{n_1}$ "
        r"(the number of on/off patterns) when $n_1 > n_0$, or $n_1 + 1$ (right only for one input)."))
    return tuple(steps)


def draw(rng: random.Random) -> dict[str, Any]:
    n0 = rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 1])[0]
    n1 = rng.randint(max(1, n0 - 2), 12 if n0 < 4 else 8)
    return {"n_inputs": n0, "n_hidden": n1}
