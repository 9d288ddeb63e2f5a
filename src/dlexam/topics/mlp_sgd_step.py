"""mlp.sgd_step — one forward pass, backward pass and SGD update of a small MLP.

Convention: weights are given as PyTorch stores them, one matrix per layer with a row
per output unit (W[i][j] connects input j to unit i), so z = W·a_prev + b. Hidden layers
use `activation`, the last layer `output_activation`. Losses: "half_mse" = ½Σ(y−ŷ)²
(summed; the ½ cancels the 2 of the derivative), "mse" = the mean of (y−ŷ)² as
nn.MSELoss, "bce" = mean binary cross-entropy of sigmoid outputs as nn.BCELoss, "ce" =
cross-entropy of softmax(z) with a 0-based class index as nn.CrossEntropyLoss. The step
is plain SGD: w ← w − η·∂L/∂w. ReLU'(0) = 0 and step'(z) = 0, as PyTorch.

Hand-computable promise (seeded variants): 2-2-1, 2-3-1, 3-2-1 or 2-2-2 networks with
ReLU hidden units, a linear output and the ½-MSE loss; weights are multiples of ½ (or
tenths), inputs small integers, and every number in the key is a terminating decimal
with at most 4 decimal places.

Error carried forward: a part is checked again against the key recomputed from the
student's own earlier values. `z` is chained (layer l + 1 from W·act(the student's layer
l) + b); `a` depends on `z` (act of the student's z); `loss` on `a` (the loss of the
student's ŷ); `grad_weights` and `grad_biases` on `z` and `a` (backprop with ReLU′ and step′
taken at the student's z, σ′ = a(1 − a) and tanh′ = 1 − a² at the student's a, and the
student's a as each layer's input); `new_weights` on `grad_weights` and `new_biases` on
`grad_biases` (w − η · the student's gradient). A wrong layer that is all 0, all 1 or a copy
of x (for a gradient: of that layer's W or b) is trivial and nothing is carried from it.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine import Exact, Tape, Value
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, parse_number, show

ID = "mlp.sgd_step"
TITLE = "One SGD step on a small MLP"
PARAMS: dict[str, Any] = {
    "weights": REQUIRED,
    "biases": None,  # None: every bias is 0
    "activation": "relu",
    "output_activation": "linear",
    "x": REQUIRED,
    "y": REQUIRED,
    "loss": "half_mse",
    "lr": REQUIRED,
}
DECIMALS = 4

ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear", "step")
LOSSES = ("half_mse", "mse", "bce", "ce")
MAX_UNITS = 8  # per layer: the key is worked by hand, line by line
MAX_LAYERS = 4

_ACT_TEX = {"relu": r"\mathrm{ReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh", "step": r"\mathrm{step}"}


def build(raw: Any) -> Question:
    s = _just_drawn.pop(_key(raw), None) or _solve(raw)
    net = s.net
    parts = (
        Part("z", "list", answer(net.values(net.z)), 1,
             "Pre-activations $z$ of every layer (one list per layer)", chained=True),
        Part("a", "list", answer(net.values(net.a)), 1,
             "Activations $a$ of every layer (the last one is the output $\\hat y$)", depends_on=("z",)),
        Part("loss", "number", answer(s.loss_node.data), 1, "The loss $L$", depends_on=("a",)),
        Part("grad_weights", "list", answer(s.grad_w), 2,
             "$\\partial L/\\partial W$ for every layer (same layout as the weights)", depends_on=("z", "a")),
        Part("grad_biases", "list", answer(s.grad_b), 1, "$\\partial L/\\partial b$ for every layer",
             depends_on=("z", "a")),
        Part("new_weights", "list", answer(s.new_w), 1, "The weights after one SGD step",
             depends_on=("grad_weights",)),
        Part("new_biases", "list", answer(s.new_b), 1, "The biases after one SGD step",
             depends_on=("grad_biases",)),
    )
    rational = all(isinstance(v, Fraction) for v in _flatten([s.grad_w, s.loss_node.data]))
    return Question(
        topic=ID,
        title=TITLE,
        params=s.params,
        prompt=_prompt(net, s.loss, s.y, s.lr),
        parts=parts,
        solution=_solution(net, s.loss, s.lr, s.new_w, s.new_b),
        calculator=not rational,
    )


def follow_through(params: Any, part_id: str, given: dict[str, Any]) -> Any | None:
    """Error carried forward (see the module docstring and _mlp_follow)."""
    from ._mlp_follow import follow

    return follow(params, part_id, given)


@dataclass
class _Solved:
    params: dict[str, Any]
    net: _Network
    loss: str
    y: Any
    lr: Fraction
    loss_node: Value
    grad_w: list[list[list[Exact]]]
    grad_b: list[list[Exact]]
    new_w: list[list[list[Exact]]]
    new_b: list[list[Exact]]


def _solve(raw: Any) -> _Solved:
    """Validate the params and compute every number of the key (no text)."""
    p = Params(ID, raw, PARAMS)
    weights = _weights(p)
    sizes = [len(weights[0][0])] + [len(w) for w in weights]
    biases = _biases(p, sizes)
    activation = p.choice("activation", ACTIVATIONS, "relu")
    output_activation = p.choice("output_activation", ACTIVATIONS, "linear")
    x = p.vector("x", length=sizes[0])
    loss = p.choice("loss", LOSSES, "half_mse")
    y = _target(p, loss, sizes[-1])
    lr = p.number("lr", lo=0, lo_open=True)
    if loss == "ce" and output_activation != "linear":
        raise p.error(
            "output_activation",
            'must be "linear" with loss "ce": the softmax is part of '
            "the cross-entropy, as in nn.CrossEntropyLoss",
        )
    if loss == "bce" and output_activation != "sigmoid":
        raise p.error("output_activation", 'must be "sigmoid" with loss "bce", so outputs lie in (0, 1)')

    net = _Network(weights, biases, activation, output_activation, x)
    loss_node = net.loss(loss, y)
    net.tape.backward(loss_node)
    grad_w = [[[_grad(net, w.label) for w in row] for row in layer] for layer in net.w]
    grad_b = [[_grad(net, b.label) for b in layer] for layer in net.b]
    new_w = [[[_sgd(w.data, lr, _grad(net, w.label)) for w in row] for row in layer] for layer in net.w]
    new_b = [[_sgd(b.data, lr, _grad(net, b.label)) for b in layer] for layer in net.b]
    return _Solved(p.finish(), net, loss, y, lr, loss_node, grad_w, grad_b, new_w, new_b)


def _sgd(w: Exact, lr: Fraction, grad: Exact) -> Exact:
    return ex.add(w, -ex.mul(lr, grad))


# -- params ---------------------------------------------------------------------------


def _weights(p: Params) -> list[list[list[Fraction]]]:
    raw = p.get("weights")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LAYERS:
        raise p.fail(
            "weights",
            f"a list of 1 to {MAX_LAYERS} weight matrices, one per layer, each a list of rows [out][in]",
        )
    layers = []
    for l, w in enumerate(raw):
        fan_in = len(raw[l - 1]) if l and isinstance(raw[l - 1], list) else None
        ok = isinstance(w, list) and 1 <= len(w) <= MAX_UNITS and all(isinstance(r, list) for r in w)
        if ok:
            width = len(w[0])
            ok = 1 <= width <= MAX_UNITS and all(len(r) == width for r in w)
            ok = ok and (fan_in is None or width == fan_in)
        if not ok:
            need = f"{fan_in} columns (one per unit of layer {l})" if fan_in else "rows of equal length"
            raise p.error(
                "weights",
                f"layer {l + 1} must be a matrix of at most {MAX_UNITS}×{MAX_UNITS} "
                f"numbers with {need}, got {show(w)}",
            )
        try:
            layers.append([[parse_number(v) for v in row] for row in w])
        except ValueError:
            raise p.error(
                "weights", f"layer {l + 1} holds something that is not a number: {show(w)}"
            ) from None
    return layers


def _biases(p: Params, sizes: list[int]) -> list[list[Fraction]]:
    raw = p.get("biases", None)
    if raw is None:
        p.read["biases"] = [[0] * n for n in sizes[1:]]
        return [[Fraction(0)] * n for n in sizes[1:]]
    try:
        if not isinstance(raw, list) or len(raw) != len(sizes) - 1:
            raise ValueError
        out = []
        for b, n in zip(raw, sizes[1:], strict=True):
            if not isinstance(b, list) or len(b) != n:
                raise ValueError
            out.append([parse_number(v) for v in b])
        return out
    except ValueError:
        counts = ", ".join(map(str, sizes[1:]))
        raise p.fail("biases", f"one list of numbers per layer, of lengths {counts}") from None


def _target(p: Params, loss: str, outputs: int) -> Any:
    if loss == "ce":
        if outputs < 2:
            raise p.error("loss", '"ce" needs at least 2 outputs (one logit per class)')
        return p.integer("y", lo=0, hi=outputs - 1)
    raw = p.get("y")
    try:  # a single output's target may be given as a bare number
        y = [parse_number(v) for v in (raw if isinstance(raw, list) else [raw])]
        if len(y) != outputs:
            raise ValueError
    except ValueError:
        raise p.fail("y", f"{outputs} target number(s), one per output") from None
    if loss == "bce" and any(not 0 <= t <= 1 for t in y):
        raise p.fail("y", "targets between 0 and 1 for the binary cross-entropy")
    return y


def _flatten(v: Any) -> list[Any]:
    if isinstance(v, list):
        return [x for item in v for x in _flatten(item)]
    return [v]


# -- the network on a tape --------------------------------------------------------------


class _Network:
    """The MLP written onto a Tape with the names a key uses: x_j, w^{(l)}_{ij}, b^{(l)}_i,
    z^{(l)}_i, a^{(l)}_i and, for the output layer, ŷ_i."""

    def __init__(
        self,
        weights: list[list[list[Fraction]]],
        biases: list[list[Fraction]],
        activation: str,
        output_activation: str,
        x: list[Fraction],
    ) -> None:
        self.tape = t = Tape()
        self.depth = len(weights)
        self.activations = [activation] * (self.depth - 1) + [output_activation]
        self.outputs = len(weights[-1])
        self.x = [t.leaf(f"x_{{{j + 1}}}", v) for j, v in enumerate(x)]
        self.w = [
            [
                [t.leaf(f"w^{{({l + 1})}}_{{{i + 1}{j + 1}}}", v) for j, v in enumerate(row)]
                for i, row in enumerate(layer)
            ]
            for l, layer in enumerate(weights)
        ]
        self.b = [
            [t.leaf(f"b^{{({l + 1})}}_{{{i + 1}}}", v) for i, v in enumerate(layer)]
            for l, layer in enumerate(biases)
        ]
        self.z: list[list[Value]] = []
        self.a: list[list[Value]] = []
        prev = self.x
        for l in range(self.depth):
            zs, as_ = [], []
            for i, row in enumerate(self.w[l]):
                s: Value = row[0] * prev[0]
                for w, a in zip(row[1:], prev[1:], strict=True):
                    s = s + w * a
                z = t.let(f"z^{{({l + 1})}}_{{{i + 1}}}", s + self.b[l][i])
                zs.append(z)
                as_.append(t.let(self.a_name(l, i), _activate(z, self.activations[l])))
            self.z.append(zs)
            self.a.append(as_)
            prev = as_

    def a_name(self, l: int, i: int) -> str:
        if l < self.depth - 1:
            return f"a^{{({l + 1})}}_{{{i + 1}}}"
        return r"\hat y" if self.outputs == 1 else rf"\hat y_{{{i + 1}}}"

    def values(self, layers: list[list[Value]]) -> list[list[Exact]]:
        return [[v.data for v in layer] for layer in layers]

    def loss(self, kind: str, y: Any) -> Value:
        out = self.a[-1]
        t = self.tape
        if kind == "ce":
            exps = [z.exp() for z in out]
            total = exps[0]
            for e in exps[1:]:
                total = total + e
            p = t.let(rf"p_{{{y + 1}}}", exps[y] / total)
            return t.let("L", -p.log())
        terms = []
        for i, (yh, target) in enumerate(zip(out, y, strict=True)):
            name = "y" if self.outputs == 1 else f"y_{{{i + 1}}}"
            target_node = t.leaf(name, target)
            if kind == "bce":
                terms.append(-(target_node * yh.log() + (1 - target_node) * (1 - yh).log()))
            else:
                terms.append((target_node - yh) ** 2)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        divisor = 2 if kind == "half_mse" else len(terms)
        return t.let("L", total / divisor if divisor != 1 else total)


def _activate(z: Value, name: str) -> Value:
    return getattr(z, name)()


# -- text -----------------------------------------------------------------------------

_LOSS_TEX = {  # the formula, and what it means in PyTorch terms
    "half_mse": (r"L = \tfrac12 \sum_i (y_i - \hat y_i)^2", "the halved sum of squared errors"),
    "mse": (r"L = \tfrac1m \sum_i (y_i - \hat y_i)^2", "the mean over the $m$ outputs, as nn.MSELoss"),
    "bce": (
        r"L = -\tfrac1m \sum_i \big(y_i \log \hat y_i + (1 - y_i)\log(1 - \hat y_i)\big)",
        "the mean binary cross-entropy, as nn.BCELoss",
    ),
    "ce": (r"L = -\log \mathrm{softmax}(z)_y", "nn.CrossEntropyLoss on the output logits"),
}


def _prompt(net: _Network, loss: str, y: Any, lr: Fraction) -> str:
    sizes = [len(net.x)] + [len(layer) for layer in net.w]
    lines = [
        f"A fully connected network with layer sizes {'–'.join(map(str, sizes))} computes "
        r"$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$ with $a^{(0)} = x$. " + _act_sentence(net),
        "",
        "Its parameters ($W^{(l)}_{ij}$ connects unit $j$ of the layer below to unit $i$):",
        "",
    ]
    for l in range(net.depth):
        w = tex.vec([[v.data for v in row] for row in net.w[l]])
        b = tex.vec([[v.data] for v in net.b[l]])
        lines.append(f"- $W^{{({l + 1})}} = {w}$, $b^{{({l + 1})}} = {b}$")
    if loss == "ce":
        target = f"class $y = {y}$ (0-based)"
    else:
        target = f"target $y = {tex.num(y[0]) if len(y) == 1 else tex.vec(y)}$"
    lines += [
        "",
        f"For the input $x = {tex.vec([v.data for v in net.x])}$ with {target}, the loss is "
        f"${_LOSS_TEX[loss][0]}$ ({_LOSS_TEX[loss][1]}). Do one forward pass, one backward pass, "
        "and one step of plain "
        rf"gradient descent, $w \leftarrow w - \eta\, \partial L/\partial w$, with $\eta = {tex.num(lr)}$.",
    ]
    return "\n".join(lines)


def _act_sentence(net: _Network) -> str:
    hidden, output = net.activations[0], net.activations[-1]
    out = "the identity (a linear output)" if output == "linear" else f"${_ACT_TEX[output]}$"
    if net.depth == 1:
        return f"The output activation is {out}."
    hid = "the identity" if hidden == "linear" else f"${_ACT_TEX[hidden]}$"
    kink = r" (take $\mathrm{ReLU}'(0) = 0$, as PyTorch does)" if hidden == "relu" else ""
    return f"Hidden units use {hid}{kink}; the output activation is {out}."


def _solution(net: _Network, loss: str, lr: Fraction, new_w: list[Any], new_b: list[Any]) -> tuple[Step, ...]:
    t = net.tape
    eqs = {e.name: e for e in t.equations}
    forward = []
    for l in range(net.depth):
        label = "Output layer" if l == net.depth - 1 else f"Layer {l + 1}"
        lines = [f"*{label}.*"]
        for z, a in zip(net.z[l], net.a[l], strict=True):
            lines.append(f"${tex.equation(eqs[z.label])}$, so ${tex.equation(eqs[a.label])}$.")
        forward.append("  \n".join(lines))
    return (
        Step("Forward pass", "\n\n".join(forward)),
        Step("Loss", f"${_LOSS_TEX[loss][0]}$, so ${tex.equation(eqs['L'])}$."),
        Step("Backward pass", "\n\n".join(_backward(net, loss))),
        Step(f"Update (η = {tex.num(lr)})", _update(net, lr, new_w, new_b)),
        Step("Convention", _convention(loss)),
    )


def _grad(net: _Network, name: str) -> Exact:
    g = net.tape.gradients.get(name)
    return g.value if g else Fraction(0)


def _d(name: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def _backward(net: _Network, loss: str) -> list[str]:
    """The backward pass as a key writes it: the output error, then layer by layer
    δ = upstream · act'(z), ∂L/∂w = δ · input, ∂L/∂b = δ, and the sum sent further back."""
    num, g = tex.num, lambda v: _grad(net, v.label)

    def sub(x: Exact) -> str:  # a number substituted into a formula
        return tex.num(x, paren=True, approx=False)

    lines = []
    for i, yh in enumerate(net.a[-1]):
        if loss == "half_mse":
            y = net.tape.leaves["y" if net.outputs == 1 else f"y_{{{i + 1}}}"]
            lines.append(
                f"${_d(yh.label)} = {yh.label} - {y.label} = {num(yh.data)} - {sub(y.data)} = {num(g(yh))}$"
            )
        else:
            upstream = {n: gr.value for n, gr in net.tape.gradients.items()}
            lines.append(f"${tex.gradient(net.tape.gradients[yh.label], 'L', upstream)}$")
    for l in reversed(range(net.depth)):
        prev = net.x if l == 0 else net.a[l - 1]
        label = "the output layer" if l == net.depth - 1 else f"layer {l + 1}"
        block = [f"*Through {label}.*"]
        for i, (z, a) in enumerate(zip(net.z[l], net.a[l], strict=True)):
            local = (
                dict(net.tape.gradients[z.label].terms).get(a.label, Fraction(0))
                if z.label in net.tape.gradients
                else Fraction(0)
            )
            why = _why(net.activations[l], z, a)
            block.append(
                f"${_d(z.label)} = {_d(a.label)} \\cdot {_act_prime(net.activations[l], z.label)}"
                f" = {sub(g(a))} \\cdot {sub(local)} = {num(g(z))}$" + (f" ({why})" if why else "")
            )
            grads = ", ".join(
                f"${_d(w.label)} = {_d(z.label)} \\cdot {src.label} = {sub(g(z))} \\cdot "
                f"{sub(src.data)} = {num(g(w))}$"
                for w, src in zip(net.w[l][i], prev, strict=True)
            )
            block.append(f"{grads}; ${_d(net.b[l][i].label)} = {_d(z.label)} = {num(g(net.b[l][i]))}$.")
        if l > 0:
            for j, src in enumerate(prev):
                terms = [(z, net.w[l][i][j]) for i, z in enumerate(net.z[l])]
                symbolic = " + ".join(f"{_d(z.label)} {w.label}" for z, w in terms)
                numbers = " + ".join(f"{sub(g(z))} \\cdot {sub(w.data)}" for z, w in terms)
                block.append(f"${_d(src.label)} = {symbolic} = {numbers} = {num(g(src))}$")
        lines.append("  \n".join(block))
    return [line.replace("= \\approx", "\\approx") for line in lines]


def _act_prime(act: str, z: str) -> str:
    return {
        "relu": rf"\mathrm{{ReLU}}'({z})",
        "sigmoid": rf"\sigma'({z})",
        "tanh": rf"\tanh'({z})",
        "step": rf"\mathrm{{step}}'({z})",
        "linear": "1",
    }[act]


def _why(act: str, z: Value, a: Value) -> str:
    """Why an activation's derivative is what it is: the place students slip."""
    if act == "relu":
        if ex.positive(z.data):
            return f"${z.label} > 0$, so the ReLU passes the gradient through"
        return (
            f"${z.label} \\le 0$, so $\\mathrm{{ReLU}}' = 0$: the unit is off for this input and "
            "no gradient flows back through it"
        )
    if act == "step":
        return "the step function is flat, so its derivative is 0 and nothing flows back"
    if act == "sigmoid":
        return f"$\\sigma'({z.label}) = {a.label}(1 - {a.label})$"
    if act == "tanh":
        return f"$\\tanh'({z.label}) = 1 - {a.label}^2$"
    return ""


def _update(net: _Network, lr: Fraction, new_w: list[Any], new_b: list[Any]) -> str:
    """One line per parameter that moves; the ones with zero gradient are listed once."""
    moved, still = [], []
    for l in range(net.depth):
        for i, row in enumerate(net.w[l]):
            params = [(w, new_w[l][i][j]) for j, w in enumerate(row)] + [(net.b[l][i], new_b[l][i])]
            for node, new in params:
                grad = _grad(net, node.label)
                if grad == 0:
                    still.append(f"${node.label}$")
                    continue
                moved.append(
                    f"${node.label} \\leftarrow {tex.num(node.data, approx=False)} - "
                    f"{tex.num(lr)} \\cdot {tex.num(grad, paren=True, approx=False)} = "
                    f"{tex.num(new)}$"
                )
    text = "  \n".join(moved)
    if still:
        text += ("\n\n" if moved else "") + "Zero gradient, so unchanged: " + ", ".join(still) + "."
    return text


def _convention(loss: str) -> str:
    if loss == "half_mse":
        return (
            r"The loss carries a $\tfrac12$, so $\partial L/\partial \hat y = \hat y - y$. "
            r"With the plain squared error $(y - \hat y)^2$ every gradient would double."
        )
    if loss == "mse":
        return (
            r"nn.MSELoss averages over the outputs, so $\partial L/\partial \hat y_i = "
            r"\tfrac2m(\hat y_i - y_i)$; a summed loss would not divide by $m$."
        )
    if loss == "bce":
        return (
            r"With a sigmoid output and the binary cross-entropy, $\partial L/\partial z = "
            r"\tfrac1m(\hat y - y)$: the sigmoid's derivative cancels."
        )
    return (
        r"The cross-entropy takes logits: $\partial L/\partial z_k = \mathrm{softmax}(z)_k - "
        r"[k = y]$. Do not apply a softmax before it as well."
    )


# -- seeded variants -------------------------------------------------------------------


def draw(rng: random.Random) -> dict[str, Any]:
    """A ReLU/linear network with ½-MSE, at least one hidden unit on, and a target chosen
    so the output error ŷ − y is a nonzero multiple of ½. The key's decimals are then
    checked on the solved question; the rare candidate over DECIMALS is redrawn."""
    while True:
        params = _candidate(rng)
        s = _solve(params)
        numbers = _flatten([s.net.values(s.net.z), s.loss_node.data, s.grad_w, s.grad_b, s.new_w, s.new_b])
        if all(_places(v) <= DECIMALS for v in numbers):
            _just_drawn[_key(params)] = s
            while len(_just_drawn) > 8:
                _just_drawn.pop(next(iter(_just_drawn)))
            return params


# draw() has to solve a variant to check its decimals; build() takes that solution back
# once instead of solving the same params again (about twice as fast per seeded question)
_just_drawn: dict[str, _Solved] = {}


def _key(params: Any) -> str:
    try:
        return json.dumps(params, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        return ""


def _places(x: Exact) -> int:
    places = tex.decimal_places(x) if isinstance(x, Fraction) else None
    return 99 if places is None else places


_ARCHITECTURES = [(2, 2, 1), (2, 2, 1), (2, 3, 1), (3, 2, 1), (2, 2, 2)]
_HALVES = [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2]
_TENTHS = [-0.5, -0.3, -0.2, -0.1, 0.1, 0.2, 0.3, 0.4, 0.5]


def _candidate(rng: random.Random) -> dict[str, Any]:
    sizes = rng.choice(_ARCHITECTURES)
    halves = rng.random() < 0.75
    pool = _HALVES if halves else _TENTHS
    x = [rng.choice([-1, 1, 2, 0.5] if halves else [-1, 1, 2]) for _ in range(sizes[0])]
    while True:  # redraw until some hidden unit is on (so the gradient reaches layer 1)
        weights = [
            [[rng.choice(pool) for _ in range(n_in)] for _ in range(n_out)]
            for n_in, n_out in itertools.pairwise(sizes)
        ]
        biases = [
            [rng.choice([0, 0, 0.5, -0.5, 1] if halves else [0, 0, 0.1, -0.1]) for _ in range(n)]
            for n in sizes[1:]
        ]
        hidden, out = _relu_forward(weights, biases, x)
        if any(h > 0 for h in hidden) and all(abs(o) <= 4 for o in out):  # and outputs stay small
            break
    errors = [rng.choice([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2]) for _ in out]
    y = [_plain(o - Fraction(repr(e))) for o, e in zip(out, errors, strict=True)]
    return {
        "weights": weights,
        "biases": biases,
        "activation": "relu",
        "output_activation": "linear",
        "x": x,
        "y": y,
        "loss": "half_mse",
        "lr": rng.choice([0.1, 0.5, 1, 0.25]),
    }


def _relu_forward(
    weights: list[Any], biases: list[Any], x: list[Any]
) -> tuple[list[Fraction], list[Fraction]]:
    """The first hidden layer's activations and the linear output, exactly (no tape)."""
    a = [Fraction(repr(v)) for v in x]
    first: list[Fraction] = []
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = [
            sum((Fraction(repr(wij)) * aj for wij, aj in zip(row, a, strict=True)), Fraction(repr(bi)))
            for row, bi in zip(w, b, strict=True)
        ]
        a = z if l == len(weights) - 1 else [max(v, Fraction(0)) for v in z]
        if l == 0:
            first = a
    return first, a


def _plain(x: Fraction) -> int | float:
    """A short decimal as the JSON number a person would type."""
    return x.numerator if x.denominator == 1 else float(x)
