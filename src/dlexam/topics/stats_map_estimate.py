"""stats.map_estimate — the MAP estimate of a probability x under a Beta prior and observed data.

Convention: the prior is Beta(a, b), density ∝ x^(a−1)(1−x)^(b−1) on (0, 1) with a, b > 0.
The likelihood of one observation y is "geometric": x(1−x)^(y−1) (y = trials up to and
including the first success, y ≥ 1), "bernoulli": x^y(1−x)^(1−y) (y ∈ {0, 1}) or
"binomial": C(n, y)·x^y(1−x)^(n−y) (0 ≤ y ≤ n). `y` is one observation (an integer) or a
list of i.i.d. observations. The posterior is Beta(α, β) with α = a + successes and
β = b + failures; the MAP estimate is its mode, found by setting the derivative of the log
posterior to 0: x̂ = (α−1)/(α+β−2) when α > 1 and β > 1. When α ≤ 1 (or β ≤ 1) the log
posterior is monotone on (0, 1) and the key is the boundary point 0 (or 1) where the
density is largest (it may be unbounded there). With at least one observation α and β
cannot both be ≤ 1, so the maximiser on [0, 1] is always unique.

Hand-computable promise (seeded variants): a, b are small integers or halves, one to four
small observations, and x̂ is a decimal with at most 2 places (drawn by rejection);
some variants put the mode on the boundary.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._latex import decimal_places
from ._params import REQUIRED, Params, parse_number

ID = "stats.map_estimate"
TITLE = "MAP estimate with a Beta prior"
PARAMS: dict[str, Any] = {"prior": REQUIRED, "likelihood": REQUIRED, "y": REQUIRED, "n": None}
DECIMALS = 2

LIKELIHOODS = ("geometric", "bernoulli", "binomial")
MAX_OBS = 100
MAX_COUNT = 10**6  # for a, b, n and a geometric y: far beyond any exam
_PMF = {
    "geometric": r"x(1-x)^{y-1}",
    "bernoulli": r"x^{y}(1-x)^{1-y}",
    "binomial": r"\binom{n}{y} x^{y}(1-x)^{n-y}",
}


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    a, b = _prior(p)
    kind = p.choice("likelihood", LIKELIHOODS)
    ys = _observations(p, kind)
    n = None
    if kind == "binomial":
        n = p.integer("n", lo=1, hi=MAX_COUNT)
        if any(y > n for y in ys):
            raise p.fail("y", f"successes between 0 and n = {n} for a binomial likelihood")
    elif p.has("n") and p.raw["n"] is not None:
        raise p.error("n", f'applies only to likelihood "binomial", not "{kind}"')
    s, f = _counts(kind, ys, n)
    alpha, beta = a + s, b + f
    if alpha <= 1 and beta <= 1:  # unreachable with an observation; kept as a guard
        raise p.error("y", "leaves no unique maximum (give at least one observation)")
    estimate = mode(alpha, beta)
    part = Part("estimate", "number", answer(estimate), 3,
                r"The MAP estimate $\hat x = \arg\max_x p(x \mid y)$")
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(a, b, kind, ys, n), parts=(part,),
        solution=_solution(a, b, kind, ys, n, s, f, alpha, beta, estimate),
    )


def mode(alpha: Fraction, beta: Fraction) -> Fraction:
    """The maximiser on [0, 1] of x^(α−1)(1−x)^(β−1) (α or β > 1)."""
    if alpha <= 1:
        return Fraction(0)
    if beta <= 1:
        return Fraction(1)
    return (alpha - 1) / (alpha + beta - 2)


def _prior(p: Params) -> tuple[Fraction, Fraction]:
    value = p.get("prior")
    allowed = 'an object {"a": ..., "b": ...} with numbers 0 < a, b <= 10^6'
    if not isinstance(value, Mapping) or set(value) != {"a", "b"}:
        raise p.fail("prior", allowed)
    try:
        a, b = parse_number(value["a"]), parse_number(value["b"])
    except ValueError:
        raise p.fail("prior", allowed) from None
    if not (0 < a <= MAX_COUNT and 0 < b <= MAX_COUNT):
        raise p.fail("prior", allowed)
    return a, b


def _observations(p: Params, kind: str) -> list[int]:
    value = p.get("y")
    values = value if isinstance(value, list) else [value]
    lo, hi = {"geometric": (1, MAX_COUNT), "bernoulli": (0, 1), "binomial": (0, MAX_COUNT)}[kind]
    ok = 1 <= len(values) <= MAX_OBS and all(
        isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi for v in values)
    if not ok:
        what = {"geometric": "trial counts >= 1", "bernoulli": "0 or 1",
                "binomial": "success counts >= 0"}[kind]
        raise p.fail("y", f"one observation or a list of 1 to {MAX_OBS} of them, each {what}")
    return [int(v) for v in values]


def _counts(kind: str, ys: list[int], n: int | None) -> tuple[int, int]:
    """Successes and failures the data add to the exponents of x and 1 − x."""
    if kind == "geometric":
        return len(ys), sum(ys) - len(ys)
    trials = len(ys) * (1 if kind == "bernoulli" else int(n or 0))
    return sum(ys), trials - sum(ys)


# -- text -----------------------------------------------------------------------------

def _data(ys: list[int]) -> str:
    return f"y = {ys[0]}" if len(ys) == 1 else f"y = ({', '.join(map(str, ys))})"


def _prompt(a: Fraction, b: Fraction, kind: str, ys: list[int], n: int | None) -> str:
    what = {
        "geometric": "the number of trials up to and including the first success",
        "bernoulli": "1 for a success and 0 for a failure",
        "binomial": f"the number of successes in $n = {n}$ trials",
    }[kind]
    obs = ("one observation" if len(ys) == 1 else f"{len(ys)} independent observations") + f", ${_data(ys)}$,"
    each = "" if len(ys) == 1 else "each "
    return "\n".join([
        rf"An unknown probability $x \in (0, 1)$ has the prior density "
        rf"$p(x) \propto x^{{a-1}}(1-x)^{{b-1}}$, a Beta$(a, b)$ prior with $a = {tex.num(a)}$ and "
        rf"$b = {tex.num(b)}$.",
        "",
        rf"We make {obs} {each}with the {kind.capitalize()} likelihood "
        rf"$p(y \mid x) = {_PMF[kind]}$ ($y$ is {what}).",
        "",
        r"Find the maximum a posteriori (MAP) estimate $\hat x = \arg\max_x p(x \mid y)$. If the "
        r"posterior has no maximum inside $(0, 1)$, give the end point, 0 or 1, where it is largest.",
    ])


def _likelihood_text(kind: str, ys: list[int], n: int | None, s: int, f: int) -> str:
    k = len(ys)
    if kind == "geometric":
        each = r"Each observation contributes one success and $y_i - 1$ failures"
        fail_sum = " + ".join(f"({y} - 1)" for y in ys[:8]) + (r" + \dots" if k > 8 else "")
        counts = rf"$s = k = {s}$ and $f = \sum_i (y_i - 1) = {fail_sum} = {f}$"
    elif kind == "bernoulli":
        each = r"Each observation contributes $y_i$ successes and $1 - y_i$ failures"
        counts = rf"$s = \sum_i y_i = {s}$ and $f = k - s = {k} - {s} = {f}$"
    else:
        each = rf"Each observation contributes $y_i$ successes and $n - y_i = {n} - y_i$ failures"
        counts = rf"$s = \sum_i y_i = {s}$ and $f = k n - s = {k} \cdot {n} - {s} = {f}$"
        each += r" (the factor $\binom{n}{y_i}$ does not depend on $x$ and drops out)"
    return (rf"{each}, so the likelihood of all $k = {k}$ observations is "
            rf"$\prod_i p(y_i \mid x) \propto x^{{s}}(1-x)^{{f}}$ with {counts}: "
            rf"$p(y \mid x) \propto x^{{{s}}}(1-x)^{{{f}}}$.")


def _solution(a: Fraction, b: Fraction, kind: str, ys: list[int], n: int | None, s: int, f: int,
              alpha: Fraction, beta: Fraction, estimate: Fraction) -> tuple[Step, ...]:
    A, B = tex.num(alpha - 1), tex.num(beta - 1)
    bp = tex.num(beta - 1, paren=True)
    steps = [
        Step("Likelihood of the data", _likelihood_text(kind, ys, n, s, f)),
        Step("Posterior",
             r"Bayes' rule: $p(x \mid y) \propto p(y \mid x)\, p(x) \propto x^{s}(1-x)^{f} \cdot "
             r"x^{a-1}(1-x)^{b-1} = x^{\alpha-1}(1-x)^{\beta-1}$, a Beta$(\alpha, \beta)$ density with "
             rf"$\alpha = a + s = {tex.num(a)} + {s} = {tex.num(alpha)}$ and "
             rf"$\beta = b + f = {tex.num(b)} + {f} = {tex.num(beta)}$."),
        Step("Derivative of the log posterior",
             r"$\ell(x) = \log p(x \mid y) = (\alpha - 1)\log x + (\beta - 1)\log(1 - x) + \text{const}$, so "
             rf"$\ell'(x) = \frac{{\alpha - 1}}{{x}} - \frac{{\beta - 1}}{{1 - x}} = "
             rf"\frac{{{A}}}{{x}} - \frac{{{B}}}{{1 - x}}$."),
    ]
    e = tex.num(estimate)
    if alpha > 1 and beta > 1:
        steps.append(Step(
            "Setting the derivative to zero",
            rf"$\ell'(x) = 0 \iff (\alpha - 1)(1 - x) = (\beta - 1)\,x \iff "
            rf"\hat x = \frac{{\alpha - 1}}{{\alpha + \beta - 2}} = \frac{{{A}}}{{{A} + {bp}}} = {e}$. "
            r"It is a maximum: $\ell''(x) = -\frac{\alpha - 1}{x^2} - \frac{\beta - 1}{(1 - x)^2} < 0$ "
            r"on all of $(0, 1)$ because $\alpha > 1$ and $\beta > 1$."))
    else:
        low = alpha <= 1
        big, small = (r"\beta", r"\alpha") if low else (r"\alpha", r"\beta")
        sign, end, where = ("< 0", "0", "decreases") if low else ("> 0", "1", "increases")
        unbounded = (alpha < 1) if low else (beta < 1)
        grows = (rf" (with ${small} < 1$ the density even grows without bound as $x \to {end}$)"
                 if unbounded else "")
        steps.append(Step(
            "The maximum is on the boundary",
            rf"Here ${small} = {tex.num(alpha if low else beta)} \le 1$ while ${big} > 1$, so "
            rf"$\ell'(x) {sign}$ everywhere on $(0, 1)$: the derivative has no zero inside, the posterior "
            rf"{where} all the way to $x = {end}${grows}. The MAP estimate is the boundary point "
            rf"$\hat x = {e}$. (The interior formula $(\alpha-1)/(\alpha+\beta-2)$ holds only when both "
            r"$\alpha > 1$ and $\beta > 1$.)"))
    mean = alpha / (alpha + beta)
    mle = rf" or with the maximum-likelihood estimate $s/(s+f) = {tex.num(Fraction(s, s + f))}$" \
        if s + f else ""
    steps.append(Step(
        "Convention",
        r"The MAP estimate is the posterior *mode*; do not confuse it with the posterior mean "
        rf"$\alpha/(\alpha + \beta) = {tex.num(mean)}${mle}. A Beta$(a, b)$ prior acts like $a - 1$ extra "
        r"successes and $b - 1$ extra failures, not $a$ and $b$; the usual slip is to add $a$ and $b$ "
        r"(which gives the posterior mean's numerator)." + _GEOMETRIC * (kind == "geometric")))
    return tuple(steps)


_GEOMETRIC = (r" For the geometric likelihood $y$ counts the success too, so an observation adds "
              r"$y - 1$ failures, not $y$.")


# -- seeded variants -------------------------------------------------------------------

_AB = [Fraction(v) for v in (1, 1, 2, 2, 3, 4, 5)] + [Fraction(1, 2), Fraction(3, 2)]


def _as_json(x: Fraction) -> Any:
    return int(x) if x.denominator == 1 else float(x)


def draw(rng: random.Random) -> dict[str, Any]:
    """Draw until the mode is a short decimal (about one try in three succeeds)."""
    while True:
        kind = rng.choice(LIKELIHOODS)
        a, b = rng.choice(_AB), rng.choice(_AB)
        k = rng.choice([1, 1, 2, 3, 4])
        n = None
        if kind == "geometric":
            ys = [rng.choice([1, 1, 2, 3, 4, 5]) for _ in range(k)]
        elif kind == "bernoulli":
            ys = [int(rng.random() < 0.5) for _ in range(rng.choice([1, 2, 3, 4, 5, 6]))]
        else:
            n = rng.choice([2, 3, 4, 5, 10])
            ys = [rng.randint(0, n) for _ in range(k)]
        s, f = _counts(kind, ys, n)
        places = decimal_places(mode(a + s, b + f))
        if places is not None and places <= DECIMALS:
            params: dict[str, Any] = {"prior": {"a": _as_json(a), "b": _as_json(b)}, "likelihood": kind,
                                      "y": ys[0] if len(ys) == 1 and rng.random() < 0.5 else ys}
            if n is not None:
                params["n"] = n
            return params
