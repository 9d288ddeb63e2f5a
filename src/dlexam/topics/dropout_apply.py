"""dropout.apply — a dropout layer's output in training (with a given mask) and at test time.

Convention: p_drop is the probability of *dropping* a unit (PyTorch's `p`); the mask holds
1 for a kept unit and 0 for a dropped one. Inverted dropout (PyTorch's nn.Dropout, the
default here) scales the kept units by 1/(1 − p) while training and is the identity at test
time. Classic dropout (`inverted: false`, the original paper's scheme) leaves the kept
units alone while training and multiplies every unit by the keep probability 1 − p at
test time. Both make the test output the expected training output. p_drop = 1 with
inverted dropout would divide by 0 and is refused; a mask that keeps a unit although
p_drop = 1, or drops one although p_drop = 0, is refused as impossible.

Hand-computable promise (seeded variants): 3 to 6 inputs that are small integers or have
one decimal, p_drop with a short 1/(1 − p) (0.2, 0.5, 0.6, 0.75, 0.8; classic dropout
also 0.1, 0.25, 0.3, 0.4), a mask with at least one kept and one dropped unit; every key
has at most 3 decimals.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params

ID = "dropout.apply"
TITLE = "Dropout in training and at test time"
PARAMS: dict[str, Any] = {"p_drop": REQUIRED, "x": REQUIRED, "mask": REQUIRED, "inverted": True}
DECIMALS = 3

MAX_UNITS = 64


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    p_drop = p.number("p_drop", lo=0, hi=1)
    value = p.raw.get("x")
    if isinstance(value, list) and len(value) > MAX_UNITS:
        raise p.fail("x", f"a list of 1 to {MAX_UNITS} numbers")
    x = p.vector("x")
    if not x:
        raise p.fail("x", f"a list of 1 to {MAX_UNITS} numbers")
    mask = _mask(p, len(x))
    inverted = p.boolean("inverted", True)
    if inverted and p_drop == 1:
        raise p.error("p_drop", "must be < 1 with inverted dropout: kept units are scaled by "
                                "1/(1 - p_drop) = 1/0 (PyTorch returns all zeros instead); got 1")
    if p_drop == 1 and any(mask):
        raise p.error("mask", "keeps a unit although p_drop = 1 drops every unit")
    if p_drop == 0 and not all(mask):
        raise p.error("mask", "drops a unit although p_drop = 0 keeps every unit")
    keep = 1 - p_drop
    masked = [v * m for v, m in zip(x, mask, strict=True)]
    train = [v / keep for v in masked] if inverted else masked
    test = list(x) if inverted else [keep * v for v in x]
    parts = (
        Part("train_output", "vector", answer(train), 2, "The layer's output in training, with this mask"),
        Part("test_output", "vector", answer(test), 1, "The layer's output at test time (evaluation mode)"),
    )
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(p_drop, x, mask, inverted), parts=parts,
        solution=_solution(p_drop, x, mask, inverted, masked, train, test),
    )


def _mask(p: Params, n: int) -> list[int]:
    value = p.get("mask")
    ok = isinstance(value, list) and len(value) == n and all(
        (isinstance(v, int) and v in (0, 1)) for v in value)  # True/False count as 1/0
    if not ok:
        raise p.fail("mask", f"a list of {n} entries, each 1 (kept) or 0 (dropped), one per entry of x")
    return [int(v) for v in value]


def _prompt(p_drop: Fraction, x: list[Fraction], mask: list[int], inverted: bool) -> str:
    scheme = (r"*inverted* dropout, as PyTorch's `nn.Dropout` implements it: during training the kept "
              r"units are scaled by $1/(1 - p)$, and at test time the layer passes its input through "
              r"unchanged"
              if inverted else
              r"*classic* (non-inverted) dropout: during training the kept units pass through unscaled, "
              r"and at test time every unit is multiplied by the keep probability $1 - p$")
    return "\n".join([
        rf"A dropout layer with drop probability $p = {tex.num(p_drop)}$ (the probability that a unit is "
        rf"set to zero) receives the input $x = {tex.vec(x)}$. It uses {scheme}.",
        "",
        rf"In one training step the sampled mask is $m = {tex.vec(mask)}$ (1 = kept, 0 = dropped).",
        "",
        "Give the layer's output in that training step, and its output for the same input at test time.",
    ])


def _solution(p_drop: Fraction, x: list[Fraction], mask: list[int], inverted: bool,
              masked: list[Fraction], train: list[Fraction], test: list[Fraction]) -> tuple[Step, ...]:
    keep = 1 - p_drop
    pv = tex.num(p_drop)
    dropped = [i for i, m in enumerate(mask) if m == 0]
    where = (f"entries {', '.join(map(str, dropped))} (counting from 0) are dropped" if dropped
             else "no entry is dropped")
    steps = [Step("Keep probability",
                  rf"$p = {pv}$ is the probability of dropping a unit, so each unit is kept with "
                  rf"probability $1 - p = 1 - {pv} = {tex.num(keep)}$. In this step {where}.")]
    mask_line = rf"$x \odot m = {tex.vec(x)} \odot {tex.vec(mask)} = {tex.vec(masked)}$"
    if inverted:
        steps.append(Step(
            "Training output",
            f"Zero the dropped units, {mask_line}, then scale the survivors by "
            rf"$\frac{{1}}{{1 - p}} = \frac{{1}}{{{tex.num(keep)}}} = {tex.num(1 / keep)}$: "
            rf"$y = \frac{{x \odot m}}{{1 - p}} = {tex.vec(train)}$."))
        steps.append(Step(
            "Test output",
            rf"At test time inverted dropout does nothing: $y = x = {tex.vec(test)}$. The scaling "
            r"already happened in training, where $\mathbb{E}[m_i]/(1 - p) = (1 - p)/(1 - p) = 1$ makes "
            r"the expected training output equal to $x$."))
    else:
        steps.append(Step("Training output", "Zero the dropped units and leave the rest unscaled: "
                                             rf"$y = x \odot m$, {mask_line}."))
        steps.append(Step(
            "Test output",
            rf"At test time every unit is present, so multiply by the keep probability to match the "
            rf"expected training output $\mathbb{{E}}[m_i x_i] = (1 - p)\,x_i$: "
            rf"$y = (1 - p)\,x = {tex.num(keep)} \cdot {tex.vec(x)} = {tex.vec(test)}$."))
    steps.append(Step(
        "Convention",
        r"PyTorch's `p` is the *drop* probability; the original dropout paper and some courses write "
        r"$p$ for the *keep* probability, so read the question's definition first. PyTorch uses inverted "
        r"dropout: `model.eval()` turns the layer into the identity, and forgetting `eval()` leaves "
        r"dropout active at test time. The usual slips are scaling at test time as well as in training, "
        r"or dividing by $p$ instead of $1 - p$."))
    return tuple(steps)


# -- seeded variants -------------------------------------------------------------------

_P_INVERTED = ["0.2", "0.5", "0.5", "0.6", "0.75", "0.8"]
_P_CLASSIC = [*_P_INVERTED, "0.1", "0.25", "0.3", "0.4"]
_X_DECIMAL = [-1.5, -0.5, -0.4, 0.2, 0.3, 0.5, 0.6, 1.2, 2.5]


def draw(rng: random.Random) -> dict[str, Any]:
    inverted = rng.random() < 0.7
    p_drop = float(rng.choice(_P_INVERTED if inverted else _P_CLASSIC))
    n = rng.randint(3, 6)
    decimals = rng.random() < 0.35
    x = [rng.choice(_X_DECIMAL) if decimals and rng.random() < 0.5 else rng.randint(-4, 6) for _ in range(n)]
    while True:
        mask = [int(rng.random() >= p_drop) for _ in range(n)]
        if 0 < sum(mask) < n:
            break
    return {"p_drop": p_drop, "x": x, "mask": mask, "inverted": inverted}
