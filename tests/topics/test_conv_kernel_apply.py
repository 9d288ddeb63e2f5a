"""conv.kernel_apply against torch.nn.functional.conv2d in float64 (one image, one channel in
and out, no bias); `flip_kernel` against conv2d with torch.flip'd weights, and against the
textbook convolution sum Σ K[u][v]·X[i − u][j − v] written out directly."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from dlexam import question
from tests.helpers import as_float, close, exact_of, refused

ID = "conv.kernel_apply"


def tensor(m: list[list[Any]]) -> torch.Tensor:
    return torch.tensor([[as_float(v) for v in row] for row in m], dtype=torch.float64)


def torch_output(params: dict[str, Any]) -> torch.Tensor:
    x = tensor(params["image"])[None, None]
    k = tensor(params["kernel"])[None, None]
    if params.get("flip_kernel", False):
        k = torch.flip(k, dims=[2, 3])
    return F.conv2d(x, k, stride=params.get("stride", 1), padding=params.get("padding", 0))[0, 0]


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    ours = exact_of(q.part("output").answer)
    theirs = torch_output(q.params)
    assert [len(ours), len(ours[0])] == list(theirs.shape)
    for row, trow in zip(ours, theirs.tolist(), strict=True):
        for a, b in zip(row, trow, strict=True):
            assert close(a, b), (a, b)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch_conv2d(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


EDGE_CASES = [
    {"image": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0], [0, -1]]},
    {"image": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0], [0, -1]], "flip_kernel": True},
    {"image": [[1, 2], [3, 4]], "kernel": [[1, 2], [3, 4]]},  # kernel = image: one cell
    {"image": [[1, 2], [3, 4]], "kernel": [[1, 1, 1], [1, 1, 1], [1, 1, 1]], "padding": 1},
    {"image": [[1, 2, 3, 4, 5]], "kernel": [[1, -1]], "stride": 2},  # one row, floor drops a column
    {"image": [[1], [2], [3], [4]], "kernel": [[2], [-1]], "stride": [2, 1]},
    {"image": [[1, 2, 3], [4, 5, 6]], "kernel": [[1, 2, 3]], "padding": [1, 0]},
    {"image": [[1, 2, 3], [4, 5, 6]], "kernel": [[1, 2]], "padding": [0, 2], "stride": [1, 3]},
    {"image": [[1, 2], [3, 4]], "kernel": [[5]], "padding": 3},  # padding beyond the kernel: zeros
    {"image": [["1/3", 0.5, -2], [0.1, "2/7", 4], [1, 1, 1]], "kernel": [["1/2", -0.25], [3, "1/3"]]},
    {"image": [[i * 16 + j for j in range(16)] for i in range(16)],
     "kernel": [[(u - v) % 3 - 1 for v in range(7)] for u in range(7)], "padding": 3},
    {"image": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
     "stride": 16, "padding": 1},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch_conv2d(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_flip_kernel_is_the_signal_processing_convolution() -> None:
    """out[i][j] = Σ K[u][v]·X[i − u][j − v] over the full overlap, taken from the 'valid' part."""
    image = [[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]]
    kernel = [[1, 2], [0, -1]]
    q = question(ID, params={"image": image, "kernel": kernel, "flip_kernel": True})
    x, k = tensor(image), tensor(kernel)
    expected = [[sum(float(k[u, v]) * float(x[i + 1 - u, j + 1 - v]) for u in range(2) for v in range(2))
                 for j in range(3)] for i in range(2)]
    assert exact_of(q.part("output").answer) == expected


def test_the_key_names_the_flip_trap_and_its_effect() -> None:
    q = question(ID, params={"image": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0], [0, -1]]})
    assert exact_of(q.part("output").answer) == [[-4, -4], [-4, -4]]
    text = q.solution[-1].text
    assert "cross-correlation" in text and "flipped kernel the first cell would be $4$" in text
    assert "not* flipped" in q.prompt


def test_a_symmetric_kernel_says_the_convention_makes_no_difference() -> None:
    q = question(ID, params={"image": [[1, 2, 3], [4, 5, 6]], "kernel": [[1, 2, 1]]})
    assert "both conventions give the same map" in q.solution[-1].text


def test_fractions_stay_exact() -> None:
    q = question(ID, params={"image": [[1, 1], [1, 1]], "kernel": [["1/3"]]})
    assert q.part("output").answer == [[{"exact": "1/3", "value": 1 / 3}] * 2] * 2
    assert exact_of(q.part("output").answer)[0][0] == Fraction(1, 3)


def test_large_outputs_show_a_few_cells_and_the_whole_map() -> None:
    q = question(ID, params=EDGE_CASES[10])
    slide = next(s.text for s in q.solution if s.title == "Slide the kernel")
    assert slide.count(r"\text{out}[") == 6 and "The other 250 cells" in slide


REFUSED = [
    ({"kernel": [[1]]}, "image"),
    ({"image": [[1]]}, "kernel"),
    ({"image": [[1, 2], [3]], "kernel": [[1]]}, "image"),
    ({"image": [], "kernel": [[1]]}, "image"),
    ({"image": [1, 2, 3], "kernel": [[1]]}, "image"),
    ({"image": [[1, "a"]], "kernel": [[1]]}, "image"),
    ({"image": [[1, True]], "kernel": [[1]]}, "image"),
    ({"image": [[0] * 17], "kernel": [[1]]}, "image"),
    ({"image": [[0]] * 17, "kernel": [[1]]}, "image"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1, 1, 1]]}, "kernel"),  # wider than the image
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]] * 8}, "kernel"),  # more than 7 rows
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "stride": 0}, "stride"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "stride": [1, 2, 3]}, "stride"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "stride": 17}, "stride"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "padding": -1}, "padding"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "padding": 4}, "padding"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "padding": "same"}, "padding"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "flip_kernel": 1}, "flip_kernel"),
    ({"image": [[1, 2], [3, 4]], "kernel": [[1]], "dilation": 2}, "dilation"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)


@pytest.mark.parametrize("params", [
    {"image": [[1, 2], [3, 4]], "kernel": [[1, 1, 1]]},
    {"image": [[1, 2], [3, 4]], "kernel": [[1]], "stride": 0},
    {"image": [[1, 2], [3, 4]], "kernel": [[1]], "padding": -1},
])
def test_torch_refuses_what_we_refuse(params: dict[str, Any]) -> None:
    with pytest.raises(RuntimeError):
        torch_output(params)
