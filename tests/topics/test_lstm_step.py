"""lstm.step against torch in float64: nn.LSTMCell(1, 1) with our scalar weights placed in
torch's chunk order (i, f, g, o) and bias_hh = 0. The cell gives c and h; the gates come from
the cell's own weight matrices, chunked as torch chunks them, and are tied back to the cell
by checking its c equals f·c_prev + i·g."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch
from torch import nn

from dlexam import question
from dlexam.topics import lstm_step
from tests.helpers import as_float, close, exact_of, refused

ID = "lstm.step"
TORCH_ORDER = ("i", "f", "c", "o")  # torch's (i, f, g, o); our c̃ is its g
WRONG_ORDER = ("i", "f", "o", "c")  # the order the equations are usually written in


def value(params: dict[str, Any], name: str) -> float:
    return as_float(params.get(name, lstm_step.PARAMS[name]))


def torch_lstm(params: dict[str, Any], order: tuple[str, ...] = TORCH_ORDER) -> dict[str, float]:
    """Every part, computed by an nn.LSTMCell whose four blocks hold our gates in `order`."""
    cell = nn.LSTMCell(1, 1, dtype=torch.float64)
    f64 = torch.float64  # torch.tensor of floats is float32 otherwise, even when copied into float64
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor([[value(params, f"W_{g}")] for g in order], dtype=f64))
        cell.weight_hh.copy_(torch.tensor([[value(params, f"U_{g}")] for g in order], dtype=f64))
        cell.bias_ih.copy_(torch.tensor([value(params, f"b_{g}") for g in order], dtype=f64))
        cell.bias_hh.zero_()
    x = torch.tensor([[value(params, "x")]], dtype=torch.float64)
    h0 = torch.tensor([[value(params, "h_prev")]], dtype=torch.float64)
    c0 = torch.tensor([[value(params, "c_prev")]], dtype=torch.float64)
    with torch.no_grad():
        h, c = cell(x, (h0, c0))
        pre = x @ cell.weight_ih.T + cell.bias_ih + h0 @ cell.weight_hh.T + cell.bias_hh
        gi, gf, gg, go = pre.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(gi), torch.sigmoid(gf), torch.tanh(gg), torch.sigmoid(go)
    # the chunks are the cell's own gates: they rebuild its c and h
    assert torch.allclose(f * c0 + i * g, c, rtol=1e-12, atol=1e-12)
    assert torch.allclose(o * torch.tanh(c), h, rtol=1e-12, atol=1e-12)
    return {"i": i.item(), "f": f.item(), "o": o.item(), "c_tilde": g.item(), "c": c.item(), "h": h.item()}


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    theirs = torch_lstm(q.params)
    for part in q.parts:
        ours = exact_of(part.answer)
        assert close(ours, theirs[part.id]), (part.id, part.answer, theirs[part.id])
        shown = part.answer["value"] if isinstance(part.answer, dict) else part.answer
        assert abs(shown - theirs[part.id]) <= 1e-9 * max(1, abs(theirs[part.id]))  # the decimal too


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


def weights(**given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {f"{k}_{g}": 0 for g in "ifoc" for k in "WU"}
    return base | given


EDGE_CASES = [
    # every pre-activation 0: gates 1/2, candidate 0, so c = c_prev/2
    weights(x=1, c_prev=3),
    weights(x=0),  # all defaults: the zero state, every key rational
    # one irrational gate at a time
    weights(W_i=1, W_c=2, x=1),
    weights(W_f=-1, x=2, c_prev=-1.5),
    weights(W_o=3, U_o=-1, x=1, h_prev=0.5, c_prev=1),
    # a fully irrational step with recurrent terms and biases
    {"W_i": 0.5, "U_i": -1, "b_i": 0.25, "W_f": 1, "U_f": 1, "b_f": 1, "W_o": -0.5, "U_o": 2,
     "b_o": 0, "W_c": 2, "U_c": -0.5, "b_c": -1, "x": 1.5, "h_prev": -0.5, "c_prev": 0.75},
    # fractions and Decimals as the CLI passes them
    {"W_i": "1/3", "U_i": "-2/7", "W_f": "1/2", "U_f": 0.1, "W_o": "3/4", "U_o": -1,
     "W_c": "-1/3", "U_c": "5/3", "x": "2/3", "h_prev": "-1/5", "c_prev": "7/3"},
    {"W_i": Decimal("0.2"), "U_i": Decimal("1"), "W_f": Decimal("-0.3"), "U_f": Decimal("0.5"),
     "W_o": Decimal("1.5"), "U_o": Decimal("0"), "W_c": Decimal("0.7"), "U_c": Decimal("-1.2"),
     "x": Decimal("1.1"), "h_prev": Decimal("0.4"), "c_prev": Decimal("-0.6")},
    # saturated gates: pre-activations of ±20100 at the size limit
    {**weights(W_i=100, U_i=100, b_i=100, W_f=-100, U_f=-100, b_f=-100, W_o=100, W_c=-100),
     "x": 100, "h_prev": 100, "c_prev": 100},
    # a negative cell state: tanh(c) < 0, so h < 0
    weights(W_c=-2, x=1, c_prev=-2, W_f=1),
    # a candidate that cancels the remembered state exactly is impossible (tanh is irrational),
    # but c_prev = 0 makes c = i·c̃ alone
    weights(W_i=1, W_c=1, x=1, c_prev=0),
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_torch_stacks_the_blocks_as_i_f_g_o_and_the_other_order_gives_another_h() -> None:
    params = {"W_i": 1, "U_i": 0, "W_f": 0.5, "U_f": 0, "W_o": -2, "U_o": 0, "W_c": 2, "U_c": 0,
              "x": 1, "c_prev": 0.5}
    q = question(ID, params=params)
    ours = {p.id: exact_of(p.answer) for p in q.parts}
    right, wrong = torch_lstm(params, TORCH_ORDER), torch_lstm(params, WRONG_ORDER)
    assert all(close(ours[k], right[k]) for k in ours)
    # read in the order (i, f, o, g), torch's third block (our candidate) would act as o
    assert not close(ours["h"], wrong["h"], tol=1e-3)
    assert not close(ours["o"], wrong["o"], tol=1e-3)
    assert "(i, f, g, o)" in q.solution[-1].text


def test_our_bias_is_the_sum_of_torchs_two_biases() -> None:
    params = weights(W_i=1, W_f=-1, W_o=0.5, W_c=1, b_i=1, b_f=-0.5, b_o=2, b_c=-1.5, x=1, c_prev=1)
    cell = nn.LSTMCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor([[params[f"W_{g}"]] for g in TORCH_ORDER], dtype=torch.float64))
        cell.weight_hh.zero_()
        b = torch.tensor([params[f"b_{g}"] for g in TORCH_ORDER], dtype=torch.float64)
        cell.bias_ih.copy_(b / 4)
        cell.bias_hh.copy_(3 * b / 4)
        h, c = cell(torch.ones(1, 1, dtype=torch.float64),
                    (torch.zeros(1, 1, dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64)))
    q = question(ID, params=params)
    assert close(exact_of(q.part("h").answer), h.item())
    assert close(exact_of(q.part("c").answer), c.item())


def test_keys_are_exact_sigmoid_and_tanh_expressions_with_a_decimal() -> None:
    q = question(ID, params=weights(W_i=1, W_c=2, x=1, c_prev=1))
    assert exact_of(q.part("i").answer) == 1 / (1 + sympy.exp(-1))
    assert exact_of(q.part("c_tilde").answer) == sympy.tanh(2)
    assert exact_of(q.part("f").answer) == Fraction(1, 2)
    h = exact_of(q.part("h").answer)
    assert isinstance(h, sympy.Expr) and abs(float(h) - q.part("h").answer["value"]) < 1e-15
    assert q.calculator
    text = " ".join(s.text for s in q.solution)
    assert r"\approx 0.7311" in text and r"\approx 0.9640" in text  # σ(1), tanh(2) as a calculator shows


def test_an_all_rational_step_needs_no_calculator() -> None:
    q = question(ID, params=weights(x=2))
    assert [exact_of(p.answer) for p in q.parts] == [Fraction(1, 2)] * 3 + [0, 0, 0]
    assert not q.calculator


def test_seeded_pre_activations_are_small_simple_numbers() -> None:
    allowed = {Fraction(v) for v in ("-2", "-1", "-1/2", "0", "1/2", "1", "2")}
    zeros = 0
    for seed in range(200):
        q = question(ID, seed=seed)
        p = {k: Fraction(str(v)) for k, v in q.params.items()}
        for g in "ifoc":
            z = p[f"W_{g}"] * p["x"] + p[f"U_{g}"] * p["h_prev"] + p[f"b_{g}"]
            assert z in allowed, (seed, g, z)
            zeros += z == 0
    assert zeros >= 100  # a rational gate or candidate turns up often


@pytest.mark.parametrize(("params", "name"), [
    ({"U_i": 0, "W_f": 0, "U_f": 0, "W_o": 0, "U_o": 0, "W_c": 0, "U_c": 0, "x": 1}, "W_i"),
    (weights(), "x"),
    (weights(x="one"), "x"),
    (weights(x=101), "x"),
    (weights(x=1, b_o=[1]), "b_o"),
    (weights(x=1, c_prev=-1000), "c_prev"),
    (weights(x=1, h_prev=None), "h_prev"),
    (weights(x=1, W_c=True), "W_c"),
    (weights(x=1, W_g=1), "W_g"),  # torch's name for the candidate block is not ours
])
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], name: str) -> None:
    refused(ID, params, name)
