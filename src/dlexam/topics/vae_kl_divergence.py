"""vae.kl_divergence — the KL term of a VAE: KL(N(μ, σ²) ‖ N(0, 1)) summed over the latent dimensions.

Convention: the encoder gives a diagonal Gaussian with means `mu` and *variances* `sigma2`
(σ², not σ); the prior is the standard normal. Per dimension KL = ½(σ² + μ² − 1 − log σ²)
with the natural log, and the dimensions are *summed* (independent coordinates), not
averaged: kl = ½ Σ (σ² + μ² − 1 − log σ²), as torch.distributions.kl_divergence(
Normal(μ, σ), Normal(0, 1)).sum() gives. `mu` and `sigma2` are numbers or equal-length lists;
a number beside a list applies to every dimension.

The key is exact: a rational part minus ½·log Πσ², so it is irrational (with a decimal
beside, and a calculator allowed) unless the variances multiply to 1 — all σ² = 1 or pairs
such as 2 and 1/2.

Hand-computable promise (seeded variants): 1 to 3 dimensions, means small integers or halves,
variances in {1/4, 1/2, 1, 2, 4}; about half the variants have every σ² = 1 or variances
multiplying to 1, so the key is rational with at most 3 decimals; the rest need a calculator.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

from ..engine import Exact
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, parse_number

ID = "vae.kl_divergence"
TITLE = "KL divergence of a VAE's latent Gaussian from the prior"
PARAMS: dict[str, Any] = {"mu": REQUIRED, "sigma2": REQUIRED}
DECIMALS = 3
CALCULATOR = True

MAX_DIMS = 16
LIMIT = 10**6  # |μ| and σ² at most this: the key is worked by hand


def _read(p: Params, name: str, what: str, positive: bool) -> tuple[list[Fraction], bool]:
    """A number or a list of 1..MAX_DIMS numbers; True when a list."""
    value = p.get(name)
    lo = "> 0" if positive else f">= -{LIMIT}"
    allowed = f"{what} ({lo} and <= {LIMIT}) or a list of 1 to {MAX_DIMS} of them"
    try:
        listed = isinstance(value, list)
        if listed and not 1 <= len(value) <= MAX_DIMS:
            raise ValueError
        xs = [parse_number(v) for v in (value if listed else [value])]
    except ValueError:
        raise p.fail(name, allowed) from None
    if any(x > LIMIT or (x <= 0 if positive else x < -LIMIT) for x in xs):
        raise p.fail(name, allowed)
    return xs, listed


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    mu, mu_listed = _read(p, "mu", "a mean", positive=False)
    s2, s2_listed = _read(p, "sigma2", "a variance", positive=True)
    if mu_listed and s2_listed and len(mu) != len(s2):
        raise p.error("sigma2", f"must have one variance per mean: {len(mu)} numbers like mu, or one "
                      f"number for every dimension, got {len(s2)}")
    dims = max(len(mu), len(s2))
    mu, s2 = mu * (dims // len(mu)), s2 * (dims // len(s2))
    rational = sum((v + m * m - 1 for m, v in zip(mu, s2, strict=True)), Fraction(0)) / 2
    product = math.prod(s2, start=Fraction(1))
    kl = ex.add(rational, ex.mul(Fraction(-1, 2), ex.log(product)))
    key = answer(kl)
    listed = mu_listed or s2_listed
    part = Part("kl", "number", key, 3,
                "$D_{\\mathrm{KL}}\\big(q \\,\\|\\, \\mathcal N(0, I)\\big)$"
                + (", summed over the latent dimensions" if listed else ""))
    return Question(
        topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(mu, s2, listed), parts=(part,),
        solution=_solution(mu, s2, listed, rational, product, kl, key),
        calculator=not isinstance(kl, Fraction),
    )


# -- text -----------------------------------------------------------------------------

def _prompt(mu: list[Fraction], s2: list[Fraction], listed: bool) -> str:
    if listed:
        given = (f"a {len(mu)}-dimensional latent code with means $\\mu = {tex.vec(mu)}$ and variances "
                 f"$\\sigma^2 = {tex.vec(s2)}$ (one per dimension, independent)")
        ask = "Compute the KL divergence of $q$ from the prior, summed over the latent dimensions."
    else:
        given = (f"a one-dimensional latent code with mean $\\mu = {tex.num(mu[0])}$ and variance "
                 f"$\\sigma^2 = {tex.num(s2[0])}$")
        ask = "Compute the KL divergence of $q$ from the prior."
    rational = all(v == 1 for v in s2) or math.prod(s2) == 1
    exact = ("Give the exact value." if rational else
             "Give the exact value and a decimal to 4 places (a calculator is allowed).")
    return "\n".join([
        f"The encoder of a variational autoencoder maps an input to a Gaussian $q(z \\mid x)$: {given}. "
        "The prior is the standard normal $p(z) = \\mathcal N(0, I)$.",
        "",
        f"{ask} Use",
        "",
        r"$$D_{\mathrm{KL}}\big(\mathcal N(\mu, \sigma^2) \,\|\, \mathcal N(0, 1)\big) = "
        r"\tfrac12\left(\sigma^2 + \mu^2 - 1 - \log \sigma^2\right)$$",
        "",
        f"per dimension, with the natural log. Note that $\\sigma^2$ is given, not $\\sigma$. {exact}",
    ])


def _log(x: Fraction) -> str:
    return "0" if x == 1 else f"\\log {tex.num(x)}"


def _solution(mu: list[Fraction], s2: list[Fraction], listed: bool, rational: Fraction,
              product: Fraction, kl: Exact, key: Any) -> tuple[Step, ...]:
    n = tex.num
    rows = []
    for k, (m, v) in enumerate(zip(mu, s2, strict=True)):
        sub = f"_{{{k + 1}}}" if listed else ""
        quad = v + m * m - 1
        term = f"{n(quad)} - {_log(v)}" if v != 1 else n(quad)
        square = n(m) if m >= 0 and m.denominator == 1 else f"({n(m)})"
        log_v = math.log(v.numerator) - math.log(v.denominator)  # a display decimal only
        approx = "" if v == 1 else rf" \approx {float(quad) - log_v:.4f}"
        rows.append(f"$\\sigma^2{sub} + \\mu^2{sub} - 1 - \\log \\sigma^2{sub} = {n(v)} + "
                    f"{square}^2 - 1 - {_log(v)} = {term}{approx}$")
    value = f"{key['value']:.4f}" if isinstance(key, dict) else None
    if isinstance(kl, Fraction):
        result = n(kl)
        why = (" Every $\\sigma^2 = 1$, so no log is left and the key is rational."
               if all(v == 1 for v in s2) else
               f" The variances multiply to $\\prod \\sigma^2 = {n(product)}$, so their logs cancel "
               "and the key is rational.")
    else:
        result = f"{n(rational)} - \\tfrac12 \\log {n(product)} \\approx {value}"
        why = (f" The logs add up to $\\log \\prod \\sigma^2 = \\log {n(product)}$."
               if listed and len(s2) > 1 else "")
    total = "\\tfrac12 \\sum_k" if listed else "\\tfrac12"
    steps = [
        Step("Per dimension",
             "Each latent dimension contributes "
             "$\\tfrac12(\\sigma^2 + \\mu^2 - 1 - \\log \\sigma^2) \\ge 0$, which is 0 only for "
             "$\\mu = 0$, $\\sigma^2 = 1$ (where $q$ *is* the prior):  \n"
             + "  \n".join(rows)),
        Step("Sum" if listed else "Halve",
             f"$D_{{\\mathrm{{KL}}}} = {total}(\\sigma^2 + \\mu^2 - 1 - \\log \\sigma^2) = {result}$."
             + why + (" The dimensions are independent, so their divergences add." if listed else "")),
        Step("Convention", _CONVENTION),
    ]
    return tuple(steps)


_CONVENTION = (
    r"The usual slips: treating the given variance as a standard deviation ($\log \sigma^2 = "
    r"2\log\sigma$, and the first term is $\sigma^2$, not $\sigma$); averaging over the latent "
    r"dimensions instead of summing; and a sign error that makes the divergence negative — it "
    r"never is. VAE code usually gets the log-variance $\ell = \log \sigma^2$ from the encoder and "
    r"writes the same sum as $-\tfrac12 \sum (1 + \ell - \mu^2 - e^{\ell})$. The direction matters: "
    r"this is $D_{\mathrm{KL}}(q \,\|\, p)$, encoder from prior, the term of the ELBO."
)


# -- seeded variants ------------------------------------------------------------------

_MU: list[Any] = [0, 0.5, -0.5, 1, -1, 1.5, -1.5, 2, -2]
_S2: list[Any] = [0.25, 0.5, 2, 4, 1]
_PAIRS: list[tuple[Any, Any]] = [(2, 0.5), (4, 0.25), (0.5, 2), (0.25, 4)]


def draw(rng: random.Random) -> dict[str, Any]:
    dims = rng.choice([1, 1, 2, 2, 3])
    mu: list[Any] = [rng.choice(_MU) for _ in range(dims)]
    kind = rng.random()
    if kind < 0.4:  # the prior's variance: a rational key
        s2: list[Any] = [1] * dims
    elif kind < 0.55 and dims > 1:  # variances whose logs cancel
        s2 = list(rng.choice(_PAIRS)) + [1] * (dims - 2)
        rng.shuffle(s2)
    else:
        s2 = [rng.choice(_S2) for _ in range(dims)]
    if dims == 1 and rng.random() < 0.7:
        return {"mu": mu[0], "sigma2": s2[0]}
    if len(set(s2)) == 1 and rng.random() < 0.3:  # one variance for every dimension
        return {"mu": mu, "sigma2": s2[0]}
    return {"mu": mu, "sigma2": s2}
