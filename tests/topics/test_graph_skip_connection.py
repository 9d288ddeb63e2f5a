"""graph.skip_connection against torch autograd: y = relu(w·x) and y = relu(w·x + x) in
float64, backward of y, and x.grad compared with the key."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import torch

from dlexam import question
from tests.helpers import as_float, close, exact_of, refused

TOPIC = "graph.skip_connection"




def torch_grads(params: dict[str, Any]) -> dict[str, float]:
    out = {}
    for part, skip in (("dy_dx_plain", False), ("dy_dx_skip", True)):
        w = torch.tensor(as_float(params["w"]), dtype=torch.float64, requires_grad=True)
        x = torch.tensor(as_float(params["x"]), dtype=torch.float64, requires_grad=True)
        y = torch.relu(w * x + x if skip else w * x)
        y.backward()
        out[part] = x.grad.item()
    return out


def check(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = torch_grads(q.params)
    for part in q.parts:
        assert close(exact_of(part.answer), expected[part.id]), (part.id, part.answer, expected[part.id])


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    expected = torch_grads(q.params)
    for part in q.parts:
        assert close(exact_of(part.answer), expected[part.id]), (seed, part.id)


EDGE_CASES = [
    {"w": -0.5, "x": 2},  # plain dead, skip alive: the point of the question
    {"w": 2, "x": 1.5},  # both alive: w against 1 + w
    {"w": -2, "x": -1},  # both alive with a negative weight
    {"w": -0.5, "x": -2},  # the shortcut closes the path: w x > 0 >= (1 + w) x
    {"w": 1, "x": -1},  # both dead
    {"w": -3, "x": 2},  # both dead, the skip because w < -1
    {"w": 3, "x": 0},  # relu exactly at 0 in both versions: PyTorch's relu'(0) = 0
    {"w": 0, "x": 1},  # plain at the kink, skip alive
    {"w": -1, "x": 0.5},  # skip at the kink: w x + x = 0 exactly
    {"w": -1, "x": -2},  # plain alive (w = -1), skip at the kink
    {"w": "1/3", "x": 3},  # non-terminating keys 1/3 and 4/3
    {"w": "-1/3", "x": "3/7"},  # plain dead, skip alive with 2/3
    {"w": "-2/3", "x": "-1/3"},  # the skip closes, with thirds
    {"w": 0.1, "x": "-1/3"},  # both dead
    {"w": Decimal("0.25"), "x": Decimal("2.5")},  # as the CLI's JSON reader passes numbers
    {"w": "1e-20", "x": 1},  # a tiny but positive pre-activation is alive
    {"w": -1000, "x": -0.001},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    check(params)


def test_torch_takes_relu_prime_of_zero_as_zero_and_so_does_the_key() -> None:
    params = {"w": 5, "x": 0}
    assert torch_grads(params) == {"dy_dx_plain": 0.0, "dy_dx_skip": 0.0}
    q = question(TOPIC, params=params)
    text = " ".join(s.text for s in q.solution)
    assert r"\mathrm{ReLU}'(0) = 0" in text and "PyTorch" in text


def test_fractions_stay_exact_in_the_key() -> None:
    q = question(TOPIC, params={"w": "1/3", "x": 3})
    for part in q.parts:
        value = exact_of(part.answer)
        assert isinstance(value, Fraction) and value.denominator == 3  # not a rounded float
        assert "exact" in part.answer


def test_seeded_variants_mix_dead_alive_and_kink_cases() -> None:
    seen = set()
    kinks = 0
    for seed in range(200):
        params = question(TOPIC, seed=seed).params
        g = torch_grads(params)
        seen.add((g["dy_dx_plain"] != 0, g["dy_dx_skip"] != 0))
        w, x = Fraction(str(params["w"])), Fraction(str(params["x"]))
        kinks += w * x == 0 or (1 + w) * x == 0
    assert seen == {(False, True), (True, True), (True, False), (False, False)}
    assert kinks >= 5


def test_the_key_explains_the_dead_unit_and_the_open_path() -> None:
    q = question(TOPIC, params={"w": -0.5, "x": 2})
    plain, skip = q.solution[1].text, q.solution[2].text
    assert "dead" in plain and "no gradient flows back" in plain
    assert "two paths" in skip and "w + 1" in skip
    assert r"\frac{\partial y}{\partial s} \frac{\partial s}{\partial x}" in skip  # every factor


REFUSED = [
    ({"x": 1}, "w"),
    ({"w": 1}, "x"),
    ({"w": "abc", "x": 1}, "w"),
    ({"w": 1, "x": True}, "x"),
    ({"w": 1, "x": None}, "x"),
    ({"w": 1, "x": [1, 2]}, "x"),
    ({"w": float("nan"), "x": 1}, "w"),
    ({"w": 1, "x": "1/0"}, "x"),
    ({"w": "1e999999", "x": 1}, "w"),
    ({"w": 1, "x": 1, "b": 0}, "b"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(TOPIC, params, param)
