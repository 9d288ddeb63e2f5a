"""pool.output_shape against real torch pooling modules."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import torch
from torch import nn

from dlexam import ParamError, question
from tests.helpers import refused

MODULES = {
    ("max", 1): nn.MaxPool1d, ("max", 2): nn.MaxPool2d, ("max", 3): nn.MaxPool3d,
    ("avg", 1): nn.AvgPool1d, ("avg", 2): nn.AvgPool2d, ("avg", 3): nn.AvgPool3d,
}


def _arg(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def torch_shape(params: dict[str, Any]) -> list[int]:
    """The output shape torch gives (or its error) for our params, on a real zero tensor."""
    shape = params["input"]
    kind = params.get("kind", "max")
    kwargs = {k: _arg(params[k]) for k in ("stride", "padding", "dilation", "ceil_mode") if k in params}
    if kind == "avg" and kwargs.get("dilation") in (1, (1,) * (len(shape) - 2)):
        kwargs.pop("dilation")  # AvgPool has no such argument: dilation 1 is its only behaviour
    module = MODULES[kind, len(shape) - 2](_arg(params["kernel"]), **kwargs)
    with torch.no_grad():  # a batch of one is enough: the batch size only passes through
        out = module(torch.zeros([1, *shape[1:]]))
    return [shape[0], *out.shape[1:]]


def refused_by_torch(params: dict[str, Any]) -> bool:
    try:
        torch_shape(params)
    except (RuntimeError, ValueError, TypeError):
        return True
    return False


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    q = question("pool.output_shape", seed=seed)
    assert q.part("shape").answer == torch_shape(q.params)


def test_seeded_variants_exercise_rounding_ceil_mode_and_both_kinds() -> None:
    params = [question("pool.output_shape", seed=s).params for s in range(200)]
    assert {p["kind"] for p in params} == {"max", "avg"}
    assert any(p["ceil_mode"] for p in params) and not all(p["ceil_mode"] for p in params)
    assert any("not whole" in question("pool.output_shape", seed=s).solution[-2].text for s in range(50))


EDGE_CASES = [
    {"input": [8, 96, 55, 55], "kernel": 2},  # the classic: floor(53/2) + 1 = 27
    {"input": [8, 96, 55, 55], "kernel": 2, "ceil_mode": True},  # 28
    {"input": [1, 96, 55, 55], "kernel": 3, "stride": 2},  # AlexNet's overlapping pool
    {"input": [1, 1, 5], "kernel": 2, "padding": 1, "ceil_mode": True},  # last window dropped
    {"input": [1, 1, 5], "kind": "avg", "kernel": 2, "padding": 1, "ceil_mode": True},
    {"input": [1, 1, 6, 7], "kernel": [2, 3], "stride": [1, 2], "padding": [1, 0]},
    {"input": [1, 2, 9, 9], "kernel": 3, "stride": 2, "dilation": 2, "ceil_mode": True},
    {"input": [1, 2, 9, 9], "kernel": 3, "padding": 1, "dilation": 3},  # p <= k/2 even if dilated
    {"input": [1, 1, 4, 5, 6], "kind": "avg", "kernel": 2, "ceil_mode": True},
    {"input": [1, 1, 4, 5, 6], "kernel": [1, 2, 3], "stride": 2, "padding": [0, 1, 1]},
    {"input": [1, 1, 1], "kernel": 4, "stride": 3, "padding": 2, "ceil_mode": True},  # tiny
    {"input": [1, 1, 7, 7], "kind": "avg", "kernel": 7},  # global pooling: one window
    {"input": [2, 3, 8, 8], "kernel": 2, "stride": None},  # explicit null: stride = kernel
    {"input": [2, 3, 8, 8], "kind": "avg", "kernel": 2, "dilation": [1, 1]},
    {"input": [1, 1, 10], "kernel": 3, "stride": 5, "ceil_mode": True},  # stride > kernel
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert question("pool.output_shape", params=params).part("shape").answer == torch_shape(params)


def _grid() -> list[dict[str, Any]]:
    cases = []
    for kind, dims, size, k, s, pad, d, ceil in itertools.product(
        ("max", "avg"), (1, 2), range(1, 8), range(1, 5), range(1, 4), range(3), (1, 2), (False, True)
    ):
        if kind == "avg" and d != 1:
            continue
        cases.append({"input": [1, 1, *[size] * dims], "kind": kind, "kernel": k, "stride": s,
                      "padding": pad, "dilation": d, "ceil_mode": ceil})
    for kind, size, k, pad, ceil in itertools.product(("max", "avg"), range(1, 5), range(1, 4), range(2),
                                                      (False, True)):
        cases.append({"input": [1, 1, size, size + 1, 4], "kind": kind, "kernel": k, "stride": 2,
                      "padding": pad, "ceil_mode": ceil})
    return cases


def test_a_grid_of_small_layers_is_accepted_and_refused_exactly_as_torch_does() -> None:
    """Every combination: the same shape when torch accepts it, a ParamError when it refuses."""
    for params in _grid():
        try:
            ours = question("pool.output_shape", params=params).part("shape").answer
        except ParamError:
            assert refused_by_torch(params), params
        else:
            assert ours == torch_shape(params), params


REFUSED = [
    ({"input": [1, 3, 8, 8], "kernel": 0}, "kernel"),
    ({"input": [1, 3, 8, 8], "kernel": 2, "stride": 0}, "stride"),
    ({"input": [1, 3, 8, 8], "kernel": 2, "stride": 1.5}, "stride"),
    ({"input": [1, 3, 8, 8], "kernel": 3, "padding": 2}, "padding"),
    ({"input": [1, 3, 8, 8], "kernel": 3, "padding": -1}, "padding"),
    ({"input": [1, 3, 9, 9], "kernel": 3, "padding": 2, "dilation": 3}, "padding"),
    ({"input": [1, 3, 8, 8], "kind": "avg", "kernel": 2, "dilation": 2}, "dilation"),
    ({"input": [1, 3, 3, 3], "kernel": 4, "padding": 0}, "kernel"),
    ({"input": [1, 3, 4, 4], "kernel": 3, "dilation": 3}, "kernel"),
    ({"input": [1, 1, 1, 4, 4], "kind": "avg", "kernel": 2, "padding": 1}, "kernel"),  # AvgPool3d
    ({"input": [1, 3, 8, 8], "kernel": [2, 2, 2]}, "kernel"),
    ({"input": [1, 3, 8, 8], "kernel": 2, "ceil_mode": "yes"}, "ceil_mode"),
    ({"input": [1, 3, 8, 8], "kind": "min", "kernel": 2}, "kind"),
    ({"input": [3, 8, 8], "kind": "max", "kernel": [2, 2]}, "kernel"),
    ({"input": [1, 3, 8, 8, 8, 8], "kernel": 2}, "input"),
    ({"input": [1, 3, 0, 8], "kernel": 2}, "input"),
    ({"input": [1, 3, 8, 10**12], "kernel": 2}, "input"),
    ({"input": [1, 3, 8, 8]}, "kernel"),
    ({"input": [1, 3, 8, 8], "kernel": -(10**5000)}, "kernel"),  # too long even to print
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused("pool.output_shape", params, param)


# torch's own rules (rank, type, size-cap and option checks are ours alone)
TORCH_RULES = [(params, param) for params, param in REFUSED[:11]]


@pytest.mark.parametrize(("params", "param"), TORCH_RULES)
def test_torch_refuses_what_we_refuse(params: dict[str, Any], param: str) -> None:
    assert refused_by_torch(params)


def test_the_default_stride_is_echoed_as_null_and_explained() -> None:
    q = question("pool.output_shape", params={"input": [1, 3, 55, 55], "kernel": 2})
    assert q.params["stride"] is None
    assert any(step.title == "Stride" for step in q.solution)


def test_the_prompt_states_the_rounding_rule() -> None:
    floor = question("pool.output_shape", params={"input": [1, 3, 55, 55], "kernel": 2})
    ceil = question("pool.output_shape", params={"input": [1, 3, 55, 55], "kernel": 2, "ceil_mode": True})
    assert "rounded *down*" in floor.prompt and "rounded *up*" in ceil.prompt


def test_flooring_and_a_dropped_last_window_are_explained_in_the_key() -> None:
    floor = question("pool.output_shape", params=EDGE_CASES[0])
    assert "round down" in floor.solution[-2].text
    dropped = question("pool.output_shape", params=EDGE_CASES[3])
    assert "drops it" in dropped.solution[-2].text
