"""optim.weight_decay against torch in float64: torch.optim.SGD(weight_decay=2δ) with a zero loss
gradient, and one step along the autograd gradient of δ·Σw²."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch

from dlexam import question
from tests.helpers import as_float, close, exact_of, refused

ID = "optim.weight_decay"


def torch_sgd(w: list[float], delta: float, lr: float) -> list[float]:
    p = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, weight_decay=2 * delta)  # the factor 2: wd = 2δ
    p.grad = torch.zeros_like(p)  # the penalty alone: no data gradient
    opt.step()
    return p.detach().tolist()


def autograd_step(w: list[float], delta: float, lr: float) -> list[float]:
    p = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    (delta * (p**2).sum()).backward()
    assert p.grad is not None
    return (p - lr * p.grad).detach().tolist()


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    delta, lr = as_float(q.params["delta"]), as_float(q.params["lr"])
    answer = q.part("new_w").answer
    if q.params["w"] == "symbolic":
        factor = exact_of(answer)
        w = [1.0, -2.5, 3.0]
        ours = [factor * x for x in (1, sympy.Rational(-5, 2), 3)]
    else:
        w, ours = [as_float(x) for x in q.params["w"]], exact_of(answer)
    for theirs in (torch_sgd(w, delta, lr), autograd_step(w, delta, lr)):
        assert all(close(a, b) for a, b in zip(ours, theirs, strict=True)), (ours, theirs)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch_sgd_and_autograd(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


@pytest.mark.parametrize("params", [
    {"delta": 0.01, "lr": 1, "w": "symbolic"},
    {"delta": 0, "lr": 0.1, "w": "symbolic"},
    {"delta": 0.5, "lr": 1, "w": [1, -2]},  # factor 0
    {"delta": 2, "lr": 1, "w": [1, -2]},  # factor −3: overshoot
    {"delta": "1/3", "lr": "1/7", "w": ["1/3", 0.1, -1e6]},
    {"delta": 0.001, "lr": 0.001, "w": list(range(-8, 8))},
])
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_the_symbolic_answer_is_the_factor_c_in_w_becomes_c_w() -> None:
    q = question(ID, params={"delta": 0.01, "lr": 1, "w": "symbolic"})
    assert exact_of(q.part("new_w").answer) == 1 - 2 * Fraction(1, 100) * 1
    assert question(ID, params={"delta": 0, "lr": 1, "w": "symbolic"}).part("new_w").answer == 1


def test_the_key_names_the_factor_two_trap_and_torchs_weight_decay() -> None:
    q = question(ID, params={"delta": 0.01, "lr": 1, "w": [1]})
    text = q.solution[-1].text
    assert "forget the 2" in text and "= 2\\delta = 0.02" in text


@pytest.mark.parametrize(("params", "param"), [
    ({"delta": -0.1, "lr": 1, "w": [1]}, "delta"),
    ({"delta": "x", "lr": 1, "w": [1]}, "delta"),
    ({"delta": 0.1, "lr": 0, "w": [1]}, "lr"),
    ({"delta": 0.1, "lr": -1, "w": [1]}, "lr"),
    ({"delta": 0.1, "lr": 1, "w": []}, "w"),
    ({"delta": 0.1, "lr": 1, "w": "w"}, "w"),
    ({"delta": 0.1, "lr": 1, "w": [1] * 17}, "w"),
    ({"delta": 0.1, "lr": 1, "w": [[1]]}, "w"),
    ({"delta": 0.1, "lr": 1, "w": [2e6]}, "w"),
    ({"delta": 0.1, "lr": 1}, "w"),
    ({"delta": 0.1, "lr": 1, "w": [1], "lambda": 1}, "lambda"),
])
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)


def test_torch_refuses_a_negative_weight_decay_as_we_refuse_a_negative_delta() -> None:
    with pytest.raises(ValueError):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, weight_decay=-0.2)
