"""mlp.sgd_step against torch: nn.Linear layers, the same activations and loss,
autograd for the gradients and torch.optim.SGD for the update (all in float64)."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
import torch
from torch import nn

from dlexam import get_topic, question
from tests.helpers import as_float, close, exact_of, refused


def snap_to_zero(z: torch.Tensor) -> torch.Tensor:
    """Exact arithmetic can land on the ReLU's kink (0.5·(−1) + 0.2·2 + 0.1 = 0), where
    float64 lands on 5.6e-17 instead. Snap such values to an exact 0, keeping the
    gradient path (value z − z = 0, derivative 1), so torch sees the same input we do."""
    return torch.where(z.abs() < 1e-12, z - z.detach(), z)


ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
       "linear": lambda z: z, "step": lambda z: (z > 0).to(z.dtype)}


def torch_step(params: dict[str, Any]) -> dict[str, Any]:
    """The same step done by torch; returns the key's parts as floats."""
    layers = []
    for l, w in enumerate(params["weights"]):
        lin = nn.Linear(len(w[0]), len(w)).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[as_float(v) for v in row] for row in w], dtype=torch.float64))
            lin.bias.copy_(torch.tensor([as_float(v) for v in params["biases"][l]], dtype=torch.float64))
        layers.append(lin)
    x = torch.tensor([as_float(v) for v in params["x"]], dtype=torch.float64)
    zs, acts = [], []
    a = x
    for l, lin in enumerate(layers):
        z = lin(a)
        act = params["activation"] if l < len(layers) - 1 else params["output_activation"]
        a = ACT[act](snap_to_zero(z) if act in ("relu", "step") else z)
        zs.append(z)
        acts.append(a)
    kind = params["loss"]
    if kind == "ce":
        loss = nn.CrossEntropyLoss()(zs[-1].unsqueeze(0), torch.tensor([params["y"]]))
    else:
        ys = params["y"] if isinstance(params["y"], list) else [params["y"]]
        y = torch.tensor([as_float(v) for v in ys], dtype=torch.float64)
        if kind == "half_mse":
            loss = 0.5 * ((y - a) ** 2).sum()
        elif kind == "mse":
            loss = nn.MSELoss()(a, y)
        else:
            loss = nn.BCELoss()(a, y)
    loss.backward()
    grads_w = [lin.weight.grad.tolist() for lin in layers]
    grads_b = [lin.bias.grad.tolist() for lin in layers]
    opt = torch.optim.SGD([p for lin in layers for p in lin.parameters()], lr=as_float(params["lr"]))
    opt.step()
    return {
        "z": [z.tolist() for z in zs], "a": [a.tolist() for a in acts], "loss": loss.item(),
        "grad_weights": grads_w, "grad_biases": grads_b,
        "new_weights": [lin.weight.tolist() for lin in layers],
        "new_biases": [lin.bias.tolist() for lin in layers],
    }


def assert_matches(ours: Any, theirs: Any, path: str = "") -> None:
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), path
        for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
            assert_matches(o, t, f"{path}[{i}]")
    else:
        assert close(exact_of(ours), theirs), (path, ours, theirs)


def check(params: dict[str, Any]) -> None:
    q = question("mlp.sgd_step", params=params)
    expected = torch_step(q.params)
    for part in q.parts:
        assert_matches(part.answer, expected[part.id], part.id)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    q = question("mlp.sgd_step", seed=seed)
    expected = torch_step(q.params)
    for part in q.parts:
        assert_matches(part.answer, expected[part.id], part.id)


NET = {"weights": [[[0.2, -0.1], [0.3, 0.1]], [[0.5, -1]]], "biases": [[0.1, 0], [0]],
       "x": [1, 2], "y": 0.05, "lr": 0.5}

EDGE_CASES = [
    NET,
    NET | {"activation": "sigmoid", "output_activation": "sigmoid", "loss": "bce", "y": 1},
    NET | {"activation": "tanh", "loss": "mse"},
    NET | {"weights": [[[0.2, -0.1], [0.3, 0.1]], [[0.5, -1], [1, 2]]], "biases": [[0, 0], [0, 0]],
           "loss": "ce", "y": 1},
    NET | {"activation": "linear", "lr": "1/3"},
    NET | {"x": [0.5, 1], "biases": [[-0.3, 0], [0]]},  # z exactly 0: ReLU'(0) = 0 as torch
    {"weights": [[[2, -1, 0.5]]], "biases": [[0]], "x": [1, 1, 1], "y": [0], "lr": 0.1},  # one layer
    {"weights": [[[1, 1], [1, -1]], [[1, 1], [-1, 1]], [[0.5, 0.5]]], "x": [1, 2], "y": 1,
     "lr": 0.1, "loss": "mse"},  # two hidden layers, biases default to zero
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    check(params)


def test_the_example_network_gives_the_textbook_numbers() -> None:
    # worked by hand in shared/EXAMPLES.md: z1 = 0.1, z2 = 0.5, y_hat = -0.45, L = 0.125
    q = question("mlp.sgd_step", params=NET)
    assert exact_of(q.part("z").answer) == [[Fraction("0.1"), Fraction("0.5")], [Fraction("-0.45")]]
    assert exact_of(q.part("loss").answer) == Fraction("0.125")


def test_irrational_keys_stay_exact_and_need_a_calculator() -> None:
    q = question("mlp.sgd_step", params=EDGE_CASES[1])
    assert q.calculator
    assert "exp" in q.part("loss").answer["exact"] or "log" in q.part("loss").answer["exact"]


def test_the_worked_solution_explains_a_dead_relu() -> None:
    q = question("mlp.sgd_step", params=EDGE_CASES[5])
    text = " ".join(s.text for s in q.solution)
    assert "no gradient flows back" in text


REFUSED = [
    (NET | {"weights": [[[0.2, -0.1], [0.3, 0.1]], [[0.5, -1, 2]]]}, "weights"),
    (NET | {"weights": []}, "weights"),
    (NET | {"biases": [[0.1], [0]]}, "biases"),
    (NET | {"x": [1, 2, 3]}, "x"),
    (NET | {"y": [1, 2]}, "y"),
    (NET | {"activation": "gelu"}, "activation"),
    (NET | {"loss": "hinge"}, "loss"),
    (NET | {"lr": 0}, "lr"),
    (NET | {"lr": "fast"}, "lr"),
    (NET | {"loss": "ce", "y": 0}, "loss"),  # one output cannot be a class distribution
    (NET | {"loss": "bce"}, "output_activation"),
    (NET | {"weights": [[[0.2, "w"], [0.3, 0.1]], [[0.5, -1]]]}, "weights"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused("mlp.sgd_step", params, param)


# -- error carried forward (the torch oracle for it is in tests/grade/test_carry.py) -----------

def read_key(q: Any, part_id: str) -> Any:
    from dlexam.grade.parse import read

    part = q.part(part_id)
    written = json.dumps(exact_text(part.answer)).replace('"', "").replace(" ", "")
    return read(part.kind, written, expected=part.answer).value


def exact_text(key: Any) -> Any:
    if isinstance(key, dict):
        return key["exact"]
    return [exact_text(k) for k in key] if isinstance(key, list) else key


def test_each_part_declares_the_parts_its_key_is_computed_from() -> None:
    q = question("mlp.sgd_step", seed=0)
    assert {p.id: p.depends_on for p in q.parts} == {
        "z": (), "a": ("z",), "loss": ("a",), "grad_weights": ("z", "a"), "grad_biases": ("z", "a"),
        "new_weights": ("grad_weights",), "new_biases": ("grad_biases",)}
    assert [p.id for p in q.parts if p.chained] == ["z"]
    assert get_topic("mlp.sgd_step").follows_through


@pytest.mark.parametrize("params", [None, *EDGE_CASES])
def test_followed_through_from_the_right_values_every_key_is_its_own(params: Any) -> None:
    topic = get_topic("mlp.sgd_step")
    for seed in range(30) if params is None else [None]:
        q = question("mlp.sgd_step", seed=seed) if params is None else question("mlp.sgd_step", params=params)
        for part in q.parts:
            sources = part.depends_on + ((part.id,) if part.chained else ())
            if sources:
                got = topic.follow_through(q.params, part.id, {s: read_key(q, s) for s in sources})
                assert_matches(got, exact_of_floats(part.answer), f"{seed} {part.id}")


def exact_of_floats(answer: Any) -> Any:
    return [exact_of_floats(a) for a in answer] if isinstance(answer, list) else float(exact_of(answer))


@pytest.mark.parametrize(("part_id", "given"), [
    ("a", {"z": [[Fraction(1)]]}),  # too few layers
    ("a", {"z": [[Fraction(1), Fraction(2), Fraction(3)], [Fraction(1)]]}),  # a layer too long
    ("a", {"z": "0.1, 0.5"}),
    ("a", {}),
    ("loss", {"a": [[Fraction(1, 10), Fraction(1, 2)], [True]]}),  # not a number
    ("new_weights", {"grad_weights": [  # a copy of the weights
        [[Fraction(1, 5), Fraction(-1, 10)], [Fraction(3, 10), Fraction(1, 10)]],
        [[Fraction(1, 2), Fraction(-1)]]]}),
    ("new_biases", {"grad_biases": [[Fraction(0), Fraction(0)], [Fraction(0)]]}),  # all zero
    ("loss", {"a": [[Fraction(1), Fraction(1)], [Fraction(1)]]}),  # ŷ = 1, trivial
    ("grad_weights", {"z": [[Fraction(1), Fraction(2)], [Fraction(1, 3)]],  # z¹ = x
                      "a": [[Fraction(1), Fraction(2)], [Fraction(1, 3)]]}),
])
def test_a_value_of_the_wrong_size_or_a_trivial_one_is_not_followed_through(part_id: str, given: Any) -> None:
    assert get_topic("mlp.sgd_step").follow_through(NET, part_id, given) is None


def test_a_bce_output_of_exactly_one_cannot_be_followed_to_a_loss() -> None:
    params = EDGE_CASES[1] | {"y": 0}
    given = {"a": [[Fraction(1, 2), Fraction(1, 3)], [Fraction(1)]]}
    assert get_topic("mlp.sgd_step").follow_through(params, "loss", given) is None
