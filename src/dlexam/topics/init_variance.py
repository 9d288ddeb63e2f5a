"""init.variance — the variance, standard deviation and uniform limit of an initialisation rule.

Convention: "lecun" is Var(w) = 1/fan_in, "glorot" is 2/(fan_in + fan_out) (PyTorch's
xavier_normal_/xavier_uniform_ with gain 1), "he" is 2/fan_in (kaiming_normal_/
kaiming_uniform_ with the ReLU gain √2 and mode "fan_in"). For a Linear layer the weight has
shape (fan_out, fan_in). `std` is √Var. `bound` is always the limit a of the uniform
U(−a, a) with that variance, a = √(3·Var) (U(−a, a) has variance a²/3): the number
*_uniform_ uses. For "normal" the weights are drawn from N(0, Var) and the bound is asked as
"the uniform limit with the same variance". `fan_out` is needed only by "glorot" (null
otherwise). Roots stay exact (e.g. sqrt(6)/24) with a decimal beside them.

Hand-computable promise (seeded variants): with a calculator. The variance is rational with
at most 6 decimals or a simple fraction; std and bound cannot both be rational (their ratio
is √3), so seeded questions always allow a calculator. Fans are picked so that often one of
std and bound is a short decimal.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..engine import Exact
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params

ID = "init.variance"
TITLE = "Initialisation variance (LeCun, Glorot, He)"
PARAMS: dict[str, Any] = {"scheme": REQUIRED, "distribution": "normal", "fan_in": REQUIRED,
                          "fan_out": None}
DECIMALS = 6
CALCULATOR = True

MAX_FAN = 10**7
_SCHEMES = ("lecun", "glorot", "he")


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    scheme = p.choice("scheme", _SCHEMES)
    distribution = p.choice("distribution", ("normal", "uniform"), "normal")
    fan_in = p.integer("fan_in", lo=1, hi=MAX_FAN)
    fan_out: int | None = None
    if scheme == "glorot":
        if p.get("fan_out", None) is None:
            raise p.error("fan_out", f"is required by the glorot scheme (a positive integer up to {MAX_FAN})")
        fan_out = p.integer("fan_out", lo=1, hi=MAX_FAN)
    elif p.get("fan_out", None) is not None:  # accepted (a layer has one), but unused
        fan_out = p.integer("fan_out", lo=1, hi=MAX_FAN)
    if scheme == "glorot":
        variance = Fraction(2, fan_in + (fan_out or 0))
    else:
        variance = Fraction(1 if scheme == "lecun" else 2, fan_in)
    std, bound = ex.sqrt(variance), ex.sqrt(3 * variance)
    parts = (
        Part("variance", "number", answer(variance), 1, "The variance $\\mathrm{Var}(w)$ of each weight"),
        Part("std", "number", answer(std), 1, "The standard deviation of each weight"),
        Part("bound", "number", answer(bound), 1,
             "The limit $a$ of $U(-a, a)$" + (" with the same variance" if distribution == "normal" else "")),
    )
    irrational = not (ex.is_rational(std) and ex.is_rational(bound)) or tex.decimal_places(variance) is None
    return Question(topic=ID, title=TITLE, params=p.finish(),
                    prompt=_prompt(scheme, distribution, fan_in, fan_out), parts=parts,
                    solution=_solution(scheme, distribution, fan_in, fan_out, variance, std, bound),
                    calculator=irrational)


_NAMES = {"lecun": "LeCun", "glorot": "Glorot (Xavier)", "he": "He (Kaiming)"}
_RULES = {"lecun": r"\frac{1}{\mathrm{fan_{in}}}",
          "glorot": r"\frac{2}{\mathrm{fan_{in}} + \mathrm{fan_{out}}}",
          "he": r"\frac{2}{\mathrm{fan_{in}}}"}
_TORCH = {
    ("lecun", "normal"): 'kaiming_normal_(w, mode="fan_in", nonlinearity="linear")',
    ("lecun", "uniform"): 'kaiming_uniform_(w, mode="fan_in", nonlinearity="linear")',
    ("glorot", "normal"): "xavier_normal_(w)",
    ("glorot", "uniform"): "xavier_uniform_(w)",
    ("he", "normal"): 'kaiming_normal_(w, mode="fan_in", nonlinearity="relu")',
    ("he", "uniform"): 'kaiming_uniform_(w, mode="fan_in", nonlinearity="relu")',
}


def _prompt(scheme: str, distribution: str, fan_in: int, fan_out: int | None) -> str:
    layer = (f"A fully connected layer has fan-in $\\mathrm{{fan_{{in}}}} = {fan_in}$"
             + (f" and fan-out $\\mathrm{{fan_{{out}}}} = {fan_out}$" if fan_out is not None else "")
             + (f" (weight matrix of shape ${fan_out} \\times {fan_in}$)" if fan_out is not None else "")
             + ".")
    dist = ("from a zero-mean normal distribution $N(0, \\sigma^2)$" if distribution == "normal"
            else "from a uniform distribution $U(-a, a)$")
    bound = ("the limit $a$ of the uniform distribution $U(-a, a)$ that has the same variance"
             if distribution == "normal" else "the limit $a$")
    return "\n".join([
        layer + f" Its weights are initialised {dist} with the **{_NAMES[scheme]}** rule, "
        f"$\\mathrm{{Var}}(w) = {_RULES[scheme]}$ (gain 1"
        + (r", the factor 2 being the ReLU correction" if scheme == "he" else "") + ").",
        "",
        f"Give the variance, the standard deviation, and {bound}.",
    ])


def _solution(scheme: str, distribution: str, fan_in: int, fan_out: int | None, variance: Fraction,
              std: Exact, bound: Exact) -> tuple[Step, ...]:
    v = tex.num(variance)
    subst = {"lecun": f"\\frac{{1}}{{{fan_in}}}", "he": f"\\frac{{2}}{{{fan_in}}}",
             "glorot": f"\\frac{{2}}{{{fan_in} + {fan_out}}}"}[scheme]
    why = {"lecun": "keeps the variance of a pre-activation equal to the variance of the inputs "
                    "(fan_in terms, each contributing Var(w)·Var(x)).",
           "glorot": "is a compromise between keeping the forward variance (1/fan_in) and the "
                     "backward variance (1/fan_out) constant: it uses their harmonic mean.",
           "he": "doubles LeCun's variance because a ReLU zeroes half of its inputs, halving the "
                 "second moment it passes on."}[scheme]
    three = tex.num(3 * variance)
    if distribution == "normal":
        dist = (f"The weights are drawn from $N(0, {v})$. The uniform distribution with the same "
                "variance needs a larger limit than the standard deviation, because $U(-a, a)$ has "
                r"variance $a^2/3$:")
    else:
        dist = r"The weights are drawn from $U(-a, a)$, whose variance is $a^2/3$. Setting it equal:"
    return (
        Step("Variance", rf"$\mathrm{{Var}}(w) = {_RULES[scheme]} = {subst} = {v}$. This rule {why}"),
        Step("Standard deviation", rf"$\sigma = \sqrt{{\mathrm{{Var}}(w)}} = \sqrt{{{v}}} = {tex.num(std)}$"),
        Step("Uniform limit",
             dist + rf" $\frac{{a^2}}{{3}} = {v}$, so $a = \sqrt{{3 \cdot {v}}} = \sqrt{{{three}}} = "
             rf"{tex.num(bound)}$ ($= \sqrt3\,\sigma$). The usual slip is to take $a = \sigma$."),
        Step("Convention",
             "Many lectures call $1/\\mathrm{fan_{in}}$ \"Xavier\" initialisation: that is LeCun's rule. "
             "Glorot and Bengio's (Xavier's) rule is $2/(\\mathrm{fan_{in}} + \\mathrm{fan_{out}})$, and "
             "that is what PyTorch's `xavier_normal_`/`xavier_uniform_` compute (times $\\mathrm{gain}^2$). "
             f"In PyTorch this question's rule is `torch.nn.init.{_TORCH[scheme, distribution]}` on a weight "
             "of shape (fan_out, fan_in). Note that `nn.Linear`'s own default is different again: "
             r"$U(\pm 1/\sqrt{\mathrm{fan_{in}}})$, a variance of $1/(3\,\mathrm{fan_{in}})$."),
    )


# -- seeded variants ------------------------------------------------------------------

_FANS = [2, 3, 4, 6, 8, 10, 12, 16, 18, 20, 24, 25, 27, 32, 40, 48, 50, 64, 75, 80, 96, 100, 120,
         128, 150, 192, 200, 250, 256, 288, 300, 384, 400, 500, 512, 600, 768, 784, 800]
_K = [1, 2, 4, 5, 8, 10, 16, 20]  # 1/k is a short decimal


def _nice(rng: random.Random, scheme: str) -> tuple[int, int]:
    """Fans that make std (square = 1) or bound (square = 3) a short decimal."""
    k, square = rng.choice(_K), rng.choice([1, 3])
    if scheme == "glorot":  # fan_in + fan_out = 2·square·k²
        total = 2 * square * k * k
        if total < 2:
            return 1, 1
        fan_in = rng.randint(1, total - 1)
        return fan_in, total - fan_in
    return (square * k * k if scheme == "lecun" else 2 * square * k * k), rng.choice(_FANS)


def draw(rng: random.Random) -> dict[str, Any]:
    scheme = rng.choice(_SCHEMES)
    while True:
        if rng.random() < 0.5:
            fan_in, fan_out = _nice(rng, scheme)
        else:
            fan_in, fan_out = rng.choice(_FANS), rng.choice(_FANS)
        total = fan_in + (fan_out if scheme == "glorot" else 0)
        variance = Fraction(1 if scheme == "lecun" else 2, total)
        places = tex.decimal_places(variance)
        if places is None or places <= DECIMALS:
            break
    return {"scheme": scheme, "distribution": rng.choice(["normal", "uniform"]), "fan_in": fan_in,
            "fan_out": fan_out if scheme == "glorot" or rng.random() < 0.5 else None}
