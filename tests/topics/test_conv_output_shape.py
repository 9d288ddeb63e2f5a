"""conv.output_shape against real torch modules."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from dlexam import question
from tests.helpers import refused

MODULES = {
    (False, 1): nn.Conv1d, (False, 2): nn.Conv2d, (False, 3): nn.Conv3d,
    (True, 1): nn.ConvTranspose1d, (True, 2): nn.ConvTranspose2d, (True, 3): nn.ConvTranspose3d,
}


def torch_shape(params: dict[str, Any]) -> list[int]:
    shape = params["input"]
    transposed = params.get("transposed", False)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()
              if k in ("stride", "padding", "dilation", "output_padding")}
    if not transposed and not kwargs.get("output_padding"):
        kwargs.pop("output_padding", None)  # Conv2d has no such argument: a non-zero one fails
    module = MODULES[transposed, len(shape) - 2](
        shape[1], params["out_channels"], params["kernel"] if not isinstance(params["kernel"], list)
        else tuple(params["kernel"]), bias=False, **kwargs)
    with torch.no_grad():  # a batch of one is enough: the batch size only passes through
        out = module(torch.zeros([1, *shape[1:]]))
    return [shape[0], *out.shape[1:]]


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    q = question("conv.output_shape", seed=seed)
    assert q.part("shape").answer == torch_shape(q.params)


EDGE_CASES = [
    # flooring: (32 + 2 - 3) / 2 = 15.5 -> 15 + 1
    {"input": [1, 3, 32, 32], "out_channels": 8, "kernel": 3, "stride": 2, "padding": 1},
    {"input": [2, 3, 227, 227], "out_channels": 96, "kernel": 11, "stride": 4},
    {"input": [1, 1, 7, 9], "out_channels": 2, "kernel": [3, 1], "stride": [2, 3], "padding": [0, 1]},
    {"input": [1, 2, 10], "out_channels": 3, "kernel": 4, "padding": "same"},  # odd total padding
    {"input": [1, 2, 10, 11], "out_channels": 3, "kernel": 3, "padding": "same", "dilation": 2},
    {"input": [1, 2, 6, 6], "out_channels": 3, "kernel": 3, "padding": "valid", "stride": 2},
    {"input": [1, 1, 5, 5], "out_channels": 1, "kernel": 5},  # exactly one window
    {"input": [1, 1, 4, 4, 4], "out_channels": 2, "kernel": 2, "stride": 2},
    {"input": [1, 4, 8, 8], "out_channels": 2, "kernel": 3, "stride": 2, "padding": 1,
     "transposed": True, "output_padding": 1},
    {"input": [1, 4, 5], "out_channels": 2, "kernel": 3, "dilation": 3, "transposed": True,
     "output_padding": 2},  # output_padding < dilation is allowed
    {"input": [1, 1, 3, 3], "out_channels": 1, "kernel": 3, "padding": 5},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert question("conv.output_shape", params=params).part("shape").answer == torch_shape(params)


REFUSED = [
    ({"input": [1, 3, 32, 32], "out_channels": 8, "kernel": -3}, "kernel"),
    ({"input": [1, 3, 32, 32], "out_channels": 8, "kernel": 5, "stride": 0}, "stride"),
    ({"input": [1, 3, 4, 4], "out_channels": 8, "kernel": 5}, "kernel"),
    ({"input": [3, 32, 32, 1, 1, 1], "out_channels": 8, "kernel": 3}, "input"),
    ({"input": [1, 3, 8, 8], "out_channels": 8, "kernel": [3, 3, 3]}, "kernel"),
    ({"input": [1, 3, 8, 8], "out_channels": 8, "kernel": 3, "stride": 2, "padding": "same"}, "padding"),
    ({"input": [1, 3, 8, 8], "out_channels": 8, "kernel": 3, "padding": "full"}, "padding"),
    ({"input": [1, 3, 8, 8], "out_channels": 8, "kernel": 3, "output_padding": 1}, "output_padding"),
    ({"input": [1, 3, 8, 8], "out_channels": 8, "kernel": 3, "stride": 2, "transposed": True,
      "output_padding": 2}, "output_padding"),
    ({"input": [1, 3, 8, 8], "out_channels": 8, "kernel": 3, "stride": 1.5}, "stride"),
    ({"input": [1, 3, 8, 8], "out_channels": True, "kernel": 3}, "out_channels"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused("conv.output_shape", params, param)


# the refusals that are torch's own rules (rank and type checks are ours alone)
TORCH_RULES = [(params, param) for params, param in REFUSED if param not in ("input", "out_channels")]


@pytest.mark.parametrize(("params", "param"), TORCH_RULES)
def test_torch_refuses_what_we_refuse(params: dict[str, Any], param: str) -> None:
    with pytest.raises((RuntimeError, ValueError, TypeError, AssertionError)):
        torch_shape(params)


def test_flooring_is_explained_in_the_key() -> None:
    q = question("conv.output_shape", params=EDGE_CASES[0])
    assert "round down" in q.solution[1].text
