"""The update rules of optim.step, run exactly, with a LaTeX line for every quantity.

Each optimizer is written the way PyTorch's CPU loop computes it (torch/optim/*.py, the
single-tensor path), or for the two textbook forms the way lectures write them:

- sgd:                w ← w − η g
- momentum_torch:     b ← g on step 1, then μ b + (1 − dampening) g;  w ← w − η b
- nesterov_torch:     b as above (no dampening);  w ← w − η (g + μ b)
- momentum_textbook:  v ← ρ v − η g;  w ← w + v  (v₀ = 0)
- nesterov_lookahead: g at w + ρ v;  v ← ρ v − η g;  w ← w + v
- adagrad:            s ← s + g²;  w ← w − η g / (√s + ε)
- rmsprop:            a ← α a + (1 − α) g²;  w ← w − η g / (√a + ε)  (with momentum μ > 0:
                      b ← μ b + g / (√a + ε), w ← w − η b)
- adam:               m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
                      w ← w − η m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
- adamw:              w ← w (1 − η λ) first, then the adam step

weight_decay λ adds λ·w (at the point where the gradient is taken) to g, except in adamw.
Values stay Fractions until a square root is irrational (engine.exact then uses SymPy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from ..engine import Exact
from ..engine import exact as ex
from . import _latex as tex

Vec = list[Exact]
# the gradient at a point for step t, and (when explaining) the LaTeX line that finds it
GradFn = Callable[[int, Vec, bool], tuple[Vec, str]]

OPTIMIZERS = ("sgd", "momentum_torch", "momentum_textbook", "nesterov_torch", "nesterov_lookahead",
              "adagrad", "rmsprop", "adam", "adamw")
ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamw")


@dataclass
class Hyper:
    lr: Fraction
    momentum: Fraction = Fraction(0)
    dampening: Fraction = Fraction(0)
    beta1: Fraction = Fraction(9, 10)
    beta2: Fraction = Fraction(999, 1000)
    alpha: Fraction = Fraction(99, 100)
    eps: Fraction = Fraction(0)
    weight_decay: Fraction = Fraction(0)


class ZeroDenominator(Exception):
    """√(accumulator) + ε is 0 for a coordinate: 0/0, which torch turns into nan."""

    def __init__(self, step: int, coordinate: int) -> None:
        super().__init__(step, coordinate)
        self.step, self.coordinate = step, coordinate


@dataclass
class Run:
    ws: list[Vec] = field(default_factory=list)       # w_1 … w_T
    state: dict[str, Vec] = field(default_factory=dict)
    lines: list[list[str]] = field(default_factory=list)  # per step, when explaining


# -- text: how each rule is named and written, and the slip it invites --------------

NAMES = {
    "sgd": "plain SGD, as `torch.optim.SGD`",
    "momentum_torch": "SGD with momentum in PyTorch's form, as `torch.optim.SGD(momentum=μ)`",
    "momentum_textbook": "SGD with momentum in the textbook (velocity) form",
    "nesterov_torch": "Nesterov momentum in PyTorch's form, as `torch.optim.SGD(momentum=μ, nesterov=True)`",
    "nesterov_lookahead": "Nesterov momentum in the textbook look-ahead form",
    "adagrad": "Adagrad, as `torch.optim.Adagrad`", "rmsprop": "RMSprop, as `torch.optim.RMSprop`",
    "adam": "Adam, as `torch.optim.Adam`", "adamw": "AdamW, as `torch.optim.AdamW`",
}
RULES = {
    "sgd": r"w_t = w_{t-1} - \eta\, g_t",
    "momentum_torch": r"b_1 = g_1,\quad b_t = \mu b_{t-1} + (1 - d)\, g_t,\quad w_t = w_{t-1} - \eta\, b_t",
    "momentum_textbook": r"v_0 = 0,\quad v_t = \rho v_{t-1} - \eta\, g_t,\quad w_t = w_{t-1} + v_t",
    "nesterov_torch": r"b_1 = g_1,\quad b_t = \mu b_{t-1} + g_t,\quad w_t = w_{t-1} - \eta\,(g_t + \mu b_t)",
    "nesterov_lookahead": r"v_0 = 0,\quad g_t = \nabla f(w_{t-1} + \rho v_{t-1}),\quad v_t = \rho v_{t-1} - "
                          r"\eta\, g_t,\quad w_t = w_{t-1} + v_t",
    "adagrad": r"s_0 = 0,\quad s_t = s_{t-1} + g_t^2,\quad "
               r"w_t = w_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t} + \varepsilon}",
    "rmsprop": r"a_0 = 0,\quad a_t = \alpha a_{t-1} + (1 - \alpha)\, g_t^2,\quad "
               r"w_t = w_{t-1} - \eta\, \frac{g_t}{\sqrt{a_t} + \varepsilon}",
    "adam": r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t,\quad "
            r"v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,\quad "
            r"w_t = w_{t-1} - \eta\, \frac{m_t/(1 - \beta_1^t)}{\sqrt{v_t/(1 - \beta_2^t)} + \varepsilon}",
}
RULES["adamw"] = r"w_{t-1} \leftarrow (1 - \eta\lambda)\, w_{t-1}" + r",\quad \text{then }" + RULES["adam"]
TRAPS = {
    "sgd": "plain SGD has no state; `weight_decay` λ adds λw to the gradient (the gradient of "
           r"$\tfrac{\lambda}{2}\|w\|^2$).",
    "momentum_torch": r"torch's buffer holds gradients, not steps: $b = -v/\eta$ of the textbook form, and "
                      "the first buffer is a plain copy of $g_1$ (no dampening on step 1). With a constant "
                      "learning rate both forms give the same weights; they part ways when η changes.",
    "momentum_textbook": r"the velocity already contains $\eta$ ($v = -\eta b$ in torch's buffer form). "
                         "For a constant learning rate the weights equal torch's `SGD(momentum=ρ)` iterates.",
    "nesterov_torch": "torch evaluates the gradient at its own iterate and steps by $g + \\mu b$. Its "
                      "iterates are the look-ahead points $w + \\rho v$ of the textbook form, not the "
                      "textbook weights themselves.",
    "nesterov_lookahead": r"the gradient is taken at the look-ahead point $w + \rho v$, not at $w$. "
                          "torch's `SGD(nesterov=True)` reports those look-ahead points as its weights.",
    "adagrad": r"$s$ never forgets, so steps only shrink; $\varepsilon$ is added after the square root "
               r"(torch's default $10^{-10}$).",
    "rmsprop": r"torch's RMSprop has no bias correction: with $\alpha = 0.99$ the first step is "
               r"$\eta\, g/\sqrt{0.01\, g^2} = 10\eta$ in each coordinate. "
               r"$\varepsilon$ sits outside the root.",
    "adam": r"bias correction makes the first step $\eta\, g_1/|g_1| = \eta\,\mathrm{sign}(g_1)$ "
            r"whatever the gradient's size; $\varepsilon$ is outside the root. Adam's `weight_decay` is "
            "plain L2 added to the gradient (and then rescaled) — AdamW decouples it.",
    "adamw": r"the decay multiplies the weights by $1 - \eta\lambda$ before the Adam step and never enters "
             r"$m$ or $v$ (torch's default $\lambda = 0.01$); Adam's `weight_decay` would instead add "
             r"$\lambda w$ to the gradient.",
}


# -- exact vector arithmetic ----------------------------------------------------------

def lin(a: Exact, x: Vec, b: Exact, y: Vec) -> Vec:
    """a·x + b·y, element by element."""
    a, b = Fraction(a) if isinstance(a, int) else a, Fraction(b) if isinstance(b, int) else b
    return [ex.add(ex.mul(a, u), ex.mul(b, v)) for u, v in zip(x, y, strict=True)]


def _div(x: Vec, y: Vec, step: int) -> Vec:
    out = []
    for i, (u, v) in enumerate(zip(x, y, strict=True)):
        if v == 0:
            raise ZeroDenominator(step, i)
        out.append(ex.div(u, v))
    return out


def _square(x: Vec) -> Vec:
    return [ex.mul(u, u) for u in x]


def _root_plus(x: Vec, eps: Fraction) -> Vec:
    return [ex.add(ex.sqrt(u), eps) for u in x]


def V(x: Vec) -> str:
    """A vector in a formula (a lone number for one weight)."""
    return tex.num(x[0], paren=True, approx=False) if len(x) == 1 else tex.vec(x)


def n(x: Exact) -> str:
    return tex.num(x, approx=False)


def eq(*pieces: str) -> str:
    return "$" + tex.join_equal(list(pieces)) + "$"


# -- the loop -------------------------------------------------------------------------

def run(opt: str, h: Hyper, w0: Vec, grad: GradFn, steps: int, explain: bool) -> Run:
    r = Run()
    zero = [Fraction(0)] * len(w0)
    w, buf, sq, m, v = list(w0), list(zero), list(zero), list(zero), list(zero)
    lr, mu, wd = h.lr, h.momentum, h.weight_decay
    for t in range(1, steps + 1):
        say: list[str] = []
        p, q = f"w_{{{t - 1}}}", f"w_{{{t}}}"
        point = w
        if opt == "nesterov_lookahead":  # the gradient is taken at the look-ahead point
            point = lin(1, w, mu, buf)
            if explain:
                say.append(eq(rf"\tilde w_{{{t - 1}}}", rf"{p} + \rho v_{{{t - 1}}}",
                              rf"{V(w)} + {n(mu)} \cdot {V(buf)}", V(point)))
        g, line = grad(t, point, explain)
        say += [line] if explain else []
        if wd and opt != "adamw":  # L2 folded into the gradient, as torch's weight_decay
            g_old, g = g, lin(1, g, wd, point)
            if explain:
                at = rf"\tilde w_{{{t - 1}}}" if opt == "nesterov_lookahead" else p
                say.append(eq(rf"g_{{{t}}} \leftarrow g_{{{t}}} + \lambda {at}",
                              rf"{V(g_old)} + {n(wd)} \cdot {V(point)}", V(g)))
        gt = f"g_{{{t}}}"
        if opt == "sgd":
            w_new = lin(1, w, -lr, g)
            if explain:
                say.append(eq(q, rf"{p} - \eta\, {gt}", rf"{V(w)} - {n(lr)} \cdot {V(g)}", V(w_new)))
        elif opt in ("momentum_torch", "nesterov_torch"):
            b_old = buf
            buf = list(g) if t == 1 else lin(mu, buf, 1 - h.dampening, g)
            if explain:
                b = f"b_{{{t}}}"
                if t == 1:
                    say.append(eq(b, gt, V(buf)) + " (the buffer starts as a copy of the first gradient)")
                elif h.dampening:
                    say.append(eq(b, rf"\mu b_{{{t - 1}}} + (1 - d)\, {gt}",
                                  rf"{n(mu)} \cdot {V(b_old)} + {n(1 - h.dampening)} \cdot {V(g)}", V(buf)))
                else:
                    say.append(eq(b, rf"\mu b_{{{t - 1}}} + {gt}",
                                  rf"{n(mu)} \cdot {V(b_old)} + {V(g)}", V(buf)))
            if opt == "momentum_torch":
                w_new = lin(1, w, -lr, buf)
                if explain:
                    say.append(eq(q, rf"{p} - \eta\, b_{{{t}}}",
                                  rf"{V(w)} - {n(lr)} \cdot {V(buf)}", V(w_new)))
            else:
                step = lin(1, g, mu, buf)
                w_new = lin(1, w, -lr, step)
                if explain:
                    say.append(eq(q, rf"{p} - \eta\,({gt} + \mu b_{{{t}}})",
                                  rf"{V(w)} - {n(lr)} \cdot ({V(g)} + {n(mu)} \cdot {V(buf)})",
                                  rf"{V(w)} - {n(lr)} \cdot {V(step)}", V(w_new)))
        elif opt in ("momentum_textbook", "nesterov_lookahead"):
            v_old, buf = buf, lin(mu, buf, -lr, g)
            w_new = lin(1, w, 1, buf)
            if explain:
                say.append(eq(f"v_{{{t}}}", rf"\rho v_{{{t - 1}}} - \eta\, {gt}",
                              rf"{n(mu)} \cdot {V(v_old)} - {n(lr)} \cdot {V(g)}", V(buf)))
                say.append(eq(q, rf"{p} + v_{{{t}}}", rf"{V(w)} + {V(buf)}", V(w_new)))
        elif opt == "adagrad":
            s_old, sq = sq, lin(1, sq, 1, _square(g))
            den = _root_plus(sq, h.eps)
            ratio = _div(g, den, t)
            w_new = lin(1, w, -lr, ratio)
            if explain:
                say.append(eq(f"s_{{{t}}}", rf"s_{{{t - 1}}} + {gt}^2",
                              rf"{V(s_old)} + {V(_square(g))}", V(sq)))
                say.append(eq(rf"\sqrt{{s_{{{t}}}}} + \varepsilon",
                              rf"\sqrt{{{V(sq)}}} + {n(h.eps)}", V(den)))
                say.append(eq(q, rf"{p} - \eta\, \frac{{{gt}}}{{\sqrt{{s_{{{t}}}}} + \varepsilon}}",
                              rf"{V(w)} - {n(lr)} \cdot {V(ratio)}", V(w_new)))
        elif opt == "rmsprop":
            a_old, sq = sq, lin(h.alpha, sq, 1 - h.alpha, _square(g))
            den = _root_plus(sq, h.eps)
            ratio = _div(g, den, t)
            if explain:
                say.append(eq(f"a_{{{t}}}", rf"\alpha a_{{{t - 1}}} + (1 - \alpha)\, {gt}^2",
                              rf"{n(h.alpha)} \cdot {V(a_old)} + {n(1 - h.alpha)} \cdot {V(_square(g))}",
                              V(sq)))
                say.append(eq(rf"\sqrt{{a_{{{t}}}}} + \varepsilon",
                              rf"\sqrt{{{V(sq)}}} + {n(h.eps)}", V(den)))
                say.append(eq(rf"{gt} / (\sqrt{{a_{{{t}}}}} + \varepsilon)", V(ratio)))
            if mu:
                b_old, buf = buf, lin(mu, buf, 1, ratio)
                w_new = lin(1, w, -lr, buf)
                if explain:
                    say.append(eq(f"b_{{{t}}}",
                                  rf"\mu b_{{{t - 1}}} + {gt} / (\sqrt{{a_{{{t}}}}} + \varepsilon)",
                                  rf"{n(mu)} \cdot {V(b_old)} + {V(ratio)}", V(buf)))
                    say.append(eq(q, rf"{p} - \eta\, b_{{{t}}}",
                                  rf"{V(w)} - {n(lr)} \cdot {V(buf)}", V(w_new)))
            else:
                w_new = lin(1, w, -lr, ratio)
                if explain:
                    say.append(eq(q, rf"{p} - \eta\, {gt} / (\sqrt{{a_{{{t}}}}} + \varepsilon)",
                                  rf"{V(w)} - {n(lr)} \cdot {V(ratio)}", V(w_new)))
        else:  # adam, adamw
            base = w
            if opt == "adamw" and wd:
                base = lin(1 - lr * wd, w, 0, w)
                if explain:
                    say.append(eq(rf"{p} \leftarrow (1 - \eta \lambda)\, {p}",
                                  rf"{n(1 - lr * wd)} \cdot {V(w)}", V(base))
                               + " (decoupled decay, before the Adam step)")
            m_old, v_old = m, v
            m, v = lin(h.beta1, m, 1 - h.beta1, g), lin(h.beta2, v, 1 - h.beta2, _square(g))
            c1, c2 = 1 - h.beta1**t, 1 - h.beta2**t
            m_hat, v_hat = lin(1 / c1, m, 0, m), lin(1 / c2, v, 0, v)
            den = _root_plus(v_hat, h.eps)
            ratio = _div(m_hat, den, t)
            w_new = lin(1, base, -lr, ratio)
            if explain:
                say += [
                    eq(f"m_{{{t}}}", rf"\beta_1 m_{{{t - 1}}} + (1 - \beta_1)\, {gt}",
                       rf"{n(h.beta1)} \cdot {V(m_old)} + {n(1 - h.beta1)} \cdot {V(g)}", V(m)),
                    eq(f"v_{{{t}}}", rf"\beta_2 v_{{{t - 1}}} + (1 - \beta_2)\, {gt}^2",
                       rf"{n(h.beta2)} \cdot {V(v_old)} + {n(1 - h.beta2)} \cdot {V(_square(g))}", V(v)),
                    eq(rf"\hat m_{{{t}}}", rf"m_{{{t}}} / (1 - \beta_1^{{{t}}})", rf"{V(m)} / {n(c1)}",
                       V(m_hat)),
                    eq(rf"\hat v_{{{t}}}", rf"v_{{{t}}} / (1 - \beta_2^{{{t}}})", rf"{V(v)} / {n(c2)}",
                       V(v_hat)),
                    eq(rf"\hat m_{{{t}}} / (\sqrt{{\hat v_{{{t}}}}} + \varepsilon)",
                       rf"{V(m_hat)} / {V(den)}", V(ratio)),
                    eq(q, rf"{p} - \eta\, \hat m_{{{t}}} / (\sqrt{{\hat v_{{{t}}}}} + \varepsilon)",
                       rf"{V(base)} - {n(lr)} \cdot {V(ratio)}", V(w_new)),
                ]
        w = w_new
        r.ws.append(w)
        r.lines.append(say)
    r.state = _state(opt, h, buf, sq, m, v)
    return r


def _state(opt: str, h: Hyper, buf: Vec, sq: Vec, m: Vec, v: Vec) -> dict[str, Vec]:
    if opt in ("momentum_torch", "nesterov_torch"):
        return {"momentum_buffer": buf}
    if opt in ("momentum_textbook", "nesterov_lookahead"):
        return {"velocity": buf}
    if opt == "adagrad":
        return {"sum": sq}
    if opt == "rmsprop":
        return {"square_avg": sq} | ({"momentum_buffer": buf} if h.momentum else {})
    if opt in ("adam", "adamw"):
        return {"m": m, "v": v}
    return {}
