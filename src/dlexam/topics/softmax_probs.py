"""softmax.probs — the probabilities a softmax with temperature gives a vector of logits.

Convention: p_k = e^{z_k/T} / Σ_j e^{z_j/T}, as torch.softmax(z / T, dim=-1): the
temperature T divides the logits (T > 1 flattens, T < 1 sharpens). Classes are numbered
from 0. Keys are exact: e^{a} with rational a, e.g. exp(2)/(exp(2) + exp(1) + 1), with the
decimal beside; they are rational (1/K) only when every logit is the same.

Hand-computable promise (seeded variants): 2–5 logits, small integers or halves in
[−2, 3], T ∈ {1, 2, 1/2, 4}; a calculator is allowed (powers of e). The rare rational keys
(all logits equal, K ∈ {2, 4, 5}) have at most 2 decimals.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from . import _softmax as sm
from ._params import REQUIRED, Params

ID = "softmax.probs"
TITLE = "Softmax probabilities with a temperature"
PARAMS: dict[str, Any] = {"logits": REQUIRED, "temperature": 1}
DECIMALS = 2
CALCULATOR = True

MAX_TEMPERATURE = 1000


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    z = sm.read_logits(p)
    t = p.number("temperature", 1, lo=0, lo_open=True, hi=MAX_TEMPERATURE)
    u = [v / t for v in z]
    if any(abs(v) > sm.MAX_LOGIT for v in u):
        raise p.error("temperature", f"is too small for these logits: every |z/T| must stay <= "
                      f"{sm.MAX_LOGIT}, got T = {sm.frac_text(t)} with a logit of "
                      f"{sm.frac_text(max(z, key=abs))}")
    probs = sm.softmax(u)
    parts = (Part("probs", "vector", sm.key(probs), 2,
                  r"The probabilities $p_k = \mathrm{softmax}(z/T)_k$ of every class, in class order"),)
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(z, t),
                    parts=parts, solution=_solution(z, t, u, probs),
                    calculator=not sm.hand_friendly(probs))


# -- text -----------------------------------------------------------------------------

def _prompt(z: list[Fraction], t: Fraction) -> str:
    return "\n".join([
        f"A classifier outputs the logits $z = {sm.vector_tex(z)}$ for $K = {len(z)}$ classes "
        "(numbered from 0). Turn them into probabilities with a softmax at temperature "
        f"$T = {tex.num(t)}$:",
        "",
        r"$$p_k = \frac{e^{z_k/T}}{\sum_j e^{z_j/T}}.$$",
        "",
        "Give every $p_k$, exactly (in powers of $e$) or to 4 significant figures.",
    ])


def _solution(z: list[Fraction], t: Fraction, u: list[Fraction], probs: list[sm.Val]) -> tuple[Step, ...]:
    if t == 1:
        scale = "With $T = 1$ the logits go into the softmax as they are: $u = z$."
    else:
        pieces = ", ".join(rf"\tfrac{{{tex.num(v, approx=False)}}}{{{tex.num(t)}}}" for v in z)
        scale = (f"Divide every logit by $T = {tex.num(t)}$: $u = z/T = \\left({pieces}\\right) = "
                 f"{sm.vector_tex(u)}$.")
    return (
        Step("Scale by the temperature", scale),
        Step("Softmax", sm.softmax_text(u, probs, "u")),
        Step("Check", _check(z, t, u, probs)),
        Step("Convention", _convention(u)),
    )


def _top(probs: list[sm.Val]) -> float:
    return max(float(p) if isinstance(p, Fraction) else p.value for p in probs)


def _check(z: list[Fraction], t: Fraction, u: list[Fraction], probs: list[sm.Val]) -> str:
    text = (r"The probabilities are positive and add up to 1, and a larger logit always gets a "
            r"larger probability: the softmax keeps the order of the logits.")
    if all(v == z[0] for v in z):
        return ("Equal logits give the uniform distribution $1/K$ at every temperature: the "
                "probabilities add up to 1 and no class is preferred.")
    if t == 1:
        return text + (" A temperature $T > 1$ would flatten them towards the uniform $1/K$; "
                       "$T < 1$ would sharpen them towards the arg max.")
    plain = _top(sm.softmax(z))
    how = "flattens" if t > 1 else "sharpens"
    return text + (f" The temperature {how} the distribution: at $T = 1$ the most likely class "
                   f"would get $\\approx {plain:.4g}$, at $T = {tex.num(t)}$ it gets "
                   f"$\\approx {_top(probs):.4g}$.")


def _convention(u: list[Fraction]) -> str:
    m = max(u)
    shifted = sm.vector_tex([v - m for v in u])
    return ("The temperature *divides* the logits, $\\mathrm{softmax}(z/T)$; multiplying by $T$ "
            "would turn flattening into sharpening. Exponentiate before normalising: "
            "$z_k / \\sum_j z_j$ is not a softmax (it breaks for negative logits). Adding one "
            "constant to every logit changes nothing, so libraries subtract the largest one to "
            f"avoid overflow: $u - \\max u = {shifted}$ gives the same probabilities.")


# -- seeded variants ------------------------------------------------------------------

_LOGITS: list[Any] = [-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3]
_TEMPERATURES: list[Any] = [1, 1, 1, 1, 2, 2, 0.5, 4]


def draw(rng: random.Random) -> dict[str, Any]:
    t = rng.choice(_TEMPERATURES)
    if rng.random() < 1 / 12:  # all equal: the uniform distribution, a rational key
        k = rng.choice([2, 4, 5])
        return {"logits": [rng.choice(_LOGITS)] * k, "temperature": t}
    k = rng.choice([2, 3, 3, 4, 4, 5])
    while True:
        z = [rng.choice(_LOGITS) for _ in range(k)]
        if len(set(z)) > 1:
            return {"logits": z, "temperature": t}
