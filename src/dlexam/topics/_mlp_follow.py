"""Error carried forward for mlp.sgd_step: each part's key recomputed from the student's own
values of the parts it depends on (which parts those are: the topic's docstring).

    follow(params, "grad_weights", {"z": z, "a": a})  -> the gradients the student's z and a give

Local derivatives are taken at the student's values, as the worked solution writes them:
ReLU′ and step′ from the student's z, σ′ = a(1 − a) and tanh′ = 1 − a² from the student's a.
The output error comes from the student's ŷ (the last layer of a): (ŷ − y)·act′ for ½-MSE,
(2/m)(ŷ − y)·act′ for MSE, (ŷ − y)/m for BCE (the sigmoid's derivative cancels) and
softmax(ŷ) − onehot(y) for CE. Everything stays exact; the result is the part's JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..engine import Exact
from ..engine import exact as ex
from . import mlp_sgd_step as topic
from ._answers import answer
from ._follow import Unusable, numbers, trivial

__all__ = ["follow"]

_ZERO, _ONE = Fraction(0), Fraction(1)
Layers = list[list[Exact]]


def follow(params: Any, part_id: str, given: dict[str, Any]) -> Any | None:
    """The key of `part_id` from the student's values in `given`; None when it cannot be
    followed through (a value of the wrong size, a trivial layer, a log of 0)."""
    s = topic._solve(params)
    net = s.net
    w = [[[v.data for v in row] for row in layer] for layer in net.w]
    b = [[v.data for v in layer] for layer in net.b]
    x = [v.data for v in net.x]
    true_z, true_a = net.values(net.z), net.values(net.a)
    try:
        if part_id == "z":
            return answer(_chain_z(w, b, x, net.activations, given.get("z"), true_z))
        if part_id == "a":
            z = _forward("z", given, true_z, [x])
            return answer([[_act(f, v) for v in layer] for f, layer in zip(net.activations, z, strict=True)])
        if part_id == "loss":
            a = _forward("a", given, true_a, [x], only_last=True)
            return answer(_loss(s.loss, s.y, a[-1]))
        if part_id in ("grad_weights", "grad_biases"):
            z = _forward("z", given, true_z, [x])
            a = _forward("a", given, true_a, [x])
            gw, gb = _backprop(w, x, z, a, net.activations, s.loss, s.y)
            return answer(gw if part_id == "grad_weights" else gb)
        if part_id == "new_weights":
            g = _gradient(given.get("grad_weights"), s.grad_w, w)
            return answer([[[topic._sgd(w[l][i][j], s.lr, g[l][i][j]) for j in range(len(row))]
                            for i, row in enumerate(layer)] for l, layer in enumerate(w)])
        if part_id == "new_biases":
            g = _gradient(given.get("grad_biases"), s.grad_b, b)
            return answer([[topic._sgd(v, s.lr, g[l][i]) for i, v in enumerate(layer)]
                           for l, layer in enumerate(b)])
    except (Unusable, ZeroDivisionError):
        return None
    return None


def _forward(name: str, given: dict[str, Any], truth: Layers, copies: list[Any],
             only_last: bool = False) -> Layers:
    """The student's z or a, every layer the key's size; a wrong layer that is trivial (all 0,
    all 1, a copy of x) refuses the follow-through. `only_last`: only ŷ is used."""
    layers: Layers = numbers(given.get(name), truth)
    used = layers[-1:] if only_last else layers
    if any(trivial(mine, right, copies) for mine, right in zip(used, truth[-len(used):], strict=True)):
        raise Unusable(f"a layer of {name} is trivial")
    return layers


def _gradient(value: Any, truth: list[Any], params: list[Any]) -> Any:
    """The student's gradient; a wrong layer that is all 0, all 1 or a copy of the layer's own
    parameters (W or b) is trivial."""
    g = numbers(value, truth)
    if any(trivial(mine, right, [own]) for mine, right, own in zip(g, truth, params, strict=True)):
        raise Unusable("a layer of the gradient is trivial")
    return g


def _chain_z(w: list[Layers], b: Layers, x: list[Exact], acts: list[str], value: Any,
             truth: Layers) -> Layers:
    """z layer by layer: layer l + 1 from act(the student's z of layer l) when that layer is
    usable (the right size, not trivial), else from the key's own layer l."""
    mine = value if isinstance(value, list | tuple) else []
    key: Layers = []
    prev = x
    for l in range(len(w)):
        z = [_dot(row, prev, b[l][i]) for i, row in enumerate(w[l])]
        key.append(z)
        use = z
        if l < len(mine):
            try:
                student = numbers(mine[l], truth[l])
                if not trivial(student, z, [x]):
                    use = student
            except Unusable:
                pass
        prev = [_act(acts[l], v) for v in use]
    return key


def _dot(row: list[Exact], prev: list[Exact], bias: Exact) -> Exact:
    total = bias
    for wij, aj in zip(row, prev, strict=True):
        total = ex.add(total, ex.mul(wij, aj))
    return total


_ACT: dict[str, Callable[[Exact], Exact]] = {
    "relu": lambda v: v if ex.positive(v) else _ZERO,
    "step": lambda v: _ONE if ex.positive(v) else _ZERO,
    "linear": lambda v: v,
    "sigmoid": ex.sigmoid,
    "tanh": ex.tanh,
}


def _act(name: str, v: Exact) -> Exact:
    return _ACT[name](v)


def _act_prime(name: str, z: Exact, a: Exact) -> Exact:
    if name == "relu":
        return _ONE if ex.positive(z) else _ZERO
    if name == "step":
        return _ZERO
    if name == "sigmoid":
        return ex.mul(a, ex.add(_ONE, -a))
    if name == "tanh":
        return ex.add(_ONE, -ex.power(a, 2))
    return _ONE


def _softmax(logits: list[Exact]) -> list[Exact]:
    exps = [ex.exp(v) for v in logits]
    total = exps[0]
    for e in exps[1:]:
        total = ex.add(total, e)
    return [ex.div(e, total) for e in exps]


def _loss(kind: str, y: Any, out: list[Exact]) -> Exact:
    if kind == "ce":
        return -ex.log(_softmax(out)[y])
    terms: list[Exact] = []
    for yh, t in zip(out, y, strict=True):
        if kind == "bce":
            if not (ex.positive(yh) and ex.positive(ex.add(_ONE, -yh))):
                raise Unusable("the binary cross-entropy needs outputs strictly between 0 and 1")
            terms.append(-ex.add(ex.mul(t, ex.log(yh)), ex.mul(_ONE - t, ex.log(ex.add(_ONE, -yh)))))
        else:
            terms.append(ex.power(ex.add(t, -yh), 2))
    total = terms[0]
    for term in terms[1:]:
        total = ex.add(total, term)
    return ex.div(total, Fraction(2 if kind == "half_mse" else len(terms)))


def _output_error(kind: str, y: Any, z: list[Exact], a: list[Exact], act: str) -> list[Exact]:
    """∂L/∂z of the output layer at the student's z and ŷ = a."""
    m = Fraction(len(a))
    if kind == "ce":
        return [ex.add(p, -Fraction(int(k == y))) for k, p in enumerate(_softmax(a))]
    if kind == "bce":
        return [ex.div(ex.add(yh, -t), m) for yh, t in zip(a, y, strict=True)]
    scale = _ONE if kind == "half_mse" else 2 / m
    return [ex.mul(ex.mul(scale, ex.add(yh, -t)), _act_prime(act, zi, yh))
            for zi, yh, t in zip(z, a, y, strict=True)]


def _backprop(w: list[Layers], x: list[Exact], z: Layers, a: Layers, acts: list[str], kind: str,
              y: Any) -> tuple[list[Layers], Layers]:
    """∂L/∂W and ∂L/∂b of every layer, with δ carried back through the student's values."""
    depth = len(w)
    delta = _output_error(kind, y, z[-1], a[-1], acts[-1])
    gw: list[Layers] = [[] for _ in range(depth)]
    gb: Layers = [[] for _ in range(depth)]
    for l in reversed(range(depth)):
        prev = x if l == 0 else a[l - 1]
        gw[l] = [[ex.mul(d, p) for p in prev] for d in delta]
        gb[l] = list(delta)
        if l:
            back = [_dot([w[l][i][j] for i in range(len(delta))], delta, _ZERO) for j in range(len(prev))]
            delta = [ex.mul(g, _act_prime(acts[l - 1], zj, aj))
                     for g, zj, aj in zip(back, z[l - 1], a[l - 1], strict=True)]
    return gw, gb
