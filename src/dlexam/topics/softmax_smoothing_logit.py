"""softmax.smoothing_logit — where label smoothing stops a logit: the loss-minimising free logit.

Convention: cross-entropy on raw logits with a label-smoothed target q; every logit but
one is fixed (`fixed_logits`), and the remaining class's logit z_f is free. The smoothing
rule is a param: "torch" (PyTorch's label_smoothing) q = (1 − α)·onehot(y) + α/K; "exam"
(many courses) q_y = 1 − α and the other K − 1 classes share α. Since
∂L/∂z_f = p_f − q_f and L is convex in z_f, the minimum has p_f = q_f, so
z_f = log(q_f/(1 − q_f)) + log Σ_{k≠f} e^{z_k}. K = 2, α = 0.1, other logit 0: log 19
under torch's rule, log 9 under the course rule. Classes are numbered from 0.
`fixed_logits` is an object {"class": logit} naming all classes but one, or one number:
every class but the true one has that logit (the true class's logit is free).
`true_class` defaults to the free class (to class 0 when `fixed_logits` is a number), so
{"n_classes": 2, "alpha": 0.1, "fixed_logits": {"0": 0}} asks for log 19.

Hand-computable promise (seeded variants): K ∈ {2, 3, 4, 5, 10}, α ∈ {0.1, 0.2, 0.3, 0.4},
fixed logits small integers; the logit is log of a rational (plus an integer) or, with
unequal fixed logits, log of a short sum of powers of e: a calculator is allowed. p_true
is rational with at most 3 decimals, or a short expression in e.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from . import _softmax as sm
from ._params import REQUIRED, Params, parse_number

ID = "softmax.smoothing_logit"
TITLE = "The logit label smoothing converges to"
PARAMS: dict[str, Any] = {"n_classes": REQUIRED, "alpha": REQUIRED, "smoothing_convention": "torch",
                          "true_class": None, "fixed_logits": 0}
DECIMALS = 3
CALCULATOR = True

MAX_CLASSES = 1000


@dataclass
class _Setup:
    k: int
    alpha: Fraction
    convention: str
    y: int
    fixed: dict[int, Fraction]  # class -> logit, in class order; one class missing
    free: int


@dataclass
class _Solution:
    q: list[Fraction]
    rest: sm.ExpSum  # Σ_{k≠f} e^{z_k}
    rho: Fraction  # q_f / (1 − q_f)
    logit: sm.Val
    p_true: sm.Val


def _solve(s: _Setup, convention: str | None = None) -> _Solution | None:
    """The minimum over the free logit, or None when the loss has none (q_f is 0 or 1)."""
    q = sm.targets(s.k, s.y, s.alpha, convention or s.convention)
    qf = q[s.free]
    if qf in (0, 1):
        return None
    rest = sm.ExpSum(list(s.fixed.values()))
    rho = qf / (1 - qf)
    return _Solution(q, rest, rho, _logit(rho, rest), _p_true(s, q, rest))


def _logit(rho: Fraction, rest: sm.ExpSum) -> sm.Val:
    """z_f = log(ρ·Σ_{k≠f} e^{z_k}): log(ρ·n) + c when the fixed logits all equal c, else
    log(Σ e^{z_k}) ± log(ρ^{±1}), each log's argument at least 1 where it can be."""
    single = rest.single
    if single is not None:
        n, c = single
        arg = rho * n
        if arg == 1:
            return c
        terms = [_log_term(arg)] + ([(c > 0, sm.frac_text(abs(c)), tex.num(abs(c)))] if c else [])
        return _joined(terms, _log(arg) + float(c))
    terms = [(True, f"log({rest.text})", rf"\log\left({rest.tex}\right)")]
    if rho != 1:
        terms.append(_log_term(rho))
    return _joined(terms, _log(rho) + rest.log_value)


def _log_term(x: Fraction) -> tuple[bool, str, str]:
    """(sign, text, tex) of log(x), as −log(1/x) when x < 1."""
    y = x if x > 1 else 1 / x
    inner = f" {y}" if y.denominator == 1 else rf"\left({tex.num(y)}\right)"
    return x > 1, f"log({sm.frac_text(y)})", rf"\log{inner}"


def _joined(terms: list[tuple[bool, str, str]], value: float) -> sm.Sym:
    text = tex_ = ""
    terms = sorted(terms, key=lambda term: not term[0])  # lead with a positive term
    for i, (plus, t, x) in enumerate(terms):
        sign = ("" if plus else "-") if i == 0 else (" + " if plus else " - ")
        text, tex_ = text + sign + t, tex_ + sign + x
    return sm.Sym(text, tex_, value)


def _log(x: Fraction) -> float:
    return math.log(x.numerator) - math.log(x.denominator)


def _p_true(s: _Setup, q: list[Fraction], rest: sm.ExpSum) -> sm.Val:
    """p_y at the minimum: q_y if the free class is the true one, else (1 − q_f)·e^{z_y}/R."""
    if s.free == s.y:
        return q[s.y]
    coef = 1 - q[s.free]
    single = rest.single
    if single is not None:  # every fixed logit equal: e^{z_y}/R = 1/n
        return coef / single[0]
    zy = s.fixed[s.y]
    top = "*".join(t for t in (sm.frac_text(Fraction(coef.numerator)), sm.exp_text(zy)) if t != "1")
    bottom = f"({coef.denominator}*({rest.text}))" if coef.denominator != 1 else f"({rest.text})"
    top_tex = " ".join(t for t in (tex.num(coef), sm.exp_tex(zy)) if t != "1")
    return sm.Sym(f"{top or 1}/{bottom}", rf"\frac{{{top_tex or 1}}}{{{rest.tex}}}",
                  float(coef) * rest.ratio(zy))


# -- params ---------------------------------------------------------------------------

def _read(p: Params) -> _Setup:
    k = p.integer("n_classes", lo=2, hi=MAX_CLASSES)
    alpha = p.number("alpha", lo=0, hi=1)
    convention = p.choice("smoothing_convention", sm.CONVENTIONS, "torch")
    given = None if p.get("true_class", None) is None else p.integer("true_class", lo=0, hi=k - 1)
    raw = p.get("fixed_logits", 0)
    y = 0 if given is None else given
    allowed = (f"an object mapping {k - 1} of the class indices 0..{k - 1} (as strings, e.g. "
               f"{{\"0\": 0}}) to logits between -{sm.MAX_LOGIT} and {sm.MAX_LOGIT}, or one such "
               "number for every class but the true one")
    fixed: dict[int, Fraction] = {}
    try:
        if isinstance(raw, dict):
            for name, value in raw.items():
                index = name if isinstance(name, int) and not isinstance(name, bool) else \
                    int(name) if isinstance(name, str) and name.isascii() and name.isdigit() else -1
                if not 0 <= index < k or index in fixed:
                    raise ValueError
                fixed[index] = parse_number(value)
            if len(fixed) != k - 1:
                raise ValueError
        else:
            c = parse_number(raw)
            fixed = {j: c for j in range(k) if j != y}
    except ValueError:
        raise p.fail("fixed_logits", allowed) from None
    for j, v in fixed.items():
        if abs(v) > sm.MAX_LOGIT:
            raise p.error("fixed_logits", f"gives class {j} the logit {sm.frac_text(v)}; logits must be "
                          f"between -{sm.MAX_LOGIT} and {sm.MAX_LOGIT}")
    free = next(j for j in range(k) if j not in fixed)
    if given is None:  # the usual question: the true class's logit is the free one
        y = free
    return _Setup(k, alpha, convention, y, dict(sorted(fixed.items())), free)


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    s = _read(p)
    sol = _solve(s)
    if sol is None:
        qf = sm.targets(s.k, s.y, s.alpha, s.convention)[s.free]
        where = "+infinity" if qf == 1 else "-infinity"
        raise p.error("alpha", f"gives the free class {s.free} the target {sm.frac_text(qf)}, so the "
                      f"loss keeps falling as its logit goes to {where} and has no minimum; the free "
                      f"class's target must be strictly between 0 and 1, got alpha = "
                      f"{sm.frac_text(s.alpha)}")
    parts = (
        Part("p_true", "number", sm.key(sol.p_true), 1,
             f"The probability $p_{{{s.y}}}$ of the true class at the loss minimum"),
        Part("logit", "number", sm.key(sol.logit), 2,
             f"The value of the free logit $z_{{{s.free}}}$ that minimises the loss"),
    )
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(s), parts=parts,
                    solution=_solution(s, sol),
                    calculator=not sm.hand_friendly([sol.p_true, sol.logit]))


# -- text -----------------------------------------------------------------------------

def _fixed_text(s: _Setup) -> str:
    values = set(s.fixed.values())
    if len(values) == 1:
        c = tex.num(next(iter(values)))
        who = "every other class" if s.k > 2 else "the other class"
        return f"{who} has the fixed logit ${c}$"
    return "the other logits are fixed: " + ", ".join(
        f"$z_{{{j}}} = {tex.num(v)}$" for j, v in s.fixed.items())


def _prompt(s: _Setup) -> str:
    name = "PyTorch's `label_smoothing` rule" if s.convention == "torch" else "the course rule"
    whose = "the true class's" if s.free == s.y else f"class {s.free}'s"
    return "\n".join([
        f"A classifier over $K = {s.k}$ classes (numbered from 0) is trained with the cross-entropy "
        f"loss on raw logits, $L = -\\sum_k q_k \\log \\mathrm{{softmax}}(z)_k$, for an example of "
        f"true class $y = {s.y}$. The target uses label smoothing with $\\alpha = {tex.num(s.alpha)}$ "
        f"under {name}: {sm.convention_tex(s.convention)}.",
        "",
        f"Only {whose} logit $z_{{{s.free}}}$ is trained; {_fixed_text(s)}. Training drives "
        f"$z_{{{s.free}}}$ to the value that minimises $L$.",
        "",
        f"Find that value of $z_{{{s.free}}}$ (exactly, e.g. $\\log 9$, or to 4 significant "
        f"figures) and the probability $p_{{{s.y}}}$ of the true class there.",
    ])


def _solution(s: _Setup, sol: _Solution) -> tuple[Step, ...]:
    f, y, qf = s.free, s.y, sol.q[s.free]
    a = tex.num(s.alpha)
    if s.convention == "torch":
        rule = (f"$q_k = \\alpha/K = {a}/{s.k} = {tex.num(s.alpha / s.k)}$ for $k \\ne y$ and "
                f"$q_{{{y}}} = 1 - \\alpha + \\alpha/K = {tex.num(sol.q[y])}$")
    else:
        rule = (f"$q_{{{y}}} = 1 - \\alpha = {tex.num(sol.q[y])}$ and $q_k = \\alpha/(K - 1) = "
                f"{a}/{s.k - 1} = {tex.num(s.alpha / (s.k - 1))}$ for $k \\ne y$")
    single = sol.rest.single
    rest_value = ("" if single is not None and single[1] == 0
                  else rf" \approx {math.exp(sol.rest.log_value):.4g}")
    return (
        Step("Target", f"Under the chosen rule, {rule}. The free class is $f = {f}$ "
             + ("(the true class)" if f == y else "(not the true class)") + f", with target "
             f"$q_{{{f}}} = {tex.num(qf)}$."),
        Step("Where the loss is smallest",
             f"Write $R = \\sum_{{k \\ne {f}}} e^{{z_k}} = {sol.rest.tex}{rest_value}$ for the fixed "
             f"part. Then $L(z_{{{f}}}) = \\log\\left(e^{{z_{{{f}}}}} + R\\right) - q_{{{f}}} z_{{{f}}} "
             f"- \\sum_{{k \\ne {f}}} q_k z_k$, so "
             f"$\\frac{{\\partial L}}{{\\partial z_{{{f}}}}} = p_{{{f}}} - q_{{{f}}}$. "
             f"The second derivative $p_{{{f}}}(1 - p_{{{f}}})$ is positive, so $L$ is convex "
             f"in $z_{{{f}}}$ and its one minimum is where $p_{{{f}}} = q_{{{f}}}$."),
        Step("Solve for the free logit",
             f"$\\frac{{e^{{z_{{{f}}}}}}}{{e^{{z_{{{f}}}}} + R}} = q_{{{f}}}$ gives $e^{{z_{{{f}}}}} = "
             f"\\frac{{q_{{{f}}}}}{{1 - q_{{{f}}}}} R = \\frac{{{tex.num(qf)}}}{{{tex.num(1 - qf)}}} R = "
             f"{tex.num(sol.rho)}\\,R$, so  \n"
             f"$z_{{{f}}} = \\log\\left({tex.num(sol.rho)}\\,R\\right) = {sm.show(sol.logit)}$."),
        Step("Probability of the true class", _p_true_text(s, sol)),
        Step("Convention", _convention(s, sol)),
    )


def _p_true_text(s: _Setup, sol: _Solution) -> str:
    f, y = s.free, s.y
    if f == y:
        return (f"At the minimum the free class's probability equals its target, and the free class "
                f"is the true class: $p_{{{y}}} = q_{{{y}}} = {sm.show(sol.p_true)}$. Smoothing "
                "trains the model to be exactly this confident, never fully certain.")
    ratio = rf"\frac{{e^{{z_{{{y}}}}}}}"
    return (f"At the minimum $e^{{z_{{{f}}}}} + R = R/(1 - q_{{{f}}})$, so "
            f"$p_{{{y}}} = {ratio}{{e^{{z_{{{f}}}}} + R}} = (1 - q_{{{f}}})\\,{ratio}{{R}} = "
            f"{tex.num(1 - sol.q[f])} \\cdot \\frac{{{sm.exp_tex(s.fixed[y])}}}{{{sol.rest.tex}}} = "
            f"{sm.show(sol.p_true)}$.")


def _convention(s: _Setup, sol: _Solution) -> str:
    other = "exam" if s.convention == "torch" else "torch"
    name = "the course rule" if other == "exam" else "PyTorch's rule"
    alt = _solve(s, other)
    f = s.free
    if alt is None:
        result = "the free class's target would be 0 or 1 and the loss would have no minimum"
    else:
        result = (f"$q_{{{f}}}$ would be ${tex.num(alt.q[f])}$ and the free logit "
                  f"$z_{{{f}}} = {sm.show(alt.logit)}$ instead")
    text = (f"The two label-smoothing rules give different answers. Under {name} "
            f"({sm.convention_tex(other)}) {result}. ")
    if s.free == s.y:
        return text + ("Without smoothing ($\\alpha = 0$) the target is one-hot and the true class's "
                       "logit grows without bound: the loss only approaches 0. Smoothing caps it.")
    return text + (f"Without smoothing ($\\alpha = 0$) class {f}'s target is 0 and its logit is driven "
                   "to $-\\infty$; smoothing keeps it finite.")


# -- seeded variants ------------------------------------------------------------------

_ALPHAS: list[Any] = [0.1, 0.1, 0.2, 0.3, 0.4]


def draw(rng: random.Random) -> dict[str, Any]:
    while True:
        k = rng.choice([2, 2, 3, 4, 5, 10])
        y = rng.randrange(k)
        free = y if k == 2 or rng.random() < 0.7 else rng.choice([j for j in range(k) if j != y])
        if rng.random() < 0.7 or k > 5:
            c = rng.choice([0, 0, 0, 1, -1, 2])
            fixed = {j: c for j in range(k) if j != free}
        else:
            fixed = {j: rng.choice([-1, 0, 0, 1, 2]) for j in range(k) if j != free}
        params = {"n_classes": k, "alpha": rng.choice(_ALPHAS),
                  "smoothing_convention": rng.choice(sm.CONVENTIONS), "true_class": y,
                  "fixed_logits": {str(j): v for j, v in fixed.items()}}
        setup = _Setup(k, Fraction(str(params["alpha"])), str(params["smoothing_convention"]), y,
                       {j: Fraction(v) for j, v in fixed.items()}, free)
        sol = _solve(setup)
        if sol is None:
            continue
        p = sol.p_true
        if not isinstance(p, Fraction) or (tex.decimal_places(p) or 9) <= DECIMALS:
            return params
