"""Exact reverse-mode differentiation with a tape of named quantities.

A `Value` is a node of an expression graph holding an exact number. Arithmetic on
values builds the graph, as in micrograd. A `Tape` adds what a worked solution needs:
names. `tape.leaf("x_{1}", 2)` introduces a named input; `tape.let("z_{1}", w*x + b)`
names a result and records it as one forward *equation*. Anonymous nodes inside an
equation (the products w*x) are part of that equation's expression.

`tape.backward(L)` then differentiates equation by equation, in reverse order: for
each named quantity it records which later equations used it and with what local
derivative, so a renderer can print ∂L/∂z₁ = ∂L/∂a₁ · ∂a₁/∂z₁ = ... with every factor.
Names are opaque strings to the engine (topics pass LaTeX symbols); the engine never
formats text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import exact as ex
from .exact import Exact

__all__ = ["Equation", "Gradient", "Tape", "Value"]

Number = int | Fraction | Any  # anything `exact()` accepts
_ZERO, _ONE, _MINUS_ONE = Fraction(0), Fraction(1), Fraction(-1)  # shared: built once, not per op


class Value:
    """One node of the graph: its exact value, the operation that made it and the
    local derivative of the result with respect to each parent."""

    __slots__ = ("data", "local", "name", "op", "parents")

    def __init__(
        self,
        data: Exact,
        op: str = "const",
        parents: tuple[Value, ...] = (),
        local: tuple[Exact, ...] = (),
        name: str | None = None,
    ) -> None:
        self.data = data
        self.op = op
        self.parents = parents
        self.local = local
        self.name = name

    @property
    def label(self) -> str:
        """The name of a named quantity (a tape leaf or a `tape.let` result)."""
        if self.name is None:
            raise ValueError("an anonymous node has no name")
        return self.name

    def __repr__(self) -> str:
        label = f"{self.name}=" if self.name else ""
        return f"Value({label}{self.data}, op={self.op!r})"

    # -- arithmetic ---------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        o = lift(other)
        return Value(ex.add(self.data, o.data), "add", (self, o), (_ONE, _ONE))

    def __radd__(self, other: Number) -> Value:
        return lift(other) + self

    def __sub__(self, other: Value | Number) -> Value:
        o = lift(other)
        return Value(ex.add(self.data, -o.data), "sub", (self, o), (_ONE, _MINUS_ONE))

    def __rsub__(self, other: Number) -> Value:
        return lift(other) - self

    def __neg__(self) -> Value:
        return Value(-self.data, "neg", (self,), (_MINUS_ONE,))

    def __mul__(self, other: Value | Number) -> Value:
        o = lift(other)
        return Value(ex.mul(self.data, o.data), "mul", (self, o), (o.data, self.data))

    def __rmul__(self, other: Number) -> Value:
        return lift(other) * self

    def __truediv__(self, other: Value | Number) -> Value:
        o = lift(other)
        q = ex.div(self.data, o.data)
        return Value(q, "div", (self, o), (ex.div(_ONE, o.data), ex.div(-q, o.data)))

    def __rtruediv__(self, other: Number) -> Value:
        return lift(other) / self

    def __pow__(self, n: int) -> Value:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError("only integer powers are supported")
        d = ex.mul(Fraction(n), ex.power(self.data, n - 1)) if n != 0 else _ZERO
        return Value(ex.power(self.data, n), f"pow{n}", (self,), (d,))

    # -- activations and functions -------------------------------------------
    def relu(self) -> Value:
        """ReLU with PyTorch's convention at the kink: relu'(0) = 0."""
        on = ex.positive(self.data)
        return Value(self.data if on else _ZERO, "relu", (self,), (Fraction(int(on)),))

    def step(self) -> Value:
        """Heaviside step, 1 if x > 0 else 0; its derivative is 0 wherever it exists."""
        return Value(Fraction(int(ex.positive(self.data))), "step", (self,), (_ZERO,))

    def sigmoid(self) -> Value:
        s = ex.sigmoid(self.data)
        return Value(s, "sigmoid", (self,), (ex.mul(s, ex.add(_ONE, -s)),))

    def tanh(self) -> Value:
        t = ex.tanh(self.data)
        return Value(t, "tanh", (self,), (ex.add(_ONE, -ex.power(t, 2)),))

    def exp(self) -> Value:
        e = ex.exp(self.data)
        return Value(e, "exp", (self,), (e,))

    def log(self) -> Value:
        return Value(ex.log(self.data), "log", (self,), (ex.div(_ONE, self.data),))

    def sqrt(self) -> Value:
        r = ex.sqrt(self.data)
        return Value(r, "sqrt", (self,), (ex.div(_ONE, ex.mul(Fraction(2), r)),))

    def linear(self) -> Value:
        """The identity activation; returned as is so the equation reads z, not id(z)."""
        return self


def lift(x: Value | Number) -> Value:
    """Wrap a plain number as an anonymous constant node."""
    return x if isinstance(x, Value) else Value(ex.exact(x))


@dataclass(frozen=True)
class Equation:
    """One named forward quantity: `name = expr`, where expr's named leaves are earlier
    quantities. `value` is expr's exact value."""

    name: str
    expr: Value
    value: Exact


@dataclass(frozen=True)
class Gradient:
    """∂loss/∂name, and the chain-rule terms that add up to it: for each later equation
    `consumer` that used `name`, the consumer's gradient times ∂consumer/∂name."""

    name: str
    value: Exact
    terms: tuple[tuple[str, Exact], ...]  # (consumer name, local derivative)


class Tape:
    """Named leaves and equations, in the order they were written (deterministic)."""

    def __init__(self) -> None:
        self.leaves: dict[str, Value] = {}
        self.equations: list[Equation] = []
        self.gradients: dict[str, Gradient] = {}
        self._names: set[str] = set()

    def _claim(self, name: str) -> None:
        if name in self._names:
            raise ValueError(f"quantity {name!r} is already on the tape")
        self._names.add(name)

    def leaf(self, name: str, value: Number) -> Value:
        self._claim(name)
        v = Value(ex.exact(value), "leaf", name=name)
        self.leaves[name] = v
        return v

    def leaves_of(self, names: Iterable[str], values: Iterable[Number]) -> list[Value]:
        return [self.leaf(n, v) for n, v in zip(names, values, strict=True)]

    def let(self, name: str, expr: Value | Number) -> Value:
        """Name `expr` and record it as an equation. Returns the named node, which later
        expressions use as an opaque quantity."""
        self._claim(name)
        node = lift(expr)
        named = Value(node.data, "named", (node,), (_ONE,), name=name)
        self.equations.append(Equation(name, node, named.data))
        return named

    def value(self, name: str) -> Exact:
        if name in self.leaves:
            return self.leaves[name].data
        for eq in self.equations:
            if eq.name == name:
                return eq.value
        raise KeyError(name)

    def backward(self, loss: Value) -> dict[str, Exact]:
        """Gradient of `loss` (a named node) with respect to every named quantity it
        depends on, recorded as `Gradient`s in reverse equation order."""
        if loss.name is None or loss.op != "named":
            raise ValueError("backward() needs a quantity named with tape.let()")
        grads: dict[str, Exact] = {loss.name: _ONE}
        terms: dict[str, list[tuple[str, Exact]]] = {}
        for eq in reversed(self.equations):
            if eq.name not in grads:
                continue
            g = grads[eq.name]
            for name, local in _local_derivatives(eq.expr).items():
                terms.setdefault(name, []).append((eq.name, local))
                _accumulate(grads, name, _times(g, local))
        self.gradients = {loss.name: Gradient(loss.name, _ONE, ())}
        order = [eq.name for eq in reversed(self.equations)] + list(self.leaves)
        for name in order:
            if name in terms:
                # terms were found walking backwards; a key reads them in forward order
                self.gradients[name] = Gradient(name, grads[name], tuple(reversed(terms[name])))
        return {name: gr.value for name, gr in self.gradients.items()}


def _local_derivatives(expr: Value) -> dict[str, Exact]:
    """∂expr/∂q for every named quantity q that `expr` reads directly, found by
    backpropagating through the anonymous nodes of expr only."""
    order: list[Value] = []
    seen: set[int] = set()

    def visit(v: Value) -> None:
        if id(v) in seen:
            return
        seen.add(id(v))
        if v.name is None:
            for p in v.parents:
                visit(p)
        order.append(v)

    visit(expr)
    adj: dict[int, Exact] = {id(expr): _ONE}
    out: dict[str, Exact] = {}
    for v in reversed(order):
        g = adj.get(id(v), _ZERO)
        if v.name is not None:
            _accumulate(out, v.name, g)
            continue
        for p, local in zip(v.parents, v.local, strict=True):
            _accumulate(adj, id(p), _times(g, local))
    return out


def _times(g: Exact, local: Exact) -> Exact:
    """g·local, skipping the Fraction arithmetic when a factor is 1 (the common case)."""
    if local == 1:
        return g
    if g == 1:
        return local
    return ex.mul(g, local)


def _accumulate(sums: dict[Any, Exact], key: Any, x: Exact) -> None:
    sums[key] = ex.add(sums[key], x) if key in sums else x
