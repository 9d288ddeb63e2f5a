"""softmax.cross_entropy against torch in float64: torch.softmax for the probabilities,
F.cross_entropy for the loss (label_smoothing=α for PyTorch's rule; a probability target for
the course rule) and autograd for the gradient with respect to the logits."""

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

TOPIC = "softmax.cross_entropy"


def course_target(k: int, y: int, alpha: float) -> torch.Tensor:
    """The course rule as its definition reads: 1 − α on the true class, α/(K − 1) elsewhere."""
    q = torch.full((k,), alpha / (k - 1), dtype=torch.float64)
    q[y] = 1 - alpha
    return q


def torch_parts(params: dict[str, Any]) -> dict[str, Any]:
    z = torch.tensor([as_float(v) for v in params["logits"]], dtype=torch.float64, requires_grad=True)
    y = params["label"]
    alpha = as_float(params.get("label_smoothing", 0))
    if params.get("smoothing_convention", "torch") == "torch":
        loss = F.cross_entropy(z[None], torch.tensor([y]), label_smoothing=alpha)
    else:
        loss = F.cross_entropy(z[None], course_target(len(z), y, alpha)[None])
    loss.backward()
    assert z.grad is not None
    return {"probs": torch.softmax(z.detach(), -1).tolist(), "loss": loss.item(),
            "grad_logits": z.grad.tolist()}


def check(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = torch_parts(q.params)
    for part in q.parts:
        ours = part.answer if isinstance(part.answer, list) else [part.answer]
        theirs = expected[part.id] if isinstance(expected[part.id], list) else [expected[part.id]]
        assert len(ours) == len(theirs), part.id
        for a, b in zip(ours, theirs, strict=True):
            assert close(exact_of(a), b), (params, part.id, a, b)
            assert_value_is_the_exact_keys_decimal(a)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    check(question(TOPIC, seed=seed).params)


EDGE_CASES = [
    {"logits": [2, 1, 0], "label": 0},
    {"logits": [2, 1, 0], "label": 2},  # the true class has the smallest logit
    {"logits": [2, 1, 0], "label": 1, "label_smoothing": 0.1},
    {"logits": [2, 1, 0], "label": 1, "label_smoothing": 0.1, "smoothing_convention": "exam"},
    {"logits": [0, 0], "label": 1, "label_smoothing": 0.1, "smoothing_convention": "exam"},
    {"logits": [3, 3, 3], "label": 0},  # equal logits: loss log 3, rational gradient
    {"logits": [1, 1, 1, 1], "label": 3, "label_smoothing": 0.2, "smoothing_convention": "exam"},
    {"logits": [1, 0], "label": 0, "label_smoothing": 1},  # torch: the uniform target
    {"logits": [1, 0, 2], "label": 0, "label_smoothing": 1, "smoothing_convention": "exam"},  # q_y = 0
    {"logits": [100, -100], "label": 0},  # a loss of e^-200: torch rounds it to 0
    {"logits": [100, -100], "label": 1},  # a loss of 200
    {"logits": [100, -100, 0], "label": 0, "label_smoothing": 0.3},
    {"logits": ["1/3", "-2/7", 0.1, 0], "label": 2, "label_smoothing": "1/7"},
    {"logits": list(range(-4, 6)), "label": 9, "label_smoothing": 0.05, "smoothing_convention": "exam"},
    {"logits": [Decimal("0.5"), Decimal("-1.5")], "label": 1, "label_smoothing": Decimal("0.25")},
    {"logits": ["1e-20", 0], "label": 0},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    check(params)


def test_pytorchs_rule_is_the_probability_target_its_docs_describe() -> None:
    """label_smoothing=α equals a probability target (1 − α)·onehot + α/K: the rule we teach."""
    z = torch.tensor([[2.0, 1.0, 0.0, -1.0]], dtype=torch.float64)
    q = torch.full((4,), 0.2 / 4, dtype=torch.float64)
    q[1] += 0.8
    smoothed = F.cross_entropy(z, torch.tensor([1]), label_smoothing=0.2)
    assert torch.allclose(smoothed, F.cross_entropy(z, q[None]), rtol=1e-14)


def test_without_smoothing_the_loss_is_minus_log_p_y_as_one_log() -> None:
    q = question(TOPIC, params={"logits": [2, 1, 0], "label": 0})
    assert q.part("loss").answer["exact"] == "log(1 + exp(-1) + exp(-2))"
    loss = exact_of(q.part("loss").answer)
    p0 = exact_of(q.part("probs").answer[0])
    assert sympy.simplify(loss + sympy.log(p0)) == 0


def test_equal_logits_give_the_uniform_softmax_and_a_rational_gradient() -> None:
    q = question(TOPIC, params={"logits": [1, 1, 1, 1], "label": 2, "label_smoothing": 0.2,
                                "smoothing_convention": "exam"})
    assert exact_of(q.part("probs").answer) == [Fraction(1, 4)] * 4
    assert q.part("loss").answer["exact"] == "log(4)"
    assert exact_of(q.part("grad_logits").answer) == [Fraction(11, 60)] * 2 + [Fraction(-11, 20),
                                                                              Fraction(11, 60)]


def test_the_gradient_is_probs_minus_target_and_adds_up_to_zero() -> None:
    for seed in range(40):
        q = question(TOPIC, seed=seed)
        total = sum(exact_of(g) for g in q.part("grad_logits").answer)
        assert abs(float(sympy.N(total, 30))) < 1e-25, seed


def test_the_key_names_the_other_smoothing_rule_and_its_loss() -> None:
    torch_q = question(TOPIC, params={"logits": [2, 1, 0], "label": 2, "label_smoothing": 0.1})
    exam_q = question(TOPIC, params={"logits": [2, 1, 0], "label": 2, "label_smoothing": 0.1,
                                     "smoothing_convention": "exam"})
    exam_loss = exam_q.part("loss").answer["value"]
    torch_loss = torch_q.part("loss").answer["value"]
    assert torch_loss != exam_loss
    assert "course rule" in torch_q.solution[-1].text and f"{exam_loss:.4g}" in torch_q.solution[-1].text
    assert "PyTorch's rule" in exam_q.solution[-1].text and f"{torch_loss:.4g}" in exam_q.solution[-1].text
    assert r"\alpha/K" in torch_q.prompt and r"\alpha/(K - 1)" in exam_q.prompt


def test_a_tiny_loss_keeps_its_relative_precision() -> None:
    q = question(TOPIC, params={"logits": [100, -100], "label": 0})
    value = q.part("loss").answer["value"]
    assert value == pytest.approx(float(sympy.N(sympy.log(1 + sympy.exp(-200)), 30)), rel=1e-12)
    assert q.part("grad_logits").answer[0]["value"] == pytest.approx(-float(sympy.N(sympy.exp(-200)
                                                                                    / (1 + sympy.exp(-200)))))


REFUSED = [
    ({"label": 0}, "logits"),
    ({"logits": [1, 2]}, "label"),
    ({"logits": [1], "label": 0}, "logits"),
    ({"logits": [1, "x"], "label": 0}, "logits"),
    ({"logits": [1, 2], "label": 2}, "label"),
    ({"logits": [1, 2], "label": -1}, "label"),
    ({"logits": [1, 2], "label": 0.5}, "label"),
    ({"logits": [1, 2], "label": True}, "label"),
    ({"logits": [1, 2], "label": 0, "label_smoothing": 1.5}, "label_smoothing"),
    ({"logits": [1, 2], "label": 0, "label_smoothing": -0.1}, "label_smoothing"),
    ({"logits": [1, 2], "label": 0, "smoothing_convention": "keras"}, "smoothing_convention"),
    ({"logits": [1, 2], "label": 0, "smoothing": 0.1}, "smoothing"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(TOPIC, params, param)


def test_torch_refuses_the_same_labels_and_smoothing() -> None:
    z = torch.zeros(1, 2, dtype=torch.float64)
    with pytest.raises((IndexError, RuntimeError)):
        F.cross_entropy(z, torch.tensor([2]))
    with pytest.raises(RuntimeError):
        F.cross_entropy(z, torch.tensor([0]), label_smoothing=1.5)
