"""graph.squared_error against torch autograd: W @ x − y and (d**2).sum() in float64,
backward of L with requires_grad on W and x (and retain_grad on d)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import torch

from dlexam import question
from tests.helpers import as_float, close, exact_of, refused

TOPIC = "graph.squared_error"




def tensor(values: Any, grad: bool = False) -> torch.Tensor:
    def walk(v: Any) -> Any:
        return [walk(e) for e in v] if isinstance(v, list) else as_float(v)

    return torch.tensor(walk(values), dtype=torch.float64, requires_grad=grad)


def torch_graph(params: dict[str, Any]) -> dict[str, Any]:
    W, x, y = tensor(params["W"], True), tensor(params["x"], True), tensor(params["y"])
    wx = W @ x
    d = wx - y
    d.retain_grad()
    loss = (d**2).sum()
    loss.backward()
    return {"Wx": wx.tolist(), "d": d.tolist(), "loss": loss.item(), "grad_d": d.grad.tolist(),
            "grad_W": W.grad.tolist(), "grad_x": x.grad.tolist()}


def assert_matches(ours: Any, theirs: Any, path: str = "") -> None:
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), path  # shapes agree too
        for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
            assert_matches(o, t, f"{path}[{i}]")
    else:
        assert close(exact_of(ours), theirs), (path, ours, theirs)


def check(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = torch_graph(q.params)
    for part in q.parts:
        assert_matches(part.answer, expected[part.id], part.id)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    check(question(TOPIC, seed=seed).params)


EDGE_CASES = [
    {"W": [[2]], "x": [3], "y": [1]},  # 1×1
    {"W": [[-1]], "x": [-2], "y": [2]},  # 1×1, d = 0: every gradient 0
    {"W": [[1, 2], [3, 4], [5, 6]], "x": [1, -1], "y": [0, 1, -2]},  # 3×2
    {"W": [[1, 2, -1], [0, 3, 1]], "x": [1, -1, 2], "y": [2, 0]},  # 2×3
    {"W": [[1, -2, 0.5]], "x": [2, 1, 4], "y": [3]},  # 1×3: a row vector
    {"W": [[1], [2], [3]], "x": [-1], "y": [0, 0, 0]},  # 3×1: a column
    {"W": [["1/3", 1], [0, "-2/3"]], "x": [1, "1/3"], "y": ["1/7", 0]},  # non-terminating keys
    {"W": [[0.1, 0.2], [0.3, -0.4]], "x": [0.5, -1.5], "y": [0.1, 0.2]},  # decimals, exactly
    {"W": [[Decimal("0.5"), 1], [2, Decimal("-1.5")]], "x": [Decimal("2"), 1], "y": [0, 1]},  # CLI
    {"W": [[0, 0], [0, 0]], "x": [1, 2], "y": [1, -1]},  # zero weights: grad_x is 0, grad_W is not
    {"W": [[1, 2], [3, 4]], "x": [0, 0], "y": [1, 2]},  # zero input: grad_W is 0
    {"W": [[(i * 6 + j) % 5 - 2 for j in range(6)] for i in range(6)], "x": [1, -1, 2, 0, 1, -2],
     "y": [1, 2, 3, 4, 5, 6]},  # the largest allowed, 6×6
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    check(params)


def test_non_terminating_keys_stay_exact() -> None:
    q = question(TOPIC, params=EDGE_CASES[6])
    grad_w = exact_of(q.part("grad_W").answer)
    assert all(isinstance(v, Fraction) for row in grad_w for v in row)
    assert any(v.denominator % 3 == 0 for row in grad_w for v in row)  # thirds, not floats


def test_grad_w_has_the_shape_of_w() -> None:
    params = EDGE_CASES[2]
    q = question(TOPIC, params=params)
    assert torch.tensor(torch_graph(params)["grad_W"]).shape == tensor(params["W"]).shape
    assert [len(r) for r in q.part("grad_W").answer] == [len(r) for r in params["W"]]


def test_the_key_backpropagates_node_by_node_and_names_the_half_convention() -> None:
    q = question(TOPIC, params=EDGE_CASES[3])
    text = " ".join(s.text for s in q.solution)
    assert r"\frac{\partial L}{\partial d_{1}} \frac{\partial d_{1}}{\partial W_{12}}" in text
    assert r"\frac{\partial L}{\partial d_{1}} \frac{\partial d_{1}}{\partial x_{2}} + " in text
    assert r"\tfrac12" in text and "halves" in text


def test_every_half_convention_gradient_is_half_of_ours_in_torch() -> None:
    params = EDGE_CASES[3]
    W, x, y = tensor(params["W"], True), tensor(params["x"], True), tensor(params["y"])
    (0.5 * ((W @ x - y) ** 2).sum()).backward()
    q = question(TOPIC, params=params)
    for ours, theirs in ((q.part("grad_W").answer, W.grad), (q.part("grad_x").answer, x.grad)):
        assert_matches(ours, (2 * theirs).tolist())


GOOD = {"W": [[1, 2, -1], [0, 3, 1]], "x": [1, -1, 2], "y": [2, 0]}

REFUSED = [
    (GOOD | {"x": [1, -1]}, "x", ["3", "2×3", "got 2"]),  # both sizes named
    (GOOD | {"y": [2, 0, 1]}, "y", ["2", "2×3", "got 3"]),
    (GOOD | {"W": [[1, 2, -1], [0, 3]]}, "W", []),  # ragged
    (GOOD | {"W": [[1] * 3] * 7}, "W", ["6×6"]),
    (GOOD | {"W": []}, "W", []),
    (GOOD | {"W": [[1, "w", 2], [0, 1, 2]]}, "W", []),
    (GOOD | {"W": 3}, "W", []),
    (GOOD | {"x": "x"}, "x", []),
    (GOOD | {"x": [1, None, 2]}, "x", []),
    (GOOD | {"x": list(range(1000))}, "x", ["got 1000"]),
    ({"W": GOOD["W"], "x": GOOD["x"]}, "y", []),
    (GOOD | {"z": 1}, "z", []),
]


@pytest.mark.parametrize(("params", "param", "words"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str,
                                                 words: list[str]) -> None:
    message = str(refused(TOPIC, params, param))
    assert all(w in message for w in words)


# torch's own size rules: W @ x needs x's length to be W's width, and Wx − y needs equal
# lengths (a y of length 1 would broadcast in torch; we refuse it as a size mismatch)
TORCH_RULES = [REFUSED[0][0], REFUSED[1][0], REFUSED[2][0]]


@pytest.mark.parametrize("params", TORCH_RULES)
def test_torch_refuses_the_same_sizes(params: dict[str, Any]) -> None:
    with pytest.raises((RuntimeError, ValueError)):
        torch_graph(params)
