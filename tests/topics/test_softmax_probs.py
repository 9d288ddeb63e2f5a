"""softmax.probs against torch.softmax(z / T) in float64. Every exact key is also read back
with SymPy: it must be the number torch computes, and its "value" must be its own decimal."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch

from dlexam import question
from tests.helpers import as_float, assert_value_is_the_exact_keys_decimal, close, exact_of, refused

TOPIC = "softmax.probs"


def torch_probs(params: dict[str, Any]) -> list[float]:
    z = torch.tensor([as_float(v) for v in params["logits"]], dtype=torch.float64)
    return torch.softmax(z / as_float(params.get("temperature", 1)), dim=-1).tolist()


def check(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = torch_probs(q.params)
    ours = q.part("probs").answer
    assert len(ours) == len(expected)
    for a, b in zip(ours, expected, strict=True):
        assert close(exact_of(a), b), (params, a, b)
        assert_value_is_the_exact_keys_decimal(a)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    check(question(TOPIC, seed=seed).params)


EDGE_CASES = [
    {"logits": [2, 1, 0]},  # the textbook example
    {"logits": [1, 1, 1]},  # equal logits: 1/3 each, rational
    {"logits": [0, 0]},
    {"logits": [-3, -3, -3, -3, -3]},
    {"logits": [0, 0, 1]},  # merged terms: 2 + e
    {"logits": [1, 2, 3], "temperature": 2},  # halves in the exponents
    {"logits": [1, 2, 3], "temperature": 0.5},  # sharpened
    {"logits": [1, 2, 3], "temperature": "1/3"},
    {"logits": ["1/3", "-2/7", 0.1], "temperature": "3/11"},
    {"logits": [100, -100]},  # the largest gap allowed: e^-200
    {"logits": [100, 99.5, -100], "temperature": 1},
    {"logits": [50, -50], "temperature": 0.5},  # |z/T| = 100 exactly
    {"logits": [5, 3], "temperature": 1000},  # almost uniform
    {"logits": list(range(-4, 6))},  # ten classes
    {"logits": [Decimal("0.25"), Decimal("-1.5"), Decimal("2")], "temperature": Decimal("0.5")},
    {"logits": ["1e-20", 0]},  # nearly equal but not: irrational, ~1/2 each
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    check(params)


def test_keys_are_rational_only_when_every_logit_is_the_same() -> None:
    equal = question(TOPIC, params={"logits": [2, 2, 2, 2], "temperature": 3}).part("probs").answer
    assert [exact_of(a) for a in equal] == [Fraction(1, 4)] * 4
    unequal = question(TOPIC, params={"logits": [2, 2, 2, 3]}).part("probs").answer
    assert all(isinstance(exact_of(a), sympy.Expr) and "exp" in a["exact"] for a in unequal)


def test_the_key_is_written_in_powers_of_e_of_the_scaled_logits() -> None:
    q = question(TOPIC, params={"logits": [2, 1, 0]})
    assert q.part("probs").answer[0]["exact"] == "exp(2)/(exp(2) + exp(1) + 1)"
    assert q.calculator
    q = question(TOPIC, params={"logits": [1, -2, 1], "temperature": 2})
    expected = sympy.exp(sympy.Rational(1, 2)) / (2 * sympy.exp(sympy.Rational(1, 2)) + sympy.exp(-1))
    assert sympy.simplify(exact_of(q.part("probs").answer[0]) - expected) == 0


def test_seeded_variants_are_mostly_irrational_and_sometimes_uniform() -> None:
    kinds = set()
    for seed in range(200):
        answer = question(TOPIC, seed=seed).part("probs").answer
        kinds.add("exact" in answer[0] and "/" in answer[0]["exact"] and "exp" not in answer[0]["exact"])
    assert kinds == {True, False}


def test_the_key_explains_the_temperature_and_the_shift() -> None:
    q = question(TOPIC, params={"logits": [-2, 1, -2], "temperature": 2})
    text = " ".join(s.text for s in q.solution)
    assert "divides" in text and "flattens" in text and r"\max u" in text
    assert "T = 2" in q.prompt


REFUSED = [
    ({}, "logits"),
    ({"logits": [1]}, "logits"),
    ({"logits": []}, "logits"),
    ({"logits": list(range(11))}, "logits"),
    ({"logits": [1, "abc"]}, "logits"),
    ({"logits": [1, None]}, "logits"),
    ({"logits": [1, [2]]}, "logits"),
    ({"logits": 3}, "logits"),
    ({"logits": [101, 0]}, "logits"),
    ({"logits": [1, float("nan")]}, "logits"),
    ({"logits": [1, 2], "temperature": 0}, "temperature"),
    ({"logits": [1, 2], "temperature": -1}, "temperature"),
    ({"logits": [1, 2], "temperature": "hot"}, "temperature"),
    ({"logits": [1, 2], "temperature": 1001}, "temperature"),
    ({"logits": [60, 0], "temperature": 0.5}, "temperature"),  # |z/T| = 120
    ({"logits": [1, 2], "t": 1}, "t"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(TOPIC, params, param)
