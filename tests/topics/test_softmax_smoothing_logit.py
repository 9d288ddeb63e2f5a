"""softmax.smoothing_logit against torch in float64: the loss is F.cross_entropy (with
label_smoothing=α for PyTorch's rule, a probability target for the course rule) as a function
of the free logit; its minimiser is found by bisection on the autograd gradient, polished by
Newton steps with the autograd second derivative. SymPy checks the exact keys' stationarity."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch
import torch.nn.functional as F

from dlexam import question
from tests.helpers import as_float, assert_value_is_the_exact_keys_decimal, close, exact_of, refused

TOPIC = "softmax.smoothing_logit"


def setup(params: dict[str, Any]) -> tuple[int, int, dict[int, float], int]:
    k, y = params["n_classes"], params.get("true_class")
    fixed = params.get("fixed_logits", 0)
    if isinstance(fixed, dict):
        values = {int(j): as_float(v) for j, v in fixed.items()}
    else:
        y = 0 if y is None else y
        values = {j: as_float(fixed) for j in range(k) if j != y}
    free = next(j for j in range(k) if j not in values)
    return k, free if y is None else y, values, free


def torch_loss(params: dict[str, Any], zf: torch.Tensor) -> torch.Tensor:
    k, y, values, free = setup(params)
    z = torch.stack([zf if j == free else torch.tensor(values[j], dtype=torch.float64) for j in range(k)])
    alpha = as_float(params["alpha"])
    if params.get("smoothing_convention", "torch") == "torch":
        return F.cross_entropy(z[None], torch.tensor([y]), label_smoothing=alpha)
    q = torch.full((k,), alpha / (k - 1), dtype=torch.float64)
    q[y] = 1 - alpha
    return F.cross_entropy(z[None], q[None])


def gradient(params: dict[str, Any], x: float) -> float:
    zf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch_loss(params, zf).backward()
    assert zf.grad is not None
    return zf.grad.item()


def grad_and_curvature(params: dict[str, Any], x: float) -> tuple[float, float]:
    zf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch_loss(params, zf), zf, create_graph=True)
    (h,) = torch.autograd.grad(g, zf)
    return g.item(), h.item()


def torch_minimum(params: dict[str, Any]) -> dict[str, float]:
    lo, hi = -1000.0, 1000.0
    assert gradient(params, lo) < 0 < gradient(params, hi)
    for _ in range(80):  # the gradient p_f − q_f increases with the free logit
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gradient(params, mid) < 0 else (lo, mid)
    x = (lo + hi) / 2
    for _ in range(3):
        g, h = grad_and_curvature(params, x)
        x -= g / h
    k, y, values, free = setup(params)
    z = torch.tensor([x if j == free else values[j] for j in range(k)], dtype=torch.float64)
    return {"logit": x, "p_true": torch.softmax(z, -1)[y].item()}


def check(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = torch_minimum(q.params)
    for part in q.parts:
        assert close(exact_of(part.answer), expected[part.id], tol=1e-8), (params, part.id, part.answer)
        assert_value_is_the_exact_keys_decimal(part.answer)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torchs_minimum(seed: int) -> None:
    check(question(TOPIC, seed=seed).params)


EDGE_CASES = [
    {"n_classes": 2, "alpha": 0.1, "fixed_logits": {"1": 0}},  # log 19
    {"n_classes": 2, "alpha": 0.1, "smoothing_convention": "exam", "fixed_logits": {"1": 0}},  # log 9
    {"n_classes": 10, "alpha": 0.1},  # fixed_logits 0 for the nine others (the default)
    {"n_classes": 1000, "alpha": 0.1, "smoothing_convention": "exam", "true_class": 999},
    {"n_classes": 3, "alpha": 0.2, "true_class": 2, "fixed_logits": {"0": 1, "1": -1}},
    {"n_classes": 4, "alpha": 0.2, "true_class": 1, "fixed_logits": {"0": 1, "1": 0, "3": 2}},
    # the true class is fixed, another class is free
    {"n_classes": 3, "alpha": 0.3, "true_class": 0, "fixed_logits": {"0": 1, "2": 1}},
    {"n_classes": 3, "alpha": 0.3, "true_class": 0, "fixed_logits": {"0": 1, "1": 2}},
    {"n_classes": 2, "alpha": 1, "fixed_logits": {"1": 3}},  # torch: q = 1/2, z_f = the other logit
    {"n_classes": 3, "alpha": 1, "smoothing_convention": "exam", "true_class": 0,
     "fixed_logits": {"0": 0, "1": 0}},
    {"n_classes": 5, "alpha": "1/3", "fixed_logits": -2},
    {"n_classes": 4, "alpha": 0.001, "smoothing_convention": "exam", "fixed_logits": {"1": 100, "2": -100,
                                                                                        "3": "1/3"}},
    {"n_classes": 2, "alpha": Decimal("0.25"), "true_class": 1, "fixed_logits": {0: Decimal("1.5")}},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torchs_minimum(params: dict[str, Any]) -> None:
    check(params)


@pytest.mark.parametrize(("convention", "expected"), [("torch", 19), ("exam", 9)])
def test_two_classes_with_alpha_a_tenth_give_log_19_or_log_9(convention: str, expected: int) -> None:
    q = question(TOPIC, params={"n_classes": 2, "alpha": 0.1, "smoothing_convention": convention,
                                "fixed_logits": {"1": 0}})
    assert q.part("logit").answer["exact"] == f"log({expected})"
    other = 9 if expected == 19 else 19
    assert rf"\log {other}" in q.solution[-1].text  # the key names what the other rule gives
    assert q.calculator


def test_the_true_class_defaults_to_the_free_one_so_the_classic_question_is_short() -> None:
    q = question(TOPIC, params={"n_classes": 2, "alpha": 0.1, "fixed_logits": {"0": 0}})
    assert q.params["true_class"] is None
    assert q.part("logit").answer["exact"] == "log(19)"
    assert "true class $y = 1$" in q.prompt
    q = question(TOPIC, params={"n_classes": 2, "alpha": 0.1, "true_class": 0, "fixed_logits": {"0": 0}})
    assert q.part("logit").answer["exact"] == "-log(19)"  # the true class fixed, the other one free


def test_the_exact_logit_is_a_stationary_point_of_the_symbolic_loss() -> None:
    for seed in range(30):
        q = question(TOPIC, seed=seed)
        k, y, _, free = setup(q.params)
        fixed = q.params["fixed_logits"]
        zf = sympy.Symbol("z")
        z = [zf if j == free else sympy.Rational(str(Fraction(str(fixed[str(j)])))) for j in range(k)]
        alpha = sympy.Rational(str(Fraction(str(q.params["alpha"]))))
        if q.params["smoothing_convention"] == "torch":
            target = [alpha / k + (1 - alpha) * int(j == y) for j in range(k)]
        else:
            target = [1 - alpha if j == y else alpha / (k - 1) for j in range(k)]
        loss = sympy.log(sum(sympy.exp(v) for v in z)) - sum(t * v for t, v in zip(target, z, strict=True))
        at_minimum = sympy.diff(loss, zf).subs(zf, exact_of(q.part("logit").answer))
        assert abs(sympy.N(at_minimum, 40)) < sympy.Float("1e-35"), seed


def test_the_free_true_class_ends_with_exactly_its_target_probability() -> None:
    q = question(TOPIC, params={"n_classes": 4, "alpha": 0.2, "true_class": 3})
    assert exact_of(q.part("p_true").answer) == Fraction(17, 20)  # 1 − 0.2 + 0.2/4
    q = question(TOPIC, params={"n_classes": 4, "alpha": 0.2, "true_class": 3,
                                "smoothing_convention": "exam"})
    assert exact_of(q.part("p_true").answer) == Fraction(4, 5)


REFUSED = [
    ({"alpha": 0.1}, "n_classes"),
    ({"n_classes": 2}, "alpha"),
    ({"n_classes": 1, "alpha": 0.1}, "n_classes"),
    ({"n_classes": 1001, "alpha": 0.1}, "n_classes"),
    ({"n_classes": "3", "alpha": 0.1}, "n_classes"),
    ({"n_classes": 2, "alpha": 1.5}, "alpha"),
    ({"n_classes": 2, "alpha": 0}, "alpha"),  # one-hot: the logit runs off to infinity
    ({"n_classes": 2, "alpha": 0, "true_class": 0, "fixed_logits": {"0": 0}}, "alpha"),  # to -infinity
    ({"n_classes": 3, "alpha": 1, "smoothing_convention": "exam"}, "alpha"),  # q_y = 0
    ({"n_classes": 2, "alpha": 1, "smoothing_convention": "exam", "true_class": 0,
      "fixed_logits": {"0": 0}}, "alpha"),
    ({"n_classes": 2, "alpha": 0.1, "smoothing_convention": "tf"}, "smoothing_convention"),
    ({"n_classes": 2, "alpha": 0.1, "true_class": 2}, "true_class"),
    ({"n_classes": 3, "alpha": 0.1, "fixed_logits": {"0": 0}}, "fixed_logits"),  # two free
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": {"0": 0, "1": 0}}, "fixed_logits"),  # none free
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": {"2": 0}}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": {"x": 0}}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": {"-1": 0}}, "fixed_logits"),
    ({"n_classes": 3, "alpha": 0.1, "fixed_logits": {"0": 0, "00": 1}}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": {"1": "big"}}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": {"1": 1000}}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": [0]}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "fixed_logits": None}, "fixed_logits"),
    ({"n_classes": 2, "alpha": 0.1, "free": 0}, "free"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(TOPIC, params, param)
