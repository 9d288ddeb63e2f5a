"""design.region_classifier against torch: designs run as nn.Linear → ReLU (or
heaviside(·, 0)) → nn.Linear in float64; check()'s verdict is compared with torch's
classification of the grading points, and the key is also run by torch on thousands of
random points in the graded zones (not only the fixed point set)."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam import get_topic, question
from tests.helpers import refused_by_build_and_check

TOPIC = "design.region_classifier"
topic = get_topic(TOPIC)
grading_points = topic.module.grading_points
F64 = torch.float64
BASE = {"region": {"x": [0, 2], "y": [-1, 1.5]}}  # margin 0.1 by default


def num(v: Any) -> float:
    if isinstance(v, dict):
        v = v["exact"]
    return float(Fraction(v)) if isinstance(v, str) else float(v)


def network(design: dict[str, Any], activation: str) -> torch.nn.Sequential:
    hidden = len(design["W1"])
    first, last = torch.nn.Linear(2, hidden, dtype=F64), torch.nn.Linear(hidden, 1, dtype=F64)
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[num(v) for v in r] for r in design["W1"]], dtype=F64))
        first.bias.copy_(torch.tensor([num(v) for v in design["b1"]], dtype=F64))
        last.weight.copy_(torch.tensor([[num(v) for v in design["w2"]]], dtype=F64))
        last.bias.copy_(torch.tensor([num(design["b2"])], dtype=F64))

    class Step(torch.nn.Module):
        def forward(self, s: torch.Tensor) -> torch.Tensor:
            return torch.heaviside(s, torch.zeros((), dtype=F64))

    return torch.nn.Sequential(first, torch.nn.ReLU() if activation == "relu" else Step(), last)


def torch_z(params: dict[str, Any], design: dict[str, Any], points: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return network(design, params.get("activation", "relu"))(points).flatten()


def torch_verdict(params: dict[str, Any], design: dict[str, Any]) -> bool | None:
    """torch's classification of the grading points: all right? None when some z is so near
    0 that float64 cannot tell the side and no other point is wrong (the exact check decides)."""
    pts = grading_points(params)
    z = torch_z(params, design, torch.tensor([[float(x), float(y)] for (x, y), _, _ in pts], dtype=F64))
    inside = torch.tensor([i for _, i, _ in pts])
    clear = z.abs() >= 1e-9
    if not ((z > 0) == inside)[clear].all():
        return False
    return True if clear.all() else None


def key_of(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(question(TOPIC, params=params).part("weights").answer))


# -- the key ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(200))
def test_the_key_of_every_seed_passes_torch_and_its_own_check(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    key = q.part("weights").answer
    assert torch_verdict(q.params, key) is True
    verdict = topic.check(q.params, key)
    assert verdict.ok, verdict.message


@pytest.mark.parametrize("seed", range(0, 200, 5))
def test_the_key_is_right_on_random_points_everywhere_it_is_graded(seed: int) -> None:
    """Not only on the grading points: uniform points inside the shrunk rectangle and in a
    wide frame outside the grown one, classified by torch."""
    q = question(TOPIC, seed=seed)
    (a, b), (c, d) = ([num(v) for v in q.params["region"][k]] for k in ("x", "y"))
    m = num(q.params["margin"])
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(4000, 2, generator=g, dtype=F64)
    inner = torch.stack([a + m + u[:, 0] * (b - a - 2 * m), c + m + u[:, 1] * (d - c - 2 * m)], dim=1)
    span = 3 * max(b - a, d - c)
    box = torch.stack([a - span + u[:, 0] * (b - a + 2 * span),
                       c - span + u[:, 1] * (d - c + 2 * span)], dim=1)
    outside = (box[:, 0] < a - m) | (box[:, 0] > b + m) | (box[:, 1] < c - m) | (box[:, 1] > d + m)
    key = q.part("weights").answer
    assert (torch_z(q.params, key, inner) > 0).all()
    assert (torch_z(q.params, key, box[outside]) < 0).all()


def test_seeded_variants_vary_region_margin_activation_and_size() -> None:
    seen = [question(TOPIC, seed=s).params for s in range(200)]
    assert len({json.dumps(p["region"]) for p in seen}) >= 100
    assert {p["activation"] for p in seen} == {"relu", "step"}
    assert {p["hidden"] for p in seen} == {4, 5}
    assert len({p["margin"] for p in seen}) >= 3


def test_the_grading_points_sit_where_the_prompt_says() -> None:
    params = {"region": {"x": [-1, 2], "y": [0.5, 2]}, "margin": 0.25}
    pts = grading_points(params)
    assert pts == grading_points(json.loads(json.dumps(params)))  # deterministic
    m = Fraction(1, 4)
    for (x, y), inside, _ in pts:
        distance_out = max(-1 - x, x - 2, Fraction(1, 2) - y, y - 2)  # > 0 outside, < 0 inside
        assert distance_out <= -m if inside else distance_out >= m
    kinds = {k for _, _, k in pts}
    assert kinds == {"inside by at least the margin", "outside by the margin", "outside", "far outside"}
    corners = {(-1 - m, Fraction(1, 2) - m), (2 + m, 2 + m), (-1 - m, 2 + m), (2 + m, Fraction(1, 2) - m)}
    assert corners <= {p for p, _, _ in pts}


# -- any valid design ----------------------------------------------------------------------------

def other_designs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    a, b, c, d, m = 0, 2, -1, 1.5, 0.1
    out = [
        # the key's units in another order
        (BASE, {"W1": [[0, 1], [1, 0], [0, -1], [-1, 0]], "b1": [-d, -b, c, a], "w2": [-20] * 4, "b2": 1}),
        # each unit scaled by 2, output weights halved to match, k larger
        (BASE, {"W1": [[-2, 0], [2, 0], [0, -2], [0, 2]], "b1": [2 * a, -2 * b, 2 * c, -2 * d],
                "w2": [-30] * 4, "b2": 1}),
        # the lines moved half a margin into the band, with a steeper output
        (BASE, {"W1": [[-1, 0], [1, 0], [0, -1], [0, 1]],
                "b1": [a - m / 2, -b - m / 2, c - m / 2, -d - m / 2],
                "w2": [-40] * 4, "b2": "1/2"}),
        # a fifth unit as a constant source instead of b2
        ({**BASE, "hidden": 5}, {"W1": [[-1, 0], [1, 0], [0, -1], [0, 1], [0, 0]], "b1": [a, -b, c, -d, 1],
                                 "w2": [-11, -11, -11, -11, 1], "b2": 0}),
        # exact strings everywhere
        (BASE, {"W1": [["-1", "0"], ["1", "0"], ["0", "-1"], ["0", "1"]], "b1": ["0", "-2", "-1", "-3/2"],
                "w2": ["-21/2"] * 4, "b2": "1"}),
        # step units: any negative output weight below −1 works
        ({**BASE, "activation": "step"}, {"W1": [[-1, 0], [1, 0], [0, -1], [0, 1]], "b1": [a, -b, c, -d],
                                          "w2": [-1, -5, -1, -1], "b2": 0.5}),
    ]
    return out


@pytest.mark.parametrize(("params", "design"), other_designs())
def test_designs_other_than_the_key_earn_the_marks(params: dict[str, Any], design: dict[str, Any]) -> None:
    assert design != key_of(params)
    assert torch_verdict(params, design) is True
    verdict = topic.check(params, design)
    assert verdict.ok, verdict.message


def near_misses() -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    key = key_of(BASE)

    def changed(**kw: Any) -> dict[str, Any]:
        return {**json.loads(json.dumps(key)), **kw}

    return [
        # output weight too small for the margin: 1 − 5·0.1 > 0 just outside
        (BASE, changed(w2=[-5] * 4), "outside by the margin, gives z = 0.5; it must be ≤ 0"),
        # the right side's bias with the wrong sign
        (BASE, changed(b1=[0, 2, -1, -1.5]), "(0.1, -0.9), inside by at least the margin, gives z = -41;"),
        # the right side moved out by two margins
        (BASE, changed(b1=[0, -2.2, -1, -1.5]), "point (2.1, -0.425), outside by the margin, gives z = 1"),
        # the left side moved in by two margins: the inner grid fails
        (BASE, changed(b1=[0.2, -2, -1, -1.5]), "(0.1, -0.9), inside by at least the margin, gives z = -1"),
        # two biases swapped
        (BASE, changed(b1=[-2, 0, -1, -1.5]), "inside by at least the margin"),
        # a weight row flipped: the unit fires inside
        (BASE, changed(W1=[[1, 0], [1, 0], [0, -1], [0, 1]]), "inside by at least the margin"),
        # k = 1/margin with the left line moved two margins in: z = 0 on the inner grid
        (BASE, changed(b1=[0.2, -2, -1, -1.5], w2=[-10] * 4), "inside by at least the margin, gives z = 0;"),
        # step units whose output weight only cancels the bias: one side past gives z = 0.5
        ({**BASE, "activation": "step"}, changed(w2=[-0.5] * 4), "gives z = 0.5; it must be ≤ 0"),
        # a ReLU design that forgets the far diagonal: only two sides guarded
        (BASE, changed(W1=[[-1, 0], [1, 0], [0, 0], [0, 0]], b1=[0, -2, 0, 0]), "outside"),
    ]


@pytest.mark.parametrize(("params", "design", "message"), near_misses())
def test_near_misses_fail_naming_the_point(params: dict[str, Any], design: Any, message: str) -> None:
    assert torch_verdict(params, design) in (False, None)
    verdict = topic.check(params, design)
    assert not verdict.ok and message in verdict.message, verdict.message
    assert "\n" not in verdict.message


def test_random_and_mutated_designs_get_the_verdict_torch_gives() -> None:
    rng = random.Random(11)
    values = [-20, -4, -2, -1, -0.5, 0, 0.5, 1, 2, 4]
    outcomes = []
    undecided = 0
    for seed in range(300):
        q = question(TOPIC, seed=seed)
        key = json.loads(json.dumps(q.part("weights").answer))
        k = q.params["hidden"]
        mutated = json.loads(json.dumps(key))
        name = rng.choice(["W1", "b1", "w2", "b2"])
        if name == "b2":
            mutated["b2"] = rng.choice(values)
        elif name == "W1":
            mutated["W1"][rng.randrange(k)][rng.randrange(2)] = rng.choice(values)
        else:
            mutated[name][rng.randrange(k)] = rng.choice(values)
        scale = rng.choice([1.5, 2, 3])
        scaled = {**key, "W1": [[num(v) * scale for v in r] for r in key["W1"]],
                  "b1": [num(v) * scale for v in key["b1"]]}  # still right: units only grow
        randomised = {"W1": [[rng.choice(values) for _ in range(2)] for _ in range(k)],
                      "b1": [rng.choice(values) for _ in range(k)],
                      "w2": [rng.choice(values) for _ in range(k)],
                      "b2": rng.choice(values)}
        for design in (mutated, scaled, randomised):
            expected = torch_verdict(q.params, design)
            verdict = topic.check(q.params, design)
            if expected is None:
                undecided += 1
                continue
            assert verdict.ok == expected, (q.params, design, verdict)
            outcomes.append(verdict.ok)
    assert undecided < 30
    assert outcomes.count(True) >= 250 and outcomes.count(False) >= 250


# -- malformed designs never raise -----------------------------------------------------------------

ZERO = {"W1": [[1, 0]] * 4, "b1": [0] * 4, "w2": [0] * 4, "b2": 1}  # right shape, everything inside

MALFORMED = [
    ("inside", "the design must be a JSON object with the keys W1, b1, w2, b2, got the text"),
    ({**ZERO, "W1": [[1, 0]] * 3}, "W1 must be 4 rows of 2 numbers, got 3 rows"),
    ({**ZERO, "b2": float("inf")}, "b2 is not finite"),
    ({**ZERO, "w2": [0, 0, 0, "1e999999"]}, "w2[3] = \"1e999999\" is too large"),
    ({**ZERO, "act": "relu"}, "unexpected key \"act\""),
    ({**ZERO, "b1": [0] * 3}, "b1 must be a list of 4 numbers, got 3 entries"),
    (ZERO, "point (-0.1, -1.1), outside by the margin, gives z = 1; it must be ≤ 0 (outside)"),
]


@pytest.mark.parametrize(("design", "message"), MALFORMED)
def test_malformed_designs_get_a_one_line_reason(design: Any, message: str) -> None:
    verdict = topic.check(BASE, design)
    assert not verdict.ok and message in verdict.message, verdict.message


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
              st.text(max_size=8), st.sampled_from(["1/2", "1/0", "nan", "-1", "1e999", "0.5"])),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(
        st.sampled_from(["W1", "b1", "w2", "b2"]) | st.text(max_size=3), c, max_size=5),
    max_leaves=30)
_n = st.one_of(st.integers(-3, 3), st.floats(), st.fractions(max_denominator=7).map(str), _json)
_four = st.lists(_n, min_size=4, max_size=4)
_row = st.lists(_n, min_size=2, max_size=2) | _n
_shaped = st.fixed_dictionaries({"W1": st.lists(_row, min_size=4, max_size=4),
                                 "b1": _four, "w2": _four, "b2": _n})


@settings(max_examples=300)
@given(design=_json | _shaped, activation=st.sampled_from(["relu", "step"]))
def test_any_json_design_gets_a_verdict_and_never_raises(design: Any, activation: str) -> None:
    verdict = topic.check({**BASE, "activation": activation}, design)
    assert isinstance(verdict.ok, bool) and verdict.message and "\n" not in verdict.message
    assert "could not be read" not in verdict.message


# -- params and text ----------------------------------------------------------------------------

REFUSED = [
    ({}, "region"),
    ({"region": [0, 1, 0, 1]}, "region"),
    ({"region": {"x": [0, 1]}}, "region"),
    ({"region": {"x": [0, 1], "y": [0, 1], "z": [0, 1]}}, "region"),
    ({"region": {"x": [1, 0], "y": [0, 1]}}, "region"),
    ({"region": {"x": [0, 0], "y": [0, 1]}}, "region"),
    ({"region": {"x": [0, "a"], "y": [0, 1]}}, "region"),
    ({"region": {"x": [0, 1, 2], "y": [0, 1]}}, "region"),
    ({"region": {"x": [0, 5000], "y": [0, 1]}}, "region"),
    ({**BASE, "activation": "sigmoid"}, "activation"),
    ({**BASE, "hidden": 3}, "hidden"),
    ({**BASE, "hidden": 9}, "hidden"),
    ({**BASE, "margin": 0}, "margin"),
    ({**BASE, "margin": -0.1}, "margin"),
    ({**BASE, "margin": 1.25}, "margin"),  # half the shorter side is 1
    ({**BASE, "margin": "1/3000000"}, "margin"),
    ({**BASE, "centre": [0, 0]}, "centre"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param_by_build_and_by_check(params: Any, param: str) -> None:
    refused_by_build_and_check(TOPIC, params, param)


def test_the_prompt_states_the_rule_and_the_solution_explains_the_output_weight() -> None:
    q = question(TOPIC, params=BASE)
    assert "$z > 0$ means inside" in q.prompt and "including $z = 0$" in q.prompt and '"W1"' in q.prompt
    text = "\n".join(s.text for s in q.solution)
    assert r"1 - 20 \cdot 0.1 = -1" in text and r"1/\text{margin} = 10" in text
    assert q.part("weights").answer["w2"] == [-20] * 4
    assert "| centre |" in q.solution[1].text


@pytest.mark.parametrize(("region", "unit"), [
    ({"x": [1, 3], "y": [-1, 2]}, r"line $x = 3$ is $\mathrm{ReLU}(x - 3)$, so its bias is $-3$, not $3$"),
    ({"x": [-2, -1], "y": [-1, 2]}, r"line $x = -1$ is $\mathrm{ReLU}(x + 1)$, so its bias is $1$, not $-1$"),
    ({"x": [-2, 0], "y": [-1, 0]}, r"line $x = -2$ is $\mathrm{ReLU}(-x - 2)$, so its bias is $-2$, not $2$"),
    ({"x": [2, 4], "y": [-1, 0]}, r"line $x = 4$ is $\mathrm{ReLU}(x - 4)$, so its bias is $-4$, not $4$"),
])
def test_the_slip_about_the_bias_sign_quotes_a_unit_of_the_key(region: dict[str, Any], unit: str) -> None:
    q = question(TOPIC, params={"region": region})
    assert unit in q.solution[-1].text
    bias = Fraction(unit.split("bias is $")[1].split("$")[0])
    assert bias in [Fraction(b) for b in q.part("weights").answer["b1"]]
