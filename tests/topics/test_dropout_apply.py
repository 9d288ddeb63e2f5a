"""dropout.apply against torch's own dropout in float64.

torch draws its mask inside F.dropout. We recover it by running F.dropout on a vector of
ones under a fixed seed (a kept unit comes out as 1/(1 − p), a dropped one as 0), pass that
mask to the topic, and rerun F.dropout on x under the same seed: the training output must
match torch's, and nn.Dropout in eval mode must match the test output. Classic (non-inverted)
dropout is not in torch; it is inverted dropout with both phases multiplied by 1 − p, so the
oracle for it is torch's outputs times 1 − p.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlexam import ParamError, question
from tests.helpers import as_float, close, exact_of, refused

ID = "dropout.apply"


def torch_mask(p: float, n: int, seed: int) -> list[int]:
    torch.manual_seed(seed)
    out = F.dropout(torch.ones(n, dtype=torch.float64), p=p, training=True)
    return [int(v != 0) for v in out.tolist()]


def torch_outputs(params: dict[str, Any], seed: int) -> tuple[list[float], list[float]]:
    p = as_float(params["p_drop"])
    x = torch.tensor([as_float(v) for v in params["x"]], dtype=torch.float64)
    layer = nn.Dropout(p)
    torch.manual_seed(seed)
    train = layer.train()(x)
    test = layer.eval()(x)
    scale = 1.0 if params.get("inverted", True) else 1.0 - p
    return (train * scale).tolist(), (test * scale).tolist()


def assert_matches_torch(params: dict[str, Any], seed: int) -> None:
    params = dict(params, mask=torch_mask(as_float(params["p_drop"]), len(params["x"]), seed))
    q = question(ID, params=params)
    train, test = torch_outputs(q.params, seed)
    for part, theirs in (("train_output", train), ("test_output", test)):
        ours = exact_of(q.part(part).answer)
        assert len(ours) == len(theirs)
        assert all(close(a, b) for a, b in zip(ours, theirs, strict=True)), (part, ours, theirs)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch_with_torchs_own_mask(seed: int) -> None:
    params = question(ID, seed=seed).params
    if as_float(params["p_drop"]) == 0 or (as_float(params["p_drop"]) == 1 and params["inverted"]):
        pytest.skip("never drawn")
    assert_matches_torch(params, seed)


EDGE_CASES = [
    {"p_drop": 0.5, "x": [1, -2, 3, 4], "inverted": True},
    {"p_drop": "1/3", "x": ["1/3", 0.1, -7, 2, 5, 1], "inverted": True},
    {"p_drop": 0.9, "x": list(range(-32, 32)), "inverted": True},
    {"p_drop": 0.1, "x": [1, 2, 3, 4, 5, 6, 7, 8], "inverted": False},
    {"p_drop": 0, "x": [1, 2, 3], "inverted": True},  # nothing dropped, nothing scaled
    {"p_drop": 0, "x": [1, 2, 3], "inverted": False},
    {"p_drop": 1, "x": [1, 2, 3], "inverted": False},  # classic: everything dropped, test output 0
    {"p_drop": 0.25, "x": [2.5], "inverted": False},
]


@pytest.mark.parametrize("params", EDGE_CASES)
@pytest.mark.parametrize("seed", range(5))
def test_edge_cases_match_torch(params: dict[str, Any], seed: int) -> None:
    assert_matches_torch(params, seed)


def test_a_mask_in_the_params_is_applied_as_given() -> None:
    q = question(ID, params={"p_drop": 0.2, "x": [4, -8, 2], "mask": [1, 0, 1]})
    assert exact_of(q.part("train_output").answer) == [5, 0, Fraction(5, 2)]
    assert exact_of(q.part("test_output").answer) == [4, -8, 2]
    q = question(ID, params={"p_drop": 0.2, "x": [4, -8, 2], "mask": [1, 0, 1], "inverted": False})
    assert exact_of(q.part("train_output").answer) == [4, 0, 2]
    assert exact_of(q.part("test_output").answer) == [Fraction(16, 5), Fraction(-32, 5), Fraction(8, 5)]


@pytest.mark.parametrize("inverted", [True, False])
def test_the_test_output_is_the_mean_training_output_under_torch_sampling(inverted: bool) -> None:
    params = {"p_drop": 0.25, "x": [4, -2, 1], "mask": [1, 1, 1], "inverted": inverted}
    q = question(ID, params=params)
    x = torch.tensor([4.0, -2.0, 1.0], dtype=torch.float64).expand(200_000, 3)
    torch.manual_seed(0)
    mean = F.dropout(x, p=0.25, training=True).mean(0) * (1.0 if inverted else 0.75)
    assert all(abs(float(a) - b) < 0.03 for a, b in zip(exact_of(q.part("test_output").answer),
                                                          mean.tolist(), strict=True))


def test_the_key_names_the_drop_versus_keep_trap() -> None:
    q = question(ID, seed=0)
    assert "*drop* probability" in q.solution[-1].text and "eval()" in q.solution[-1].text
    assert "1 = kept" in q.prompt


def test_torch_returns_zeros_where_we_refuse_p_drop_1_with_inverted_dropout() -> None:
    out = F.dropout(torch.ones(3, dtype=torch.float64), p=1.0, training=True)
    assert out.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ParamError, match="1/0"):
        question(ID, params={"p_drop": 1, "x": [1, 2, 3], "mask": [0, 0, 0]})


REFUSED = [
    ({"x": [1], "mask": [1]}, "p_drop"),
    ({"p_drop": 1.5, "x": [1], "mask": [1]}, "p_drop"),
    ({"p_drop": -0.1, "x": [1], "mask": [1]}, "p_drop"),
    ({"p_drop": 1, "x": [1], "mask": [0]}, "p_drop"),
    ({"p_drop": 0.5, "mask": [1]}, "x"),
    ({"p_drop": 0.5, "x": [], "mask": []}, "x"),
    ({"p_drop": 0.5, "x": [[1, 2]], "mask": [1]}, "x"),
    ({"p_drop": 0.5, "x": [0] * 65, "mask": [1] * 65}, "x"),
    ({"p_drop": 0.5, "x": [1, 2]}, "mask"),
    ({"p_drop": 0.5, "x": [1, 2], "mask": [1]}, "mask"),
    ({"p_drop": 0.5, "x": [1, 2], "mask": [1, 2]}, "mask"),
    ({"p_drop": 0.5, "x": [1, 2], "mask": [1, 0.5]}, "mask"),
    ({"p_drop": 1, "x": [1, 2], "mask": [1, 0], "inverted": False}, "mask"),
    ({"p_drop": 0, "x": [1, 2], "mask": [1, 0]}, "mask"),
    ({"p_drop": 0.5, "x": [1, 2], "mask": [1, 0], "inverted": "yes"}, "inverted"),
    ({"p_drop": 0.5, "x": [1, 2], "mask": [1, 0], "training": True}, "training"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_torch_refuses_the_probabilities_we_refuse(p: float) -> None:
    with pytest.raises(ValueError):
        nn.Dropout(p)
