"""softmax.cross_entropy — softmax, cross-entropy loss and its gradient for one example's logits.

Convention: the loss is nn.CrossEntropyLoss on raw logits (it applies the softmax itself;
natural log; one example, so the batch mean is the loss): L = −Σ_k q_k log p_k with
p = softmax(z) and target q. The label is a 0-based class index y. With label smoothing α
the target follows `smoothing_convention`: "torch" (PyTorch's label_smoothing) spreads α over
all K classes, q = (1 − α)·onehot(y) + α/K; "exam" (many courses) keeps 1 − α on the true
class and shares α among the other K − 1. The gradient is ∂L/∂z = p − q. Keys are exact
(powers of e, one log) with the decimal beside; the loss is never rational (K ≥ 2).

Hand-computable promise (seeded variants): 2–4 logits, small integers or halves in [−2, 3],
α ∈ {0, 0.1, 0.2, 0.3} under either convention; a calculator is allowed (powers of e and a
log). Rational keys (every logit equal) have at most 3 decimals where they terminate.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from . import _softmax as sm
from ._params import REQUIRED, Params

ID = "softmax.cross_entropy"
TITLE = "Softmax cross-entropy and its gradient"
PARAMS: dict[str, Any] = {"logits": REQUIRED, "label": REQUIRED, "label_smoothing": 0,
                          "smoothing_convention": "torch"}
DECIMALS = 3
CALCULATOR = True


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    z = sm.read_logits(p)
    k = len(z)
    y = p.integer("label", lo=0, hi=k - 1)
    alpha = p.number("label_smoothing", 0, lo=0, hi=1)
    convention = p.choice("smoothing_convention", sm.CONVENTIONS, "torch")

    probs = sm.softmax(z)
    q = sm.targets(k, y, alpha, convention)
    loss = _loss(z, y, q)
    grad = [sm.minus(pk, qk) for pk, qk in zip(probs, q, strict=True)]
    if q[y] == 1 and isinstance(probs[y], sm.Sym):  # p_y − 1 = −(1 − p_y): no cancellation
        rest = math.fsum(math.exp(v - z[y]) for j, v in enumerate(z) if j != y)
        grad[y] = sm.minus(probs[y], Fraction(1), -rest / (1 + rest))

    parts = (
        Part("probs", "vector", sm.key(probs), 1, r"The softmax probabilities $p = \mathrm{softmax}(z)$"),
        Part("loss", "number", sm.key(loss), 2, r"The cross-entropy loss $L$"),
        Part("grad_logits", "vector", sm.key(grad), 2,
             r"The gradient $\partial L/\partial z$ of the loss with respect to the logits"),
    )
    return Question(topic=ID, title=TITLE, params=p.finish(),
                    prompt=_prompt(z, y, alpha, convention), parts=parts,
                    solution=_solution(z, y, alpha, convention, probs, q, loss, grad),
                    calculator=not sm.hand_friendly([*probs, loss, *grad]))


def _loss(z: list[Fraction], y: int, q: list[Fraction]) -> sm.Sym:
    """L = log Σ_j e^{z_j} − Σ_k q_k z_k = log Σ_j e^{z_j − z_y} + Σ_k q_k (z_y − z_k):
    measured from the true logit, so without smoothing L = −log p_y is a single log."""
    shifted = [v - z[y] for v in z]
    r = sum((qk * (z[y] - v) for qk, v in zip(q, z, strict=True)), Fraction(0))
    return sm.log_plus(sm.ExpSum(shifted), r, [d for j, d in enumerate(shifted) if j != y])


# -- text -----------------------------------------------------------------------------

def _rule(alpha: Fraction, convention: str) -> str:
    if alpha == 0:
        return ("without label smoothing: the target $q$ is the one-hot vector of class $y$, so "
                "$L = -\\log p_y$")
    name = "PyTorch's `label_smoothing` rule" if convention == "torch" else "the course rule"
    return (f"with label smoothing $\\alpha = {tex.num(alpha)}$ under {name}: "
            f"{sm.convention_tex(convention)}")


def _prompt(z: list[Fraction], y: int, alpha: Fraction, convention: str) -> str:
    return "\n".join([
        f"A classifier outputs the logits $z = {sm.vector_tex(z)}$ for $K = {len(z)}$ classes "
        f"(numbered from 0); the correct class is $y = {y}$. It is trained with the cross-entropy "
        "loss of `nn.CrossEntropyLoss`, which takes the raw logits and applies the softmax itself "
        f"(natural log), {_rule(alpha, convention)}.",
        "",
        r"$$p = \mathrm{softmax}(z), \qquad L = -\sum_k q_k \log p_k.$$",
        "",
        r"Find the probabilities $p$, the loss $L$ and its gradient $\partial L/\partial z$. Give "
        "exact expressions (powers of $e$, logs) or decimals to 4 significant figures.",
    ])


def _targets_text(k: int, y: int, alpha: Fraction, convention: str, q: list[Fraction]) -> str:
    if alpha == 0:
        return f"No smoothing: $q$ is one-hot on class $y = {y}$, $q = {sm.vector_tex(q)}$."
    a, kk = tex.num(alpha), k
    if convention == "torch":
        other = rf"q_k = \frac{{\alpha}}{{K}} = \frac{{{a}}}{{{kk}}} = {tex.num(alpha / k)}"
        true = (rf"q_{{{y}}} = 1 - \alpha + \frac{{\alpha}}{{K}} = 1 - {a} + {tex.num(alpha / k)} = "
                f"{tex.num(q[y])}")
    else:
        other = rf"q_k = \frac{{\alpha}}{{K - 1}} = \frac{{{a}}}{{{kk - 1}}} = {tex.num(alpha / (k - 1))}"
        true = rf"q_{{{y}}} = 1 - \alpha = 1 - {a} = {tex.num(q[y])}"
    return (f"The rule: {sm.convention_tex(convention)}.  \nTrue class: ${true}$; every other class: "
            f"${other}$.  \nSo $q = {sm.vector_tex(q)}$ (it adds up to 1).")


def _loss_text(z: list[Fraction], y: int, q: list[Fraction], loss: sm.Sym) -> str:
    shifted = [v - z[y] for v in z]
    head = (r"Since $\log p_k = z_k - \log \sum_j e^{z_j}$ and $\sum_k q_k = 1$, "
            r"$L = \log \sum_j e^{z_j} - \sum_k q_k z_k$. Measuring every logit from the true one, "
            rf"$z - z_{{{y}}} = {sm.vector_tex(shifted)}$:")
    if q[y] == 1:
        return (head + "  \n" + rf"$L = -\log p_{{{y}}} = \log \sum_j e^{{z_j - z_{{{y}}}}} = "
                f"{sm.show(loss)}$.")
    terms = [f"{tex.num(qk, paren=True)} \\cdot {tex.num(-d, paren=True)}"
             for qk, d in zip(q, shifted, strict=True) if d and qk]
    pieces = [rf"L = \log \sum_j e^{{z_j - z_{{{y}}}}} + \sum_k q_k (z_{{{y}}} - z_k)"]
    if terms:
        pieces.append(rf"\log\left({sm.ExpSum(shifted).tex}\right) + " + " + ".join(terms))
    pieces.append(sm.show(loss))
    return head + "  \n$" + tex.join_equal(pieces) + "$."


def _grad_text(probs: list[sm.Val], q: list[Fraction], grad: list[sm.Val]) -> str:
    lines = [r"$L = \log \sum_j e^{z_j} - \sum_k q_k z_k$, and $\partial/\partial z_k$ of "
             r"$\log \sum_j e^{z_j}$ is $p_k$, so $\frac{\partial L}{\partial z_k} = p_k - q_k$:"]
    for i, (pk, qk, g) in enumerate(zip(probs, q, grad, strict=True)):
        head = rf"\frac{{\partial L}}{{\partial z_{{{i}}}}} = p_{{{i}}} - q_{{{i}}}"
        if isinstance(pk, Fraction):
            rest = [f"{tex.num(pk)} - {tex.num(qk)}", sm.show(g)]
        elif qk == 0:
            rest = [sm.show(pk)]
        else:
            rest = [f"{pk.tex} - {tex.num(qk)}", rf"\approx {pk.value:.4g} - {tex.num(qk)}",
                    rf"\approx {_float(g):.4g}"]
        lines.append("$" + tex.join_equal([head, *rest]) + "$")
    lines.append("The entries add up to 0 (both $p$ and $q$ add up to 1): raising every logit by "
                 "the same amount changes nothing.")
    return "  \n".join(lines)


def _float(x: sm.Val) -> float:
    return float(x) if isinstance(x, Fraction) else x.value


def _convention(z: list[Fraction], y: int, alpha: Fraction, convention: str, loss: sm.Sym) -> str:
    text = ("`nn.CrossEntropyLoss` expects raw logits: applying a softmax first and passing the "
            "probabilities in would apply it twice. The log is natural, and over a batch the loss "
            "is the mean of the examples' losses. ")
    if alpha == 0:
        return text + (r"With $\alpha = 0$ both label-smoothing rules give the one-hot target. With "
                       r"$\alpha > 0$ PyTorch gives the true class $1 - \alpha + \alpha/K$ and every "
                       r"class $\alpha/K$, while many courses give it $1 - \alpha$ and the others "
                       r"$\alpha/(K-1)$.")
    other = "exam" if convention == "torch" else "torch"
    q2 = sm.targets(len(z), y, alpha, other)
    loss2 = _loss(z, y, q2)
    name = "the course rule" if other == "exam" else "PyTorch's rule"
    same = loss2.exact == loss.exact
    result = (f"the loss the same $L \\approx {loss.value:.4g}$ (the logits it weighs differently are "
              "equal)" if same else
              f"the loss $L \\approx {loss2.value:.4g}$ instead of $L \\approx {loss.value:.4g}$")
    return text + (f"Label smoothing has two conventions. Under {name} ({sm.convention_tex(other)}) "
                   f"the target would be $q = {sm.vector_tex(q2)}$ and {result}.")


def _solution(z: list[Fraction], y: int, alpha: Fraction, convention: str, probs: list[sm.Val],
              q: list[Fraction], loss: sm.Sym, grad: list[sm.Val]) -> tuple[Step, ...]:
    return (
        Step("Softmax", sm.softmax_text(z, probs)),
        Step("Target distribution", _targets_text(len(z), y, alpha, convention, q)),
        Step("Loss", _loss_text(z, y, q, loss)),
        Step("Gradient with respect to the logits", _grad_text(probs, q, grad)),
        Step("Convention", _convention(z, y, alpha, convention, loss)),
    )


# -- seeded variants ------------------------------------------------------------------

_LOGITS: list[Any] = [-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3]
_ALPHAS: list[Any] = [0, 0, 0, 0.1, 0.1, 0.2, 0.3]


def draw(rng: random.Random) -> dict[str, Any]:
    k = rng.choice([2, 3, 3, 4])
    if rng.random() < 1 / 12:  # all equal: rational probabilities and gradient
        z = [rng.choice(_LOGITS)] * k
    else:
        while len(set(z := [rng.choice(_LOGITS) for _ in range(k)])) == 1:
            pass
    return {"logits": z, "label": rng.randrange(k), "label_smoothing": rng.choice(_ALPHAS),
            "smoothing_convention": rng.choice(sm.CONVENTIONS)}
