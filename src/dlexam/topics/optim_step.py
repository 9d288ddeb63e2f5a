"""optim.step — a few steps of an optimizer (SGD, momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW).

Convention: the optimizer names the rule exactly (see _optimizers.py): "momentum_torch" and
"nesterov_torch" are torch.optim.SGD's buffer forms (b ← μb + g, the first b a copy of g;
w ← w − ηb, or w − η(g + μb) for Nesterov), "momentum_textbook" is v ← ρv − ηg, w ← w + v,
and "nesterov_lookahead" takes the gradient at the look-ahead point w + ρv (Sutskever's form;
torch's Nesterov iterates are exactly those look-ahead points). Adagrad, RMSprop, Adam and
AdamW follow torch: ε outside the square root, bias correction in Adam, RMSprop without it,
weight_decay as L2 added to the gradient except AdamW's decoupled w ← (1 − ηλ)w. A param left
out takes torch's default for that optimizer: lr 0.001 (SGD, Adam, AdamW) or 0.01 (Adagrad,
RMSprop); betas (0.9, 0.999); alpha 0.99; eps 1e-10 (Adagrad) or 1e-8; weight_decay 0 (0.01
for AdamW); dampening 0; momentum 0.9 for the momentum forms (torch's 0 would be plain SGD)
and 0 for RMSprop. Params an optimizer does not use are accepted, echoed and ignored (the
key says so) — except a non-zero momentum for "sgd", which is refused. Gradients come from
`grads` (one list per step) or from `loss` {"a", "c"}, f(w) = ½·a·Σ(w − c)², recomputed at
every iterate (at the look-ahead point for nesterov_lookahead). Irrational roots stay exact.

Hand-computable promise (seeded variants): eps = 0; SGD, momentum and Nesterov always
rational; Adagrad with Pythagorean gradient runs (3, 4 → √25); RMSprop with 1 − α a square
(α = 0.99: the first step is 10η); Adam/AdamW one step (η·sign g) or constant gradients
(again η·sign g). Keys have at most 6 decimals.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine import Exact
from ..model import Part, Question, Step
from . import _latex as tex
from . import _optimizers as op
from ._answers import answer
from ._params import REQUIRED, Params, parse_number

ID = "optim.step"
TITLE = "Optimizer steps"
PARAMS: dict[str, Any] = {
    "optimizer": REQUIRED, "lr": None, "momentum": None, "dampening": None, "betas": None,
    "alpha": None, "eps": None, "weight_decay": None, "w0": REQUIRED, "grads": None, "loss": None,
    "steps": None,
}
DECIMALS = 6
CALCULATOR = True

MAX_STEPS = 10
# square roots pile up in the adaptive methods' keys; in loss mode they nest (the gradient at an
# irrational iterate is squared again), so exact keys stay fast only for a few steps
MAX_ADAPTIVE_STEPS = {"grads": 4, "loss": 2}
MAX_WEIGHTS = 6
MAX_SIZE = 1000

_LR = {"adagrad": 0.01, "rmsprop": 0.01}
_EPS = {"adagrad": 1e-10}
_MOMENTUM_FORMS = ("momentum_torch", "momentum_textbook", "nesterov_torch", "nesterov_lookahead")
_USES = {  # params each optimizer reads besides lr and weight_decay
    "sgd": (), "momentum_torch": ("momentum", "dampening"), "momentum_textbook": ("momentum",),
    "nesterov_torch": ("momentum",), "nesterov_lookahead": ("momentum",), "adagrad": ("eps",),
    "rmsprop": ("alpha", "eps", "momentum"), "adam": ("betas", "eps"), "adamw": ("betas", "eps"),
}


@dataclass
class _Setup:
    opt: str
    hyper: op.Hyper
    w0: list[Fraction]
    grads: list[list[Fraction]] | None
    a: Fraction
    c: list[Fraction]
    steps: int
    ignored: list[str]

    def grad(self, t: int, point: op.Vec, explain: bool) -> tuple[op.Vec, str]:
        if self.grads is not None:
            g: op.Vec = list(self.grads[t - 1])
            return g, (op.eq(f"g_{{{t}}}", op.V(g)) + " (given)" if explain else "")
        g = op.lin(self.a, point, -self.a, self.c)
        if not explain:
            return g, ""
        at = rf"\tilde w_{{{t - 1}}}" if self.opt == "nesterov_lookahead" else f"w_{{{t - 1}}}"
        return g, op.eq(f"g_{{{t}}}", rf"a\,({at} - c)",
                        rf"{op.n(self.a)} \cdot ({op.V(point)} - {op.V(self.c)})", op.V(g))


def _vector(p: Params, name: str, value: Any, length: int | None, what: str) -> list[Fraction]:
    count = length if length else f"1 to {MAX_WEIGHTS}"
    allowed = f"{what}: a list of {count} numbers, each at most {MAX_SIZE} in size"
    try:
        if not isinstance(value, list) or not 1 <= len(value) <= (length or MAX_WEIGHTS) \
                or len(value) != (length or len(value)):
            raise ValueError
        xs = [parse_number(x) for x in value]
    except ValueError:
        raise p.fail(name, allowed) from None
    if any(abs(x) > MAX_SIZE for x in xs):
        raise p.fail(name, allowed)
    return xs


def _read(raw: Any) -> tuple[Params, _Setup]:
    p = Params(ID, raw, PARAMS)
    opt = p.choice("optimizer", op.OPTIMIZERS)
    uses = _USES[opt]

    def num(name: str, default: Any, hi: Fraction | int = 1, lo_open: bool = False) -> Fraction:
        return p.number(name, default, lo=0, hi=hi, lo_open=lo_open)

    h = op.Hyper(lr=num("lr", _LR.get(opt, 0.001), hi=MAX_SIZE, lo_open=True))
    h.weight_decay = num("weight_decay", 0.01 if opt == "adamw" else 0, hi=MAX_SIZE)
    if "momentum" in uses:
        h.momentum = num("momentum", 0 if opt == "rmsprop" else 0.9)
    if opt == "sgd" and p.has("momentum") and num("momentum", 0) != 0:
        raise p.error("momentum", 'is not used by plain "sgd"; for torch\'s SGD with momentum choose '
                      '"momentum_torch" or "nesterov_torch"')
    if opt in ("nesterov_torch", "nesterov_lookahead") and h.momentum == 0:
        raise p.fail("momentum", "a number > 0 and <= 1 for Nesterov (torch refuses 0)")
    if "dampening" in uses:
        h.dampening = num("dampening", 0)
    if opt == "nesterov_torch" and p.has("dampening") and num("dampening", 0) != 0:
        raise p.error("dampening", "must be 0 with Nesterov momentum (torch refuses anything else)")
    if "alpha" in uses:
        h.alpha = num("alpha", 0.99)
    if "eps" in uses:
        h.eps = num("eps", _EPS.get(opt, 1e-08))
    if "betas" in uses:
        betas = p.get("betas", [0.9, 0.999])
        try:
            if not isinstance(betas, list) or len(betas) != 2:
                raise ValueError
            h.beta1, h.beta2 = parse_number(betas[0]), parse_number(betas[1])
            if not (0 <= h.beta1 < 1 and 0 <= h.beta2 < 1):
                raise ValueError
        except ValueError:
            raise p.fail("betas", "a list of two numbers in [0, 1), e.g. [0.9, 0.999]") from None
    ignored = [name for name in ("momentum", "dampening", "alpha", "eps", "betas")
               if name not in uses and p.has(name) and name not in p.read]
    for name in ignored:  # validated all the same, so a typo never passes silently
        if name == "betas":
            _vector(p, name, p.get(name), 2, "betas")
        else:
            num(name, None, hi=MAX_SIZE)

    w0 = _vector(p, "w0", p.get("w0"), None, "the initial weights")
    grads, a, c = None, Fraction(0), [Fraction(0)] * len(w0)
    if p.has("grads") and p.has("loss") and p.raw["loss"] is not None and p.raw["grads"] is not None:
        raise p.error("loss", "cannot be given together with grads; give one of them")
    if p.raw.get("loss") is not None:
        a, c = _loss(p, len(w0))
        steps = p.integer("steps", 1, lo=1, hi=_max_steps(opt, "loss"))
        if steps > _max_steps(opt, "grads", h):
            raise p.fail("steps", f"at most {_max_steps(opt, 'grads', h)} for {opt} with weight decay "
                         "(its exact square roots nest)")
    else:
        raw_grads = p.get("grads", None)
        allowed = (f"a list of 1 to {MAX_STEPS} gradients, one list of {len(w0)} numbers per step "
                   "(or give loss instead)")
        most = _max_steps(opt, "grads", h)
        allowed = allowed.replace(str(MAX_STEPS), str(most), 1)
        if most < MAX_STEPS:
            allowed += f" (at most {most} steps for {opt}" + (" with weight decay" if most == 2 else "") + \
                ": its exact square roots pile up)"
        if not isinstance(raw_grads, list) or not 1 <= len(raw_grads) <= most:
            raise p.fail("grads", allowed)
        if len(w0) == 1 and all(not isinstance(g, list) for g in raw_grads):
            raw_grads = [[g] for g in raw_grads]  # one weight: a number per step will do
        grads = [_vector(p, "grads", g, len(w0), allowed) for g in raw_grads]
        steps = p.integer("steps", len(grads), lo=1, hi=most)
        if steps != len(grads):
            raise p.error("steps", f"must equal the number of gradients given ({len(grads)}), got {steps}")
    return p, _Setup(opt, h, w0, grads, a, c, steps, ignored)


def _max_steps(opt: str, mode: str, h: op.Hyper | None = None) -> int:
    """Coupled weight decay feeds the (irrational) weights back into the gradient, as a loss does."""
    if h is not None and h.weight_decay and opt != "adamw":
        mode = "loss"
    return MAX_ADAPTIVE_STEPS[mode] if opt in op.ADAPTIVE else MAX_STEPS


def _loss(p: Params, n: int) -> tuple[Fraction, list[Fraction]]:
    raw = p.get("loss")
    allowed = 'an object {"a": a number > 0, "c": a number or a list of one per weight}'
    if not isinstance(raw, dict) or set(raw) != {"a", "c"}:
        raise p.fail("loss", allowed)
    try:
        a = parse_number(raw["a"])
        c_raw = raw["c"] if isinstance(raw["c"], list) else [raw["c"]] * n
        c = [parse_number(x) for x in c_raw]
    except ValueError:
        raise p.fail("loss", allowed) from None
    if not 0 < a <= MAX_SIZE or len(c) != n or any(abs(x) > MAX_SIZE for x in c):
        raise p.fail("loss", allowed)
    return a, c


def build(raw: Any) -> Question:
    p, s = _read(raw)
    try:
        run = op.run(s.opt, s.hyper, s.w0, s.grad, s.steps, explain=True)
    except op.ZeroDenominator as e:
        raise p.error("eps", f"must be > 0 here: at step {e.step} weight {e.coordinate + 1} has had "
                      "only zero gradients, so the update is 0/0 (torch gives nan)") from None
    values = [x for w in run.ws for x in w] + [x for vec in run.state.values() for x in vec]
    calculator = any(not isinstance(x, Fraction) or tex.decimal_places(x) is None for x in values)
    keys = ", ".join(f"`{k}`" for k in run.state) or "none: plain SGD keeps no state, answer {}"
    parts = (
        Part("w", "list", answer(run.ws), 3,
             f"The weights after each step, $w_1$ to $w_{{{s.steps}}}$ (a list with one vector per step)"),
        Part("state", "table", answer(run.state), 2, f"The optimizer's state after the last step ({keys})"),
    )
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(s),
                    parts=parts, solution=_solution(s, run), calculator=calculator)


# -- text -----------------------------------------------------------------------------

def _hyper_text(s: _Setup) -> str:
    h, uses = s.hyper, _USES[s.opt]
    sym = "\\rho" if s.opt in ("momentum_textbook", "nesterov_lookahead") else "\\mu"
    items = [rf"\eta = {tex.num(h.lr)}"]
    if "momentum" in uses and (h.momentum or s.opt != "rmsprop"):
        items.append(f"{sym} = {tex.num(h.momentum)}")
    if "dampening" in uses and h.dampening:
        items.append(f"d = {tex.num(h.dampening)}")
    if "alpha" in uses:
        items.append(rf"\alpha = {tex.num(h.alpha)}")
    if "betas" in uses:
        items.append(rf"\beta_1 = {tex.num(h.beta1)},\ \beta_2 = {tex.num(h.beta2)}")
    if "eps" in uses:
        items.append(rf"\varepsilon = {tex.num(h.eps)}")
    if h.weight_decay or s.opt == "adamw":
        items.append(rf"\lambda = {tex.num(h.weight_decay)}")
    return ", ".join(f"${i}$" for i in items)


def _prompt(s: _Setup) -> str:
    rule = op.RULES[s.opt]
    if s.opt == "momentum_torch" and not s.hyper.dampening:
        rule = rule.replace(r"(1 - d)\, ", "")
    lines = [f"Weights start at $w_0 = {op.V(s.w0)}$ and are trained with {op.NAMES[s.opt]}:", "",
             f"$${rule}$$", "", f"with {_hyper_text(s)}."]
    if s.hyper.weight_decay and s.opt != "adamw":
        lines[-1] += r" Weight decay $\lambda$ adds $\lambda w$ to each gradient before the update."
    if s.opt == "momentum_torch" and not s.hyper.dampening:
        lines[-1] += " (no dampening)"
    lines.append("")
    if s.grads is not None:
        at = " (each taken at the look-ahead point)" if s.opt == "nesterov_lookahead" else ""
        lines.append("The loss gradients at the successive steps are" + at + ": "
                     + ", ".join(f"$g_{{{t + 1}}} = {op.V(g)}$" for t, g in enumerate(s.grads)) + ".")
    else:
        lines.append(rf"The loss is $f(w) = \tfrac12 \cdot {tex.num(s.a)} \sum_i (w_i - c_i)^2$ with "
                     f"$c = {op.V(s.c)}$, so $\\nabla f(w) = a\\,(w - c)$: recompute it at every step"
                     + (" at the look-ahead point." if s.opt == "nesterov_lookahead" else "."))
    if s.opt in op.ADAPTIVE:
        lines.append("All operations on vectors are element by element.")
    lines += ["", f"Run {s.steps} step{'s' * (s.steps > 1)}. Give the weights after every step and the "
              "optimizer's state after the last one."]
    return "\n".join(lines)


def _solution(s: _Setup, run: op.Run) -> tuple[Step, ...]:
    steps = [Step("The rule", f"$${op.RULES[s.opt]}$$\n\nwith {_hyper_text(s)}.")]
    steps += [Step(f"Step {t + 1}", "  \n".join(lines)) for t, lines in enumerate(run.lines)]
    state = ", ".join(f"`{k}` $= {op.V(v)}$" for k, v in run.state.items()) or "none (SGD keeps no state)"
    weights = ", ".join(f"$w_{{{t + 1}}} = {op.V(w)}$" for t, w in enumerate(run.ws))
    steps.append(Step("Result", f"Weights: {weights}. State after step {s.steps}: {state}."))
    trap = "The usual slip: " + op.TRAPS[s.opt]
    if s.opt == "rmsprop" and s.hyper.alpha != Fraction(99, 100) and s.hyper.alpha < 1:
        trap += (rf" Here $1 - \alpha = {tex.num(1 - s.hyper.alpha)}$, so with $\varepsilon = 0$ every "
                 rf"coordinate's first step has size $\eta / \sqrt{{1 - \alpha}}$.")
    if s.ignored:
        trap += (" (" + ", ".join(f"`{n}`" for n in s.ignored)
                 + f" {'was' if len(s.ignored) == 1 else 'were'} given but {s.opt} does not use "
                 + ("it" if len(s.ignored) == 1 else "them") + ".)")
    steps.append(Step("Convention", trap))
    return tuple(steps)


# -- seeded variants ------------------------------------------------------------------

_PYTHAGOREAN = [[3, 4], [4, 3], [6, 8], [8, 6], [7, 24], [24, 7], [15, 20], [9, 12, 20], [12, 9, 20],
                [3, 4, 0], [3, 0, 4], [1, 0, 0], [2, 0, 0], [5, 0, 0]]
_RMS_ALPHA = [0.99, 0.75, 0.36, 0.96]  # 1 − α a square
_RMS_TWO = {0.99: [[10, 1], [10, 49]], 0.75: [[2, 1], [4, 2]], 0.36: [[5, 4], [10, 8]]}


def _small(rng: random.Random, n: int, lo: int = -4, hi: int = 4, zero: bool = True) -> list[Any]:
    out: list[Any] = []
    while len(out) < n:
        x = rng.randint(lo, hi)
        if x or zero:
            out.append(x)
    return out


def _draw_once(rng: random.Random, opt: str) -> dict[str, Any]:
    n = rng.choice([1, 2, 2, 3])
    w0 = _small(rng, n, -3, 3)
    out: dict[str, Any] = {"optimizer": opt}
    if opt not in op.ADAPTIVE:
        out["lr"] = rng.choice([0.1, 0.2, 0.5, 0.25, 0.05, 1])
        if opt != "sgd":
            out["momentum"] = rng.choice([0.5, 0.9, 0.8, 0.5])
        if opt == "momentum_torch" and rng.random() < 0.2:
            out["dampening"] = rng.choice([0.1, 0.5])
        if rng.random() < 0.2:
            out["weight_decay"] = rng.choice([0.1, 0.5])
        steps = rng.choice([1, 2, 2, 3])
        if rng.random() < 0.4:
            c = _small(rng, n, -2, 2) if n > 1 else rng.randint(-2, 2)
            out["loss"] = {"a": rng.choice([1, 2, 0.5, 4]), "c": c}
            out["steps"] = steps
        else:
            out["grads"] = [_small(rng, n) for _ in range(steps)]
    elif opt == "adagrad":
        steps = rng.choice([1, 2, 2, 3])
        runs = [p for p in _PYTHAGOREAN if len(p) >= steps]
        cols = []
        for _ in range(n):
            k = rng.choice([1, 1, 0.5, 2])
            cols.append([x * k * rng.choice([1, -1]) for x in rng.choice(runs)[:steps]])
        grads = [list(r) for r in zip(*cols, strict=True)]
        out |= {"lr": rng.choice([0.1, 0.5, 1, 0.01]), "eps": 0, "grads": grads}
    elif opt == "rmsprop":
        alpha = rng.choice(_RMS_ALPHA)
        out |= {"lr": rng.choice([0.01, 0.1, 0.001]), "alpha": alpha, "eps": 0}
        if alpha in _RMS_TWO and rng.random() < 0.5:
            cols = [[x * rng.choice([1, -1]) for x in rng.choice(_RMS_TWO[alpha])] for _ in range(n)]
            out["grads"] = [list(r) for r in zip(*cols, strict=True)]
        else:
            out["grads"] = [_small(rng, n, zero=False)]
    else:
        out |= {"lr": rng.choice([0.1, 0.01, 0.001, 0.5]), "eps": 0}
        if opt == "adamw":
            out["weight_decay"] = rng.choice([0.01, 0.1, 0.5])
        if rng.random() < 0.5:  # constant gradients: every step is η·sign(g)
            g = _small(rng, n, zero=False)
            out["grads"] = [g, g]
        elif rng.random() < 0.5:
            out |= {"loss": {"a": rng.choice([1, 2, 0.5]), "c": _small(rng, n, -2, 2)}, "steps": 1}
        else:
            out["grads"] = [_small(rng, n, zero=False)]
    out["w0"] = w0
    return out


def _fits(params: dict[str, Any]) -> bool:
    """Every key rational with at most DECIMALS decimals (the seeded promise)."""
    try:
        _, s = _read(params)
        run = op.run(s.opt, s.hyper, s.w0, s.grad, s.steps, explain=False)
    except (op.ZeroDenominator, ValueError):
        return False
    values: list[Exact] = [x for w in run.ws for x in w] + [x for v in run.state.values() for x in v]
    return all(isinstance(x, Fraction) and (tex.decimal_places(x) or 0) <= DECIMALS
               and tex.decimal_places(x) is not None for x in values)


def draw(rng: random.Random) -> dict[str, Any]:
    opt = rng.choice(op.OPTIMIZERS)
    for _ in range(100):
        params = _draw_once(rng, opt)
        if _fits(params):
            return params
    return {"optimizer": "sgd", "lr": 0.1, "w0": [1, -2], "grads": [[2, 1]]}  # never reached in practice
