"""cnn.receptive_field against autograd: the field is where an output unit's gradient is nonzero."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from dlexam import ParamError, question


def _chain(layers: list[dict[str, Any]]) -> nn.Sequential:
    convs = []
    for layer in layers:
        conv = nn.Conv1d(1, 1, layer["kernel"], stride=layer.get("stride", 1),
                         dilation=layer.get("dilation", 1), bias=False).double()
        with torch.no_grad():
            conv.weight.fill_(1.0)  # positive weights and inputs: no gradient cancels by accident
        convs.append(conv)
    return nn.Sequential(*convs)


def _support(chain: nn.Sequential, x: torch.Tensor, unit: int) -> torch.Tensor:
    """Indices of the input pixels whose gradient for output `unit` is nonzero."""
    x.grad = None
    chain(x)[0, 0, unit].backward()
    assert x.grad is not None
    return torch.nonzero(x.grad[0, 0]).flatten()


def torch_rf_and_jump(layers: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
    """For every layer prefix: the span of nonzero input gradient of one unit (the receptive
    field) and how far it moves for the next unit (the jump), measured on real Conv1d chains."""
    rf, jump = [], []
    for depth in range(1, len(layers) + 1):
        chain = _chain(layers[:depth])
        # an input surely long enough for two units of the last layer: a loose bound, not our formula
        n = 2 + sum(layer.get("dilation", 1) * layer["kernel"] for layer in layers[:depth])
        for layer in layers[:depth]:
            n *= layer.get("stride", 1)
        x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
        assert chain(x).shape[-1] >= 2
        first, second = _support(chain, x, 0), _support(chain, x, 1)
        rf.append(int(first[-1] - first[0]) + 1)
        assert int(second[-1] - second[0]) + 1 == rf[-1]  # every unit sees a field of the same size
        jump.append(int(second[0] - first[0]))
        assert int(second[-1] - first[-1]) == jump[-1]
    return rf, jump


def _check(params: dict[str, Any]) -> None:
    q = question("cnn.receptive_field", params=params)
    rf, jump = torch_rf_and_jump(q.params["layers"])
    assert q.part("rf").answer == rf
    assert q.part("jump").answer == jump


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_autograd(seed: int) -> None:
    _check(question("cnn.receptive_field", seed=seed).params)


EDGE_CASES = [
    {"layers": [{"kernel": 1}]},  # a 1x1 convolution sees one pixel
    {"layers": [{"kernel": 3}, {"kernel": 3}, {"kernel": 3}]},  # VGG: three 3x3 see 7x7
    {"layers": [{"kernel": 2, "dilation": d} for d in (1, 2, 4, 8)]},  # WaveNet: 16
    {"layers": [{"kernel": 11, "stride": 4}, {"kernel": 3, "stride": 2}, {"kernel": 5},
                {"kernel": 3, "stride": 2}, {"kernel": 3}, {"kernel": 3}, {"kernel": 3},
                {"kernel": 3, "stride": 2}]},  # AlexNet's conv and pool layers
    {"layers": [{"kernel": 1, "stride": 2}, {"kernel": 3}]},  # stride larger than kernel: gaps
    {"layers": [{"kernel": 2, "stride": 3}, {"kernel": 2, "stride": 3}]},
    {"layers": [{"kernel": 7, "stride": 2}, {"kernel": 3, "stride": 2}]},  # ResNet's stem
    {"layers": [{"kernel": 3, "stride": 2, "dilation": 3}, {"kernel": 4, "stride": 1, "dilation": 2}]},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_autograd(params: dict[str, Any]) -> None:
    _check(params)


def test_defaults_are_filled_in_when_the_params_are_echoed() -> None:
    q = question("cnn.receptive_field", params={"layers": [{"kernel": 3}]})
    assert q.params == {"layers": [{"kernel": 3, "stride": 1, "dilation": 1}]}


REFUSED = [
    {"layers": []},
    {"layers": "3x3"},
    {"layers": [3, 3]},
    {"layers": [{"stride": 2}]},
    {"layers": [{"kernel": 0}]},
    {"layers": [{"kernel": 3, "stride": 0}]},
    {"layers": [{"kernel": 3, "dilation": 0}]},
    {"layers": [{"kernel": 3, "stride": 1.5}]},
    {"layers": [{"kernel": True}]},
    {"layers": [{"kernel": 3, "padding": 1}]},
    {"layers": [{"kernel": 10**6}]},
    {"layers": [{"kernel": 10**5000}]},  # too long even to print
    {"layers": [{"kernel": 3}] * 33},
    {},
]


@pytest.mark.parametrize("params", REFUSED)
def test_bad_layers_are_refused_naming_the_param(params: dict[str, Any]) -> None:
    with pytest.raises(ParamError) as info:
        question("cnn.receptive_field", params=params)
    assert info.value.param == "layers"
    assert "\n" not in str(info.value)


def test_a_bad_layer_is_named_by_its_position() -> None:
    with pytest.raises(ParamError, match="layer 2"):
        question("cnn.receptive_field", params={"layers": [{"kernel": 3}, {"kernel": -1}]})


@pytest.mark.parametrize("key", ["kernel", "stride", "dilation"])
def test_torch_refuses_a_zero_kernel_stride_or_dilation_too(key: str) -> None:
    with pytest.raises(RuntimeError, match=r"(?i)zero|positive"):
        _chain([{"kernel": 3} | {key: 0}])(torch.ones(1, 1, 64, dtype=torch.float64))


def test_the_key_substitutes_the_numbers_of_every_layer() -> None:
    q = question("cnn.receptive_field", params=EDGE_CASES[1])
    assert q.solution[1].text.count("**Layer") == 3
    assert "r_{3} = r_{2} + " in q.solution[1].text
