"""cnn.layer_table against the same network built from real torch modules."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn

from dlexam import ParamError, question
from tests.helpers import refused

TOPIC = "cnn.layer_table"


def torch_rows(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Each layer as torch runs it on an N×C×H×W zero image: the output shape (as H×W×C,
    or [N] after a Linear) and the numel of its weight and bias."""
    h, w, c = params["input"]
    x = torch.zeros(1, c, h, w)
    rows = []
    for text in params["layers"]:
        kind, *rest = text.upper().split("-")
        numbers = [int(t) for t in rest if t.isdigit()]
        opts = {t[0]: int(t[1:]) for t in rest if not t.isdigit()}
        if kind == "CONV":
            module: nn.Module = nn.Conv2d(x.shape[1], numbers[1], numbers[0], stride=opts.get("S", 1),
                                          padding=opts.get("P", 0))
        elif kind == "POOL":
            module = nn.MaxPool2d(numbers[0], stride=opts.get("S", numbers[0]), padding=opts.get("P", 0),
                                  ceil_mode=params.get("ceil_mode", False))
        else:
            if x.dim() > 2:
                x = nn.Flatten()(x)
            module = nn.Linear(x.shape[1], numbers[0])
        with torch.no_grad():
            x = module(x)
        shape = [x.shape[2], x.shape[3], x.shape[1]] if x.dim() == 4 else [x.shape[1]]
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        rows.append({
            "layer": text,
            "shape": [int(d) for d in shape],
            "weights": weight.numel() if weight is not None else 0,
            "biases": bias.numel() if bias is not None else 0,
            "total": sum(p.numel() for p in module.parameters()),
        })
    return rows


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    theirs = torch_rows(q.params)
    ours = q.part("rows").answer
    assert [{k: r[k] for k in ("layer", "shape", "weights", "biases")} for r in theirs] == ours
    assert q.part("total_params").answer == sum(r["total"] for r in theirs)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    assert_matches_torch(question(TOPIC, seed=seed).params)


EDGE_CASES = [
    # LeNet-5 on 32×32×1 (FC after FC takes the previous outputs, not a flattened image)
    {"input": [32, 32, 1], "layers": ["CONV-5-6", "POOL-2", "CONV-5-16", "POOL-2", "FC-120", "FC-84",
                                      "FC-10"]},
    # AlexNet's first layers: 227 → 55 → 27 (3×3/2 pooling divides exactly)
    {"input": [227, 227, 3], "layers": ["CONV-11-96-S4", "POOL-3-S2", "CONV-5-256-P2", "POOL-3-S2"]},
    # flooring: (32 + 2 − 3)/2 = 15.5 → 16; (7 − 2)/2 = 2.5 → 3 pooled down
    {"input": [32, 32, 3], "layers": ["CONV-3-8-S2-P1", "POOL-2", "FC-10"]},
    {"input": [7, 7, 4], "layers": ["POOL-2", "FC-3"]},
    # ceil mode rounds pooling up: 7 → 4 with 2×2/2
    {"input": [7, 7, 4], "layers": ["POOL-2", "FC-3"], "ceil_mode": True},
    # ceil mode's last-window rule: 5 + 1 padding, 2×2/2 would start a window in the padding
    {"input": [5, 5, 2], "layers": ["POOL-2-P1"], "ceil_mode": True},
    {"input": [5, 5, 2], "layers": ["POOL-3-S2-P1"], "ceil_mode": True},
    # ceil mode keeps a window that hangs over the edge: torch gives 1, not 0
    {"input": [3, 3, 2], "layers": ["POOL-4"], "ceil_mode": True},
    # rectangular input, suffixes in either order, lower case
    {"input": [10, 6, 3], "layers": ["conv-3-4-p1-s2", "CONV-3-5-P1-S2", "pool-2-s1"]},
    # a kernel exactly as large as the input leaves a 1×1 output
    {"input": [5, 5, 3], "layers": ["CONV-5-10", "FC-2"]},
    # padding makes a large kernel fit
    {"input": [2, 2, 1], "layers": ["CONV-4-2-P1"]},
    {"input": [1, 1, 8], "layers": ["FC-4", "FC-4"]},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


REFUSED = [
    ({"input": [32, 32, 3], "layers": ["CONV-3-8", "CONV-3"]}, "index 1", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["CONV-3-8", "POOL-2", "RELU"]}, "index 2", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["CONV-0-8"]}, "index 0", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["CONV-3-8-S0"]}, "index 0", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["CONV-3-8-S2-S2"]}, "index 0", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["FC-10-S2"]}, "index 0", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["POOL-2-4"]}, "index 0", "not a layer"),
    ({"input": [32, 32, 3], "layers": [3]}, "index 0", "not a layer"),
    ({"input": [32, 32, 3], "layers": ["CONV-3-8", "FC-10", "CONV-3-8"]}, "index 2", "FC"),
    ({"input": [32, 32, 3], "layers": ["CONV-3-8", "FC-10", "POOL-2"]}, "index 2", "FC"),
    ({"input": [4, 4, 3], "layers": ["CONV-5-8"]}, "index 0", "no output"),
    ({"input": [8, 8, 3], "layers": ["POOL-2", "POOL-2", "POOL-2", "POOL-2"]}, "index 3", "no output"),
    ({"input": [8, 8, 3], "layers": ["POOL-3-P2"]}, "index 0", "half the kernel"),
    ({"input": [8, 8, 3], "layers": []}, "", "list of 1 to"),
    ({"input": [8, 8, 3], "layers": "CONV-3-8"}, "", "list of 1 to"),
]


@pytest.mark.parametrize(("params", "where", "why"), REFUSED)
def test_bad_layers_are_refused_naming_layers_the_index_and_the_string(
        params: dict[str, Any], where: str, why: str) -> None:
    with pytest.raises(ParamError) as info:
        question(TOPIC, params=params)
    message = str(info.value)
    assert info.value.param == "layers" and "\n" not in message
    assert where in message and why in message
    if where:
        bad = params["layers"][int(where.split()[-1])]
        assert str(bad) in message
    if why == "not a layer":
        assert "CONV-K-N[-S<s>][-P<p>]" in message and "FC-N" in message


@pytest.mark.parametrize(("params", "param"), [
    ({"input": [32, 32], "layers": ["FC-2"]}, "input"),
    ({"input": [0, 32, 3], "layers": ["FC-2"]}, "input"),
    ({"input": [32, 32, 10**9], "layers": ["FC-2"]}, "input"),
    ({"input": [8, 8, 3], "layers": ["FC-2"], "ceil_mode": "yes"}, "ceil_mode"),
    ({"input": [8, 8, 3], "layers": ["FC-2"] * 31}, "layers"),
])
def test_other_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(TOPIC, params, param)


# the refusals that are torch's own rules: no output, and pooling padding over half the kernel
TORCH_RULES = [params for params, _, why in REFUSED if why in ("no output", "half the kernel")]


@pytest.mark.parametrize("params", TORCH_RULES)
def test_torch_refuses_what_we_refuse(params: dict[str, Any]) -> None:
    with pytest.raises(RuntimeError):
        torch_rows(params)


def test_the_key_substitutes_the_weight_formula_and_explains_rounding() -> None:
    q = question(TOPIC, params=EDGE_CASES[2])
    text = "\n".join(s.text for s in q.solution)
    assert r"K \cdot K \cdot C_{in} \cdot N = 3 \cdot 3 \cdot 3 \cdot 8 = 216" in text
    assert "round down" in text
    ceil = "\n".join(s.text for s in question(TOPIC, params=EDGE_CASES[4]).solution)
    assert "round up" in ceil


def test_every_layer_has_its_own_line_in_the_key_and_the_total_comes_last() -> None:
    q = question(TOPIC, params=EDGE_CASES[0])
    titles = [s.title for s in q.solution]
    layers = EDGE_CASES[0]["layers"]
    assert [t for t in titles if re.match(r"\d+\. ", t)] == [f"{i + 1}. {x}" for i, x in enumerate(layers)]
    assert titles[-1] == "Total" and str(q.part("total_params").answer) in q.solution[-1].text


def test_seeded_variants_never_need_rounding() -> None:
    for seed in range(200):
        q = question(TOPIC, seed=seed)
        assert "round" not in " ".join(s.text for s in q.solution[1:]), seed
        assert 3 <= len(q.params["layers"]) <= 6


# -- error carried forward (the torch-checked follow-through is in tests/grade/test_carry.py) --

def read_rows(q: Any, rows: Any) -> Any:
    import json

    from dlexam.grade.parse import read

    return read("table", json.dumps(rows), expected=q.part("rows").answer).value


def follow(q: Any, part_id: str, rows: Any) -> Any:
    from dlexam import get_topic

    return get_topic(TOPIC).follow_through(q.params, part_id, {"rows": read_rows(q, rows)})


def test_the_table_is_chained_and_the_total_depends_on_it() -> None:
    q = question(TOPIC, seed=0)
    assert q.part("rows").chained and not q.part("rows").depends_on
    assert q.part("total_params").depends_on == ("rows",)


@pytest.mark.parametrize("seed", range(0, 200, 5))
def test_followed_through_from_the_right_rows_every_key_is_its_own(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    rows = q.part("rows").answer
    assert follow(q, "rows", rows) == rows
    assert follow(q, "total_params", rows) == q.part("total_params").answer


LENET = EDGE_CASES[0]


@pytest.mark.parametrize("bad_shape", [[28, 28], [28, 28, 6, 1], [0, 28, 6], [1, 1, 1], [32, 32, 1],
                                       [2.5, 28, 6]])
def test_a_shape_of_the_wrong_form_or_a_trivial_one_leaves_the_next_row_on_the_key(
        bad_shape: list[Any]) -> None:
    q = question(TOPIC, params=LENET)
    rows = [dict(r) for r in q.part("rows").answer]
    rows[0]["shape"] = bad_shape
    assert follow(q, "rows", rows) == q.part("rows").answer


def test_a_shape_too_small_for_the_next_layer_leaves_that_row_on_the_key() -> None:
    q = question(TOPIC, params=LENET)
    key = q.part("rows").answer
    rows = [dict(r) for r in key]
    rows[1]["shape"] = [3, 3, 6]  # the next layer, a 5×5 convolution, has no output on it
    assert follow(q, "rows", rows) == key


def test_a_shape_copied_down_from_the_row_above_is_not_followed() -> None:
    q = question(TOPIC, params=LENET)
    key = q.part("rows").answer
    rows = [dict(r) for r in key]
    rows[1]["shape"] = rows[0]["shape"]  # the pooling row left at 28×28×6
    assert follow(q, "rows", rows) == key


@pytest.mark.parametrize("rows_change", [{"weights": None}, {"biases": -1}, {"weights": 2.5}])
def test_a_count_that_is_missing_or_not_a_whole_number_gives_no_total(rows_change: dict[str, Any]) -> None:
    q = question(TOPIC, params=LENET)
    rows = [dict(r) for r in q.part("rows").answer]
    rows[2].update(rows_change)
    assert follow(q, "total_params", rows) is None
    assert follow(q, "total_params", rows[:-1]) is None
