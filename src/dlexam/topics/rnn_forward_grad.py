"""rnn.forward_grad — a scalar RNN unrolled in time: forward pass and backpropagation through time.

Convention: one hidden unit, no biases. For t = 1..T, s_t = u·h_{t−1} + w·x_t and
h_t = φ(s_t), with φ = `activation` ("relu" by default, TOPICS.md names none; also "tanh",
"linear"). The output at step t is y_t = v·h_t; the question's y is the *last* output
y_T = v·h_T, and the gradients are of y_T alone (not of a sum of outputs over time).
h_0 defaults to 0, as the hidden state PyTorch's nn.RNN/RNNCell start from when none is
given. ReLU'(0) = 0, as in PyTorch. The same u and w act at every step, so ∂y/∂u and
∂y/∂w are sums of one term per step — the point a student most often misses.

tanh keys are irrational: kept exact (SymPy, through the engine's Tape) with a decimal
beside, and the question allows a calculator. They nest one tanh deeper per step, so tanh
takes at most 5 steps (ReLU and linear 20); every number given must lie in [−1000, 1000].

Hand-computable promise (seeded variants): ReLU or linear, T = 2..4, parameters that
are small integers or halves, inputs small integers; every number of the key is a
terminating decimal with at most 3 places and at most 100 in size. Seeded ReLU variants
mix runs where every step is on with runs where an earlier step is off (s_t ≤ 0), which
cuts the gradient to the steps before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine import Exact, Tape, Value
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, show

ID = "rnn.forward_grad"
TITLE = "Forward pass and backpropagation through time in a scalar RNN"
PARAMS: dict[str, Any] = {
    "h0": 0,
    "u": REQUIRED,
    "w": REQUIRED,
    "v": REQUIRED,
    "x": REQUIRED,
    "activation": "relu",
}
DECIMALS = 3

ACTIVATIONS = ("relu", "tanh", "linear")
MAX_STEPS = 20  # the key is worked by hand, one line per step
MAX_TANH_STEPS = 5  # tanh keys are exact nested expressions that grow (and slow) with every step
LIMIT = 1000  # |every number| ≤ LIMIT, so even 20 steps keep the key a finite float

# -- the recurrence on a tape --------------------------------------------------------

@dataclass
class _Rnn:
    """The unrolled network written onto a Tape with the names the key prints. Accessors take
    the time step t: h and ∂y/∂h for t = 0..T, s and φ'(s) for t = 1..T."""

    tape: Tape
    activation: str
    h0: Value
    u: Value
    w: Value
    v: Value
    x: list[Value]
    s: list[Value]
    h: list[Value]
    y: Value

    @property
    def steps(self) -> int:
        return len(self.x)

    def grad(self, node: Value) -> Exact:
        g = self.tape.gradients.get(node.name or "")
        return g.value if g else Fraction(0)

    def H(self, t: int) -> Exact:
        return (self.h0 if t == 0 else self.h[t - 1]).data

    def D(self, t: int) -> Exact:
        """φ'(s_t), as the tape recorded it for the equation h_t = φ(s_t)."""
        gr = self.tape.gradients.get(self.s[t - 1].name or "")
        return dict(gr.terms).get(self.h[t - 1].name or "", Fraction(0)) if gr else Fraction(0)

    def G(self, t: int) -> Exact:
        """∂y/∂h_t."""
        return self.grad(self.h0 if t == 0 else self.h[t - 1])

    def key(self, name: str) -> Exact:
        return self.y.data if name == "y" else self.grad(getattr(self, name[4:]))  # dy_du -> u


def _run(h0: Fraction, u: Fraction, w: Fraction, v: Fraction, xs: list[Fraction], activation: str) -> _Rnn:
    t = Tape()
    h0_n, u_n, w_n, v_n = (t.leaf(n, val) for n, val in (("h_{0}", h0), ("u", u), ("w", w), ("v", v)))
    x_n = [t.leaf(f"x_{{{i + 1}}}", val) for i, val in enumerate(xs)]
    s_n, h_n = [], []
    h = h0_n
    for i, x in enumerate(x_n):
        s = t.let(f"s_{{{i + 1}}}", u_n * h + w_n * x)
        h = t.let(f"h_{{{i + 1}}}", getattr(s, activation)())
        s_n.append(s)
        h_n.append(h)
    y = t.let("y", v_n * h)
    t.backward(y)
    return _Rnn(t, activation, h0_n, u_n, w_n, v_n, x_n, s_n, h_n, y)


def _read(raw: Any) -> tuple[dict[str, Any], _Rnn]:
    """Validate the params and run the network (no text)."""
    p = Params(ID, raw, PARAMS)
    h0 = p.number("h0", 0, lo=-LIMIT, hi=LIMIT)
    u = p.number("u", lo=-LIMIT, hi=LIMIT)
    w = p.number("w", lo=-LIMIT, hi=LIMIT)
    v = p.number("v", lo=-LIMIT, hi=LIMIT)
    given = p.get("x")
    if not isinstance(given, list) or not 1 <= len(given) <= MAX_STEPS:
        raise p.fail("x", f"a list of 1 to {MAX_STEPS} numbers, one input per time step")
    xs = p.vector("x")
    if any(abs(x) > LIMIT for x in xs):
        raise p.fail("x", f"a list of numbers between -{LIMIT} and {LIMIT}")
    activation = p.choice("activation", ACTIVATIONS, "relu")
    if activation == "tanh" and len(xs) > MAX_TANH_STEPS:
        raise p.error("x", f"may have at most {MAX_TANH_STEPS} time steps with activation \"tanh\" "
                      f"(its exact key grows with every step), got {len(xs)}: {show(given)}")
    return p.finish(), _run(h0, u, w, v, xs, activation)


def build(raw: Any) -> Question:
    params, net = _read(raw)
    T = net.steps
    parts = (
        Part("h", "vector", [answer(net.H(t)) for t in range(1, T + 1)], 2,
             "The hidden states $h_1, \\dots, h_T$, in order"),
        Part("y", "number", answer(net.key("y")), 1, "The output at the last step, $y = y_T = v\\,h_T$"),
        Part("dy_du", "number", answer(net.key("dy_du")), 2,
             "$\\partial y/\\partial u$ (the recurrent weight)"),
        Part("dy_dw", "number", answer(net.key("dy_dw")), 2,
             "$\\partial y/\\partial w$ (the input weight)"),
        Part("dy_dh0", "number", answer(net.key("dy_dh0")), 1,
             "$\\partial y/\\partial h_0$ (the initial state)"),
    )
    return Question(
        topic=ID, title=TITLE, params=params, prompt=_prompt(net), parts=parts,
        solution=_solution(net), calculator=net.activation == "tanh",
    )


# -- text -----------------------------------------------------------------------------
# tex.num(x) prints a result (an irrational one with its decimal beside);
# tex.num(x, paren=True, approx=False) a number substituted after an operator.

def _d(name: str) -> str:
    return rf"\frac{{\partial y}}{{\partial {name}}}"


def _prompt(net: _Rnn) -> str:
    phi = {
        "relu": r"$\phi = \mathrm{ReLU}$ (take $\mathrm{ReLU}'(0) = 0$, as PyTorch does)",
        "tanh": r"$\phi = \tanh$",
        "linear": r"$\phi$ the identity (a linear RNN)",
    }[net.activation]
    xs = ",\\ ".join(tex.num(x.data, approx=False) for x in net.x)
    T = net.steps
    inputs = (f"the inputs $x_1, \\dots, x_{{{T}}} = {xs}$, one per time step, and computes for "
              f"$t = 1, \\dots, {T}$" if T > 1 else f"a single input $x_1 = {xs}$ and computes for $t = 1$")
    return (
        f"A recurrent network with a single hidden unit and no biases reads {inputs}\n\n"
        r"$$s_t = u\,h_{t-1} + w\,x_t, \qquad h_t = \phi(s_t), \qquad y_t = v\,h_t,$$"
        f"\n\nwith {phi}, recurrent weight $u = {tex.num(net.u.data)}$, input weight "
        f"$w = {tex.num(net.w.data)}$, output weight $v = {tex.num(net.v.data)}$ and initial state "
        f"$h_0 = {tex.num(net.h0.data)}$.\n\n"
        f"Compute the hidden states, the output of the last step $y = y_{{{net.steps}}}$, and — by "
        "backpropagation through time — the gradients of that output (only $y_T$, not a sum over "
        "the steps) with respect to $u$, $w$ and $h_0$."
    )


def _solution(net: _Rnn) -> tuple[Step, ...]:
    steps = (
        ("Forward pass", _forward(net)),
        ("Backpropagation through time", _backward(net)),
        ("Summing over the steps", _sums(net)),
        ("Why the gradient fades, grows or stops", _why(net)),
        ("Convention", _convention(net)),
    )
    # an irrational result prints as "≈ 0.27", which takes the place of its "=" sign
    return tuple(Step(title, text.replace(r"= \approx", r"\approx")) for title, text in steps)


def _forward(net: _Rnn) -> str:
    """The tape's own equations, formula = numbers = value, one line per step."""
    eqs = {e.name: e for e in net.tape.equations}
    lines = []
    for t in range(1, net.steps + 1):
        s, h = eqs[f"s_{{{t}}}"], eqs[f"h_{{{t}}}"]
        line = f"$t = {t}$: ${tex.equation(s)}$, so ${tex.equation(h)}$"
        if net.activation == "relu" and not ex.positive(s.value):
            line += r" (the unit is off)"
        lines.append(line + ".")
    T = net.steps
    lines.append(f"Output: $y = v\\,h_{{{T}}} = {_product(net.v.data, net.H(T))} = {tex.num(net.key('y'))}$.")
    return "  \n".join(lines)


def _phi_prime(net: _Rnn, t: int) -> str:
    """The line that says what φ'(s_t) is and why."""
    s = net.s[t - 1].data
    if net.activation == "relu":
        if ex.positive(s):
            return rf"$s_{{{t}}} > 0$, so $\phi'(s_{{{t}}}) = 1$: the step passes the gradient on"
        return (rf"$s_{{{t}}} = {tex.num(s)} \le 0$, so $\phi'(s_{{{t}}}) = 0$: the step is dead "
                "and no gradient flows through it to earlier steps")
    if net.activation == "tanh":
        h = tex.num(net.H(t), paren=True, approx=False)
        return rf"$\phi'(s_{{{t}}}) = 1 - h_{{{t}}}^2 = 1 - {h}^2 = {tex.num(net.D(t))}$"
    return rf"the identity has $\phi'(s_{{{t}}}) = 1$"


def _product(*factors: Exact) -> str:
    """a · b · c with each factor substituted (bracketed when negative or compound)."""
    return r" \cdot ".join(tex.num(f, paren=True, approx=False) for f in factors)


def _backward(net: _Rnn) -> str:
    T, u = net.steps, net.u.data
    intro = (r"The gradient enters at the last state and is passed back one step at a time: "
             rf"${_d('h_{t-1}')} = {_d('h_t')}\,\phi'(s_t)\,u$.")
    lines = [f"${_d(f'h_{{{T}}}')} = v = {tex.num(net.v.data)}$."]
    for t in range(T, 0, -1):
        lines.append(
            f"*Step {t}:* {_phi_prime(net, t)}; "
            f"${_d(f'h_{{{t - 1}}}')} = {_d(f'h_{{{t}}}')}\\,\\phi'(s_{{{t}}})\\,u = "
            f"{_product(net.G(t), net.D(t), u)} = {tex.num(net.G(t - 1))}$."
        )
    return intro + "\n\n" + "  \n".join(lines)


def _sum_line(net: _Rnn, name: str, inputs: list[Exact], symbol: str) -> str:
    """∂y/∂q = Σ_t ∂y/∂h_t · φ'(s_t) · (what q multiplies at step t), every term substituted."""
    terms = [_product(net.G(t), net.D(t), src) for t, src in enumerate(inputs, 1)]
    numbers = " + ".join(f"({term})" if len(terms) > 1 else term for term in terms)
    formula = rf"{_d(name)} = \sum_{{t=1}}^{{{net.steps}}} {_d('h_t')}\,\phi'(s_t)\,{symbol}"
    return f"${tex.join_equal([formula, numbers, tex.num(net.key(f'dy_d{name}'))])}$"


def _sums(net: _Rnn) -> str:
    T = net.steps
    return (
        "The same $u$ and $w$ are used at every step, so each step adds one term: step $t$ "
        "multiplies $u$ by $h_{t-1}$ and $w$ by $x_t$.\n\n"
        + _sum_line(net, "u", [net.H(t - 1) for t in range(1, T + 1)], "h_{t-1}") + "\n\n"
        + _sum_line(net, "w", [x.data for x in net.x], "x_t") + "\n\n"
        + f"The initial state enters only step 1: ${_d('h_0')} = {tex.num(net.key('dy_dh0'))}$ "
        "(the last line of the backward pass)."
    )


def _why(net: _Rnn) -> str:
    u = net.u.data
    factors = [f"step {t}: ${_product(u, net.D(t))} = {tex.num(ex.mul(u, net.D(t)))}$"
               for t in range(net.steps, 0, -1)]
    text = (
        r"Each step back multiplies the gradient by $u\,\phi'(s_t)$ (" + "; ".join(factors) + "), so "
        rf"${_d('h_0')} = v \prod_t u\,\phi'(s_t)$. When $|u\,\phi'(s_t)| < 1$ step after step, the "
        "product shrinks geometrically and early inputs barely move the output's gradient "
        "(vanishing gradients); when it is $> 1$ the product grows geometrically (exploding gradients)."
    )
    if net.activation == "tanh":
        text += r" With $\tanh$, $\phi'(s) = 1 - \tanh^2 s \le 1$, and it is tiny once $|s|$ is large."
    if net.activation == "relu":
        dead = [t for t in range(1, net.steps + 1) if not ex.positive(net.s[t - 1].data)]
        if dead:
            last = dead[-1]
            earlier = {1: "step 1 adds", 2: "steps 1 and 2 add"}.get(last, f"steps 1 to {last} add")
            text += (
                f"\n\nStep {last} is dead ($s_{{{last}}} \\le 0$, $\\mathrm{{ReLU}}'(s_{{{last}}}) = 0$), "
                f"so the factor is 0 there: ${_d(f'h_{{{last - 1}}}')} = 0$, nothing reaches the earlier "
                f"states, and {earlier} nothing to $\\partial y/\\partial u$ and "
                "$\\partial y/\\partial w$."
            )
            if last == net.steps:
                text += " As the dead step is the last one, every gradient of $y$ is 0."
    return text


def _convention(net: _Rnn) -> str:
    text = (
        r"$y$ is the output of the last step only, $y_T = v\,h_T$; the earlier outputs $y_t$ play no part "
        "in its gradient. The most common slip is to keep only the last step's term of "
        r"$\partial y/\partial u$ or $\partial y/\partial w$: the weights are shared over time, so every "
        "step contributes."
    )
    if net.activation == "relu":
        text += r" At $s_t = 0$ exactly we take $\mathrm{ReLU}'(0) = 0$, as PyTorch does."
    return text


# -- seeded variants -------------------------------------------------------------------

_U = [-1, -0.5, 0.5, 1, 1.5, 2, -2]
_W = [-1, 1, 2, 0.5, -0.5, 1.5, 3]
_V = [1, 2, -1, 0.5, 3, -2]
_H0 = [0, 1, -1, 0.5, 2]
_X = [-2, -1, 0, 1, 2, 3]


def draw(rng: random.Random) -> dict[str, Any]:
    """A ReLU (70%) or linear network; for ReLU, either every step on or an earlier step off
    with the last one on. Candidates over DECIMALS or too large are redrawn."""
    activation = "relu" if rng.random() < 0.7 else "linear"
    want_dead = activation == "relu" and rng.random() < 0.45
    while True:
        steps = rng.choice([2, 3, 3, 4])
        params = {
            "h0": rng.choice(_H0), "u": rng.choice(_U), "w": rng.choice(_W), "v": rng.choice(_V),
            "x": [rng.choice(_X) for _ in range(steps)], "activation": activation,
        }
        keys, on = _quick(params)
        if activation == "relu" and (not on[-1] or (not all(on)) != want_dead):
            continue
        if all(abs(k) <= 100 and _places(k) <= DECIMALS for k in keys):
            return params


def _quick(params: dict[str, Any]) -> tuple[list[float], list[bool]]:
    """The key's numbers and which steps are on: a cheap filter for candidate variants (the
    tape in `build` computes the key itself). Floats are exact here: every pool value is a
    multiple of ½, so each number is a short dyadic fraction, far inside float precision."""
    u, w, v, xs = params["u"], params["w"], params["v"], params["x"]
    relu = params["activation"] == "relu"
    hs, on = [params["h0"]], []
    for x in xs:
        s = u * hs[-1] + w * x
        on.append(s > 0 or not relu)
        hs.append(s if on[-1] else 0)
    g, du, dw = v, 0.0, 0.0
    for t in range(len(xs), 0, -1):
        delta = g if on[t - 1] else 0
        du += delta * hs[t - 1]
        dw += delta * xs[t - 1]
        g = delta * u
    return [*hs[1:], v * hs[-1], du, dw, g], on


def _places(x: float) -> int:
    """Decimal places of a dyadic float k/2ⁿ: n (1/2 = 0.5, 1/8 = 0.125)."""
    return float(x).as_integer_ratio()[1].bit_length() - 1
