"""loss.bce against torch in float64: nn.BCELoss on probabilities and nn.BCEWithLogitsLoss on
logits, with the reduction asked, and autograd for the gradient with respect to the input."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch
from torch import nn

from dlexam import ParamError, question
from tests.helpers import as_float, close, exact_of, refused

ID = "loss.bce"


def floats(v: Any) -> Any:
    return [as_float(x) for x in v] if isinstance(v, list) else as_float(v)


def torch_bce(params: dict[str, Any]) -> tuple[float, list[float]]:
    logits = "logit" in params
    x = torch.tensor(floats(params["logit" if logits else "p"]), dtype=torch.float64, requires_grad=True)
    y = torch.tensor(floats(params["y"]), dtype=torch.float64)
    reduction = params.get("reduction", "mean")
    loss_fn = nn.BCEWithLogitsLoss(reduction=reduction) if logits else nn.BCELoss(reduction=reduction)
    loss = loss_fn(x, y)
    loss.backward()
    assert x.grad is not None
    return loss.item(), x.grad.flatten().tolist()


def ours(params: dict[str, Any]) -> tuple[Any, list[Any]]:
    q = question(ID, params=params)
    grad = exact_of(q.part("grad").answer)
    return exact_of(q.part("loss").answer), grad if isinstance(grad, list) else [grad]


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    loss, grads = ours(params)
    t_loss, t_grads = torch_bce(q.params)
    assert close(loss, t_loss), (loss, t_loss)
    assert len(grads) == len(t_grads)
    for a, b in zip(grads, t_grads, strict=True):
        assert close(a, b), (a, b)
    value = q.part("loss").answer
    assert abs((value["value"] if isinstance(value, dict) else value) - t_loss) <= 1e-9 * max(1, abs(t_loss))


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


EDGE_CASES = [
    {"p": 0.8, "y": 1},  # log(5/4)
    {"p": 0.5, "y": 0},  # log 2
    {"p": "1/3", "y": "2/3"},  # a soft target, thirds
    {"p": 0.999999, "y": 0},  # near the clamp, still finite
    {"p": "1e-5", "y": 0},  # a small probability with the matching target (below p(1 - p) = 1e-12
    # torch's backward clamps the denominator and departs from the exact derivative)
    {"p": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95], "y": [0, 1, 0, 1, 0.5, 1, 0, 1, 0.2, 1]},
    {"p": [0.25, 0.75], "y": [1, 1], "reduction": "sum"},
    {"p": [0.6], "y": [0.6]},  # a list of one: still a list; the soft target equal to p: gradient 0
    {"logit": 0, "y": 1},  # log 2 and -1/2
    {"logit": 3, "y": 0.25},
    {"logit": -100, "y": 1},  # saturated: a loss of about 100, a gradient of about -1
    {"logit": 100, "y": 0},
    {"logit": [2, -1, 0], "y": [1, 0, 0.9]},
    {"logit": [0.5, -0.5], "y": [1, 0], "reduction": "sum"},
    {"logit": "-7/3", "y": "1/7"},
    {"p": Decimal("0.35"), "y": Decimal("1")},
    {"logit": Decimal("1.5"), "y": Decimal("0.5")},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_keys_are_exact_logs_and_rational_probability_gradients() -> None:
    loss, grads = ours({"p": 0.8, "y": 1})
    assert loss == sympy.log(sympy.Rational(5, 4)) and grads == [Fraction(-5, 4)]
    loss, grads = ours({"logit": 0, "y": 0.9})
    assert loss == sympy.log(2) and grads == [Fraction(-2, 5)]
    loss, grads = ours({"p": [0.5, 0.5], "y": [1, 0]})
    assert loss == sympy.log(2) and grads == [-1, 1]  # the mean's 1/2 on each of ±2
    assert question(ID, params={"p": 0.8, "y": 1}).calculator


def test_the_logit_gradient_is_p_minus_y_and_not_the_probability_gradient() -> None:
    _, (g_logit,) = ours({"logit": 2, "y": 1})
    p = 1 / (1 + math.exp(-2))
    assert close(g_logit, p - 1)
    _, (g_prob,) = ours({"p": 0.8, "y": 1})
    assert g_prob == Fraction(-5, 4) != Fraction(4, 5) - 1


def test_p_at_0_or_1_with_the_same_target_is_a_zero_loss_with_a_one_sided_gradient() -> None:
    # the loss is -log p (y = 1) or -log(1 - p) (y = 0): derivative -1 or 1 at the boundary;
    # torch's BCELoss backward divides by max(p(1 - p), 1e-12) and reports 0 instead
    for p, expected in ((1, -1), (0, 1)):
        loss, grads = ours({"p": p, "y": p})
        assert loss == 0 and grads == [expected]
        t_loss, t_grads = torch_bce({"p": p, "y": p})
        assert t_loss == 0 and t_grads == [0.0]
    q = question(ID, params={"p": 1, "y": 1})
    assert not q.calculator and "torch's BCELoss reports 0" in q.solution[-2].text


def test_an_infinite_loss_is_refused_naming_p_and_the_clamp_torch_uses() -> None:
    for params, clamped in (({"p": 0, "y": 0.3}, 30.0), ({"p": 1, "y": 0}, 100.0),
                            ({"p": [0.5, 0], "y": [1, 1]}, None)):
        with pytest.raises(ParamError) as e:
            question(ID, params=params)
        assert e.value.param == "p" and "-100" in str(e.value) and "\n" not in str(e.value)
        if clamped is not None:  # torch's clamp gives the loss the message quotes
            assert torch_bce(params)[0] == pytest.approx(clamped)
            assert str(clamped).rstrip("0").rstrip(".") in str(e.value)
    with pytest.raises(ParamError, match=r"p\[1\] = 0"):
        question(ID, params={"p": [0.5, 0], "y": [1, 1]})


def test_torch_refuses_probabilities_outside_0_1_as_we_do() -> None:
    with pytest.raises(RuntimeError):
        torch_bce({"p": 1.5, "y": 1})
    with pytest.raises(ParamError) as e:
        question(ID, params={"p": 1.5, "y": 1})
    assert e.value.param == "p"


@pytest.mark.parametrize(("params", "name"), [
    ({"p": 0.5, "logit": 0, "y": 1}, "logit"),
    ({"y": 1}, "p"),
    ({"p": None, "logit": None, "y": 1}, "p"),
    ({"p": -0.1, "y": 1}, "p"),
    ({"p": "half", "y": 1}, "p"),
    ({"p": [], "y": []}, "p"),
    ({"p": [0.5] * 11, "y": [1] * 11}, "p"),
    ({"logit": 101, "y": 1}, "logit"),
    ({"logit": [1, [2]], "y": [1, 0]}, "logit"),
    ({"p": 0.5}, "y"),
    ({"p": 0.5, "y": 2}, "y"),
    ({"p": 0.5, "y": [1]}, "y"),
    ({"p": [0.5, 0.2], "y": 1}, "y"),
    ({"p": [0.5, 0.2], "y": [1, 0, 1]}, "y"),
    ({"p": 0.5, "y": 1, "reduction": "none"}, "reduction"),
    ({"p": 0.5, "y": 1, "weight": 2}, "weight"),
])
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], name: str) -> None:
    refused(ID, params, name)


def test_echoed_params_hold_only_the_input_given() -> None:
    assert question(ID, params={"logit": 1, "y": 0}).params == {"logit": 1, "y": 0, "reduction": "mean"}
    assert question(ID, params={"p": 0.5, "logit": None, "y": 0}).params == {
        "p": 0.5, "y": 0, "reduction": "mean"}


def test_seeded_variants_mix_probabilities_logits_lists_and_soft_targets() -> None:
    seen = {"p": 0, "logit": 0, "list": 0, "soft": 0, "sum": 0}
    for seed in range(200):
        params = question(ID, seed=seed).params
        seen["p" if "p" in params else "logit"] += 1
        ys = params["y"] if isinstance(params["y"], list) else [params["y"]]
        seen["list"] += isinstance(params["y"], list)
        seen["soft"] += any(y not in (0, 1) for y in ys)
        seen["sum"] += params["reduction"] == "sum"
    assert all(count >= 10 for count in seen.values()), seen
