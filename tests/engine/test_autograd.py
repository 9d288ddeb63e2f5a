"""The engine's Tape and Value against torch autograd in float64.

Random small expression graphs are built twice, once with our exact `Value`s and once
with torch tensors, from the same recipe; every named quantity and every gradient must
agree. Domain guards (no division by ~0, log of positives only, no kinks at relu)
are decided on torch's float value so both sides always take the same branch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam.engine import Gradient, Tape, Value, is_rational
from dlexam.engine import exact as ex
from tests.helpers import close

UNARY = ["relu", "sigmoid", "tanh", "exp", "log", "pow", "neg"]
BINARY = ["add", "sub", "mul", "div"]
WITH_CONST = ["add_const", "mul_const", "const_sub"]
RATIONAL_OPS = ["relu", "pow", "neg", "add", "sub", "mul", "div", *WITH_CONST]

# leaves: small rationals, mostly dyadic (exact in float64) but some thirds and fifths
fractions = st.builds(
    Fraction, st.integers(-12, 12), st.sampled_from([1, 1, 2, 4, 8, 3, 5])
)


@dataclass(frozen=True)
class Op:
    kind: str
    a: int  # operand indices, taken modulo the size of the pool when used
    b: int
    power: int
    const: Fraction
    name_it: bool


def ops(kinds: list[str]) -> st.SearchStrategy[Op]:
    return st.builds(
        Op,
        st.sampled_from(kinds),
        st.integers(0, 50),
        st.integers(0, 50),
        st.sampled_from([-2, -1, 0, 1, 2, 3]),
        fractions,
        st.sampled_from([True, True, False]),  # name most results: more equations to check
    )


@dataclass
class Program:
    leaves: list[Fraction]
    ops: list[Op]
    loss_terms: list[int]


def programs(kinds: list[str]) -> st.SearchStrategy[Program]:
    return st.builds(
        Program,
        st.lists(fractions, min_size=1, max_size=4),
        st.lists(ops(kinds), min_size=3, max_size=8),
        st.lists(st.integers(0, 50), max_size=2),
    )


def _apply(op: Op, a: Any, b: Any, torch_side: bool) -> Any:
    """One op on either side: our Values or torch tensors."""
    k = op.kind
    if k == "add":
        return a + b
    if k == "sub":
        return a - b
    if k == "mul":
        return a * b
    if k == "div":
        return a / b
    if k == "add_const":
        return a + (float(op.const) if torch_side else op.const)
    if k == "mul_const":
        return a * (float(op.const) if torch_side else op.const)
    if k == "const_sub":
        return (float(op.const) if torch_side else op.const) - a
    if k == "neg":
        return -a
    if k == "pow":
        return a**op.power
    if torch_side:
        return getattr(torch, k)(a)
    return getattr(a, k)()


def _allowed(op: Op, a: torch.Tensor, b: torch.Tensor) -> bool:
    """Keep both sides in the same branch and away from float trouble."""
    x, y = a.item(), b.item()
    if op.kind == "div":
        return abs(y) > 0.05
    if op.kind == "log":
        return x > 0.05
    if op.kind == "pow" and op.power <= 0:
        return abs(x) > 0.05
    if op.kind == "relu":  # at the kink only when it is exactly 0 on both sides
        return abs(x) > 1e-6 or x == 0.0
    if op.kind == "exp":
        return x < 5
    return True


@dataclass
class Run:
    tape: Tape
    loss: Value
    grads: dict[str, Any]
    values: dict[str, torch.Tensor]  # every named tensor (leaves and lets)


def run(program: Program) -> Run:
    """Build the same graph with the Tape and with torch, and run both backward passes."""
    tape = Tape()
    pool: list[tuple[Value, torch.Tensor]] = []
    named: dict[str, torch.Tensor] = {}
    for i, value in enumerate(program.leaves):
        t = torch.tensor(float(value), dtype=torch.float64, requires_grad=True)
        pool.append((tape.leaf(f"x_{{{i}}}", value), t))
        named[f"x_{{{i}}}"] = t
    for i, op in enumerate(program.ops):
        (va, ta), (vb, tb) = pool[op.a % len(pool)], pool[op.b % len(pool)]
        if not _allowed(op, ta, tb):
            continue
        t = _apply(op, ta, tb, torch_side=True)
        if not math.isfinite(t.item()) or abs(t.item()) > 1e4:
            continue
        v = _apply(op, va, vb, torch_side=False)
        if op.name_it:
            name = f"h_{{{i}}}"
            v = tape.let(name, v)
            t = t.clone()  # a tensor of its own, so its .grad holds this name's paths only
            t.retain_grad()
            named[name] = t
        pool.append((v, t))
    v_loss, t_loss = pool[-1]
    for j in program.loss_terms:
        v_extra, t_extra = pool[j % len(pool)]
        v_loss, t_loss = v_loss + v_extra, t_loss + t_extra
    loss = tape.let("L", v_loss)
    t_loss = t_loss.clone()
    t_loss.retain_grad()
    named["L"] = t_loss
    grads = tape.backward(loss)
    t_loss.backward()
    return Run(tape, loss, grads, named)


ALL_OPS = UNARY + BINARY + WITH_CONST


@settings(max_examples=60)
@given(programs(ALL_OPS))
def test_every_named_value_matches_torch(program: Program) -> None:
    r = run(program)
    for name, t in r.values.items():
        assert close(r.tape.value(name), t.item()), (name, r.tape.value(name), t.item())


@settings(max_examples=60)
@given(programs(ALL_OPS))
def test_every_gradient_matches_torch_autograd(program: Program) -> None:
    r = run(program)
    with_grad = {name for name, t in r.values.items() if t.grad is not None}
    assert set(r.grads) == with_grad  # a gradient exactly for what the loss depends on
    for name in with_grad:
        assert close(r.grads[name], float(r.values[name].grad)), (
            name, r.grads[name], float(r.values[name].grad))


@settings(max_examples=60)
@given(programs(ALL_OPS))
def test_the_recorded_chain_rule_terms_add_up_to_each_gradient(program: Program) -> None:
    r = run(program)
    assert r.tape.gradients[r.loss.label] == Gradient(r.loss.label, Fraction(1), ())
    for name, g in r.tape.gradients.items():
        if name == r.loss.label:
            continue
        total: Any = Fraction(0)
        for consumer, local in g.terms:
            total = ex.add(total, ex.mul(r.grads[consumer], local))
        assert close(total, ex.to_float(g.value)) and close(g.value, ex.to_float(total))
        if is_rational(g.value):
            assert total == g.value
        assert r.grads[name] == g.value


@settings(max_examples=60)
@given(programs(RATIONAL_OPS))
def test_rational_graphs_stay_fractions_end_to_end(program: Program) -> None:
    r = run(program)
    for name in r.values:
        assert type(r.tape.value(name)) is Fraction, name
    for g in r.tape.gradients.values():
        assert type(g.value) is Fraction
        assert all(type(local) is Fraction for _, local in g.terms)


def test_relu_has_derivative_zero_at_zero_as_in_pytorch() -> None:
    tape = Tape()
    x = tape.leaf("x", 0)
    loss = tape.let("L", x.relu())
    ours = tape.backward(loss)["x"]
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert ours == Fraction(0) == float(t.grad)


def test_relu_at_zero_inside_a_larger_expression_also_blocks_the_gradient() -> None:
    tape = Tape()
    w, x, b = tape.leaves_of(["w", "x", "b"], [Fraction(1, 2), 2, -1])
    z = tape.let("z", w * x + b)  # exactly 0
    loss = tape.let("L", z.relu() * 3)
    grads = tape.backward(loss)
    tw, tx, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.5, 2.0, -1.0))
    (torch.relu(tw * tx + tb) * 3).backward()
    assert (grads["w"], grads["x"], grads["b"]) == (float(tw.grad), float(tx.grad), float(tb.grad))
    assert grads["z"] == 0


@pytest.mark.parametrize("make", [
    lambda t: (t.leaf("a", 1), t.leaf("a", 2)),
    lambda t: (t.leaf("a", 1), t.let("a", 2)),
    lambda t: (t.let("a", 1), t.let("a", 2)),
    lambda t: (t.let("a", 1), t.leaf("a", 2)),
], ids=["leaf-leaf", "leaf-let", "let-let", "let-leaf"])
def test_a_name_used_twice_is_refused(make: Any) -> None:
    with pytest.raises(ValueError, match="already on the tape"):
        make(Tape())


def test_backward_needs_a_named_loss() -> None:
    tape = Tape()
    x = tape.leaf("x", 2)
    with pytest.raises(ValueError):
        tape.backward(x * x)
    with pytest.raises(ValueError):
        tape.backward(x)  # a leaf is named but is not an equation


def test_sigmoid_of_zero_is_the_fraction_one_half() -> None:
    tape = Tape()
    s = tape.let("s", tape.leaf("x", 0).sigmoid())
    tape.backward(s)
    assert type(s.data) is Fraction and s.data == Fraction(1, 2)
    assert tape.gradients["x"].value == Fraction(1, 4)  # σ(0)(1 − σ(0))


def test_sqrt_of_a_perfect_square_fraction_stays_a_fraction() -> None:
    tape = Tape()
    r = tape.let("r", tape.leaf("x", Fraction(9, 4)).sqrt())
    grads = tape.backward(r)
    assert type(r.data) is Fraction and r.data == Fraction(3, 2)
    assert type(grads["x"]) is Fraction and grads["x"] == Fraction(1, 3)  # 1 / (2 · 3/2)


@pytest.mark.parametrize("op", ["exp", "log", "sigmoid", "tanh", "sqrt"])
def test_irrational_results_become_sympy_and_match_torch(op: str) -> None:
    tape = Tape()
    y = tape.let("y", getattr(tape.leaf("x", 2), op)())
    grads = tape.backward(y)
    assert not is_rational(y.data)
    assert is_rational(grads["x"]) == (op == "log")  # log'(2) = 1/2 is rational again
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    out = getattr(torch, op)(t)
    out.backward()
    assert close(y.data, out.item()) and close(grads["x"], float(t.grad))


def test_rational_arithmetic_on_the_tape_never_touches_sympy() -> None:
    tape = Tape()
    x, y = tape.leaves_of(["x", "y"], [Fraction(1, 3), Fraction(-5, 7)])
    z = tape.let("z", (x * y - 2) ** 2 / (x + 1))
    grads = tape.backward(z)
    assert all(type(g) is Fraction for g in grads.values())
    assert z.data == ((Fraction(1, 3) * Fraction(-5, 7) - 2) ** 2) / (Fraction(1, 3) + 1)


def test_a_quantity_used_by_two_later_equations_sums_both_paths() -> None:
    tape = Tape()
    x = tape.leaf("x", 3)
    a = tape.let("a", x * 2)
    p = tape.let("p", a * a)  # ∂p/∂a = 2a = 12
    q = tape.let("q", a + 5)  # ∂q/∂a = 1
    loss = tape.let("L", p + q * 10)
    grads = tape.backward(loss)
    assert [c for c, _ in tape.gradients["a"].terms] == ["p", "q"]  # in the order they were written
    assert dict(tape.gradients["a"].terms) == {"p": 12, "q": 1}
    tx = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    ta = tx * 2
    ta.retain_grad()
    (ta * ta + (ta + 5) * 10).backward()
    assert grads["a"] == float(ta.grad) == 1 * 12 + 10 * 1
    assert grads["x"] == float(tx.grad)


def test_an_anonymous_node_shared_by_two_equations_counts_in_each() -> None:
    tape = Tape()
    x, y = tape.leaves_of(["x", "y"], [2, 5])
    u = x * y  # anonymous, read by both equations
    a = tape.let("a", u + 1)
    b = tape.let("b", u * 3)
    loss = tape.let("L", a * b)
    grads = tape.backward(loss)
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, 5.0))
    tu = tx * ty
    ((tu + 1) * (tu * 3)).backward()
    assert (grads["x"], grads["y"]) == (float(tx.grad), float(ty.grad))
    assert dict(tape.gradients["x"].terms) == {"a": 5, "b": 15}


def test_quantities_the_loss_does_not_use_get_no_gradient() -> None:
    tape = Tape()
    x, unused = tape.leaves_of(["x", "unused"], [1, 2])
    tape.let("side", unused * 2)
    loss = tape.let("L", x * 4)
    later = tape.let("after", loss * 2)  # written after the loss: not part of it
    grads = tape.backward(loss)
    assert set(grads) == {"L", "x"}
    assert later.label not in tape.gradients


def test_equations_are_recorded_in_the_order_they_were_written() -> None:
    tape = Tape()
    x = tape.leaf("x", 1)
    names = ["c", "a", "b"]
    node = x
    for name in names:
        node = tape.let(name, node + 1)
    assert [eq.name for eq in tape.equations] == names
    assert [eq.value for eq in tape.equations] == [2, 3, 4]
    assert tape.value("b") == 4 and tape.value("x") == 1
    with pytest.raises(KeyError):
        tape.value("nope")


def test_only_integer_powers_are_accepted() -> None:
    x = Tape().leaf("x", 2)
    for bad in (Fraction(1, 2), 0.5, True):
        with pytest.raises(TypeError):
            _ = x**bad


def test_a_plain_number_divided_by_a_value_is_a_value() -> None:
    """`1 / v` should work like `1 - v` and `2 * v` do (Value has __rsub__ and __rmul__)."""
    tape = Tape()
    x = tape.leaf("x", 4)
    y = tape.let("y", 1 / x)
    grads = tape.backward(y)
    assert y.data == Fraction(1, 4) and grads["x"] == Fraction(-1, 16)
