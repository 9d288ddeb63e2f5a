"""design.logic_gate against torch: every design is run through nn.Linear layers and
torch.heaviside(s, 0) (step with step(0) = 0) in float64 on the four rows, and check()'s
verdict is compared with what torch computes. Whether a domain admits a design at all is
checked by brute force: torch runs every design of a small domain at once."""

from __future__ import annotations

import itertools
import json
import random
from fractions import Fraction
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam import ParamError, get_topic, question
from tests.helpers import refused_by_build_and_check

TOPIC = "design.logic_gate"
ROWS = [(0, 0), (0, 1), (1, 0), (1, 1)]
GATE = {  # written out independently of the module
    "and": lambda a, b: a and b, "or": lambda a, b: a or b, "nand": lambda a, b: not (a and b),
    "nor": lambda a, b: not (a or b), "xor": lambda a, b: a != b, "xnor": lambda a, b: a == b,
    "implies": lambda a, b: (not a) or b,
}
topic = get_topic(TOPIC)
F64 = torch.float64


def num(v: Any) -> float:
    if isinstance(v, dict):
        v = v["exact"]
    return float(Fraction(v)) if isinstance(v, str) else float(v)


def step(s: torch.Tensor) -> torch.Tensor:
    return torch.heaviside(s, torch.zeros((), dtype=F64))


def linear(weight: list[list[float]], bias: list[float]) -> torch.nn.Linear:
    layer = torch.nn.Linear(len(weight[0]), len(weight), dtype=F64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight, dtype=F64))
        layer.bias.copy_(torch.tensor(bias, dtype=F64))
    return layer


def torch_outputs(hidden: int, design: dict[str, Any]) -> list[int]:
    x = torch.tensor(ROWS, dtype=F64)
    with torch.no_grad():
        if hidden == 0:
            y = step(linear([[num(v) for v in design["w"]]], [num(design["b"])])(x))
        else:
            h = step(linear([[num(v) for v in r] for r in design["W1"]], [num(v) for v in design["b1"]])(x))
            y = step(linear([[num(v) for v in design["w2"]]], [num(design["b2"])])(h))
    return [int(v) for v in y.flatten().tolist()]


def torch_ok(params: dict[str, Any], design: dict[str, Any]) -> bool:
    """All four rows right, and every number inside the domain."""
    want = [int(GATE[params["gate"]](a, b)) for a, b in ROWS]
    domain = params["weight_domain"]
    values = [v for x in design.values() for v in (x if isinstance(x, list) else [x])]
    values = [v for x in values for v in (x if isinstance(x, list) else [x])]
    inside = domain is None or all(Fraction(num(v)) in {Fraction(num(d)) for d in domain} for v in values)
    return inside and torch_outputs(params["hidden"], design) == want


# -- the key ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(200))
def test_the_key_of_every_seed_passes_torch_and_its_own_check(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    key = q.part("weights").answer
    assert torch_ok(q.params, key), (seed, q.params, key)
    verdict = topic.check(q.params, key)
    assert verdict.ok, verdict.message
    assert topic.check(q.params, json.loads(json.dumps(key))).ok  # the key survives JSON


def test_seeded_variants_cover_every_gate_domain_and_size() -> None:
    seen = [question(TOPIC, seed=s).params for s in range(200)]
    assert {p["gate"] for p in seen} == set(GATE)
    assert {p["hidden"] for p in seen} == {0, 1, 2}
    assert None in [p["weight_domain"] for p in seen]
    assert len({json.dumps(p["weight_domain"]) for p in seen}) >= 5


# -- existence: the search against brute force in torch ---------------------------------------

def all_designs_ok(gate: str, hidden: int, domain: list[float]) -> bool:
    """Does any design with every number from `domain` compute the gate? torch runs them all."""
    d = torch.tensor(domain, dtype=F64)
    n = 3 * hidden + hidden + 1 if hidden else 3
    grid = torch.cartesian_prod(*[d] * n) if n > 1 else d[:, None]
    x = torch.tensor(ROWS, dtype=F64)  # 4 × 2
    want = torch.tensor([float(GATE[gate](a, b)) for a, b in ROWS], dtype=F64)
    if hidden == 0:
        y = step(grid[:, None, :2] @ x.T[None] + grid[:, None, 2:3]).squeeze(1)  # designs × 4
    else:
        w1 = grid[:, : 2 * hidden].reshape(-1, hidden, 2)
        b1 = grid[:, 2 * hidden: 3 * hidden]
        w2, b2 = grid[:, 3 * hidden: 4 * hidden], grid[:, 4 * hidden]
        h = step(torch.einsum("nkj,rj->nrk", w1, x) + b1[:, None, :])  # designs × rows × hidden
        y = step(torch.einsum("nrk,nk->nr", h, w2) + b2[:, None])
    return bool((y == want).all(dim=1).any())


DOMAINS = [[-1, 0, 1], [-1, 1], [0, 1], [-1, -0.5, 0.5, 1], [-2, -1, 0, 1], [1]]


@pytest.mark.parametrize("domain", DOMAINS, ids=json.dumps)
def test_build_accepts_exactly_the_params_torch_finds_a_design_for(domain: list[float]) -> None:
    for gate, hidden in itertools.product(GATE, (0, 1, 2)):
        params = {"gate": gate, "hidden": hidden, "weight_domain": domain}
        exists = all_designs_ok(gate, hidden, [float(v) for v in domain])
        try:
            q = question(TOPIC, params=params)
        except ParamError as e:
            assert not exists, (params, str(e))
            assert e.param in ("hidden", "weight_domain")
            continue
        assert exists, params
        assert torch_ok(q.params, q.part("weights").answer)


def test_nand_needs_a_bias_beyond_one_as_a_single_unit() -> None:
    with pytest.raises(ParamError) as info:
        question(TOPIC, params={"gate": "nand", "hidden": 0})
    assert info.value.param == "weight_domain" and "step(0) = 0" in str(info.value)
    q = question(TOPIC, params={"gate": "nand", "hidden": 0, "weight_domain": None})
    assert q.part("weights").answer == {"w": [-1, -1], "b": 2}


@pytest.mark.parametrize("hidden", [0, 1])
@pytest.mark.parametrize("gate", ["xor", "xnor"])
def test_xor_and_xnor_need_two_hidden_units_and_say_why(gate: str, hidden: int) -> None:
    with pytest.raises(ParamError) as info:
        question(TOPIC, params={"gate": gate, "hidden": hidden, "weight_domain": None})
    assert info.value.param == "hidden" and "not linearly separable" in str(info.value)


# -- any valid design, not only the key -------------------------------------------------------

VALID = [
    # XOR as (OR) AND (NAND), thresholds between the rows, any numbers allowed
    ({"gate": "xor", "weight_domain": None},
     {"W1": [[1, 1], [-1, -1]], "b1": [-0.5, 1.5], "w2": [1, 1], "b2": -1.5}),
    # the same with exact strings and the hidden units swapped
    ({"gate": "xor", "weight_domain": None},
     {"W1": [[-1, -1], [1, 1]], "b1": ["3/2", "-1/2"], "w2": [1, 1], "b2": "-3/2"}),
    # the key's design with its hidden units permuted
    ({"gate": "xor"}, {"W1": [[-1, 1], [1, -1]], "b1": [0, 0], "w2": [1, 1], "b2": 0}),
    # the key scaled by 3, unit by unit (any numbers allowed)
    ({"gate": "xor", "weight_domain": None}, {"W1": [[3, -3], [-2, 2]], "b1": [0, 0], "w2": [5, 5], "b2": 0}),
    # XOR from OR minus AND
    ({"gate": "xor"}, {"W1": [[1, 1], [1, 1]], "b1": [0, -1], "w2": [1, -1], "b2": 0}),
    ({"gate": "xnor"}, {"W1": [[1, 1], [1, 1]], "b1": [0, -1], "w2": [-1, 1], "b2": 1}),
    ({"gate": "and", "hidden": 0, "weight_domain": None}, {"w": [1, 1], "b": -1.5}),
    # AND as NOT NAND through one hidden unit
    ({"gate": "and", "hidden": 1, "weight_domain": None}, {"W1": [[-1, -1]], "b1": [2], "w2": [-1], "b2": 1}),
    ({"gate": "or", "hidden": 0}, {"w": [{"exact": "1", "value": 1.0}, 1], "b": 0}),
    ({"gate": "nor", "hidden": 1}, {"W1": [[1, 1]], "b1": [0], "w2": [-1], "b2": 1}),
    ({"gate": "implies", "hidden": 0, "weight_domain": [-2, -1, 0, 1, 2]}, {"w": [-2, 1], "b": 2}),
    ({"gate": "nand"}, {"W1": [[1, 1], [0, 0]], "b1": [-1, 0], "w2": [-1, 0], "b2": 1}),
    ({"gate": "and", "weight_domain": [-1, -0.5, 0, 0.5, 1]},
     {"W1": [[1, 1], [1, 0]], "b1": [-1, 0], "w2": ["1/2", 0], "b2": 0}),
]


@pytest.mark.parametrize(("params", "design"), VALID)
def test_designs_other_than_the_key_earn_the_marks(params: dict[str, Any], design: dict[str, Any]) -> None:
    full = question(TOPIC, params=params).params
    assert design != question(TOPIC, params=params).part("weights").answer
    assert torch_ok(full, design)
    verdict = topic.check(params, design)
    assert verdict.ok, verdict.message
    assert "XOR" in verdict.message or full["gate"] != "xor"


NEAR_MISSES = [
    # one weight of the key changed
    ({"gate": "xor"}, {"W1": [[1, -1], [-1, 0]], "b1": [0, 0], "w2": [1, 1], "b2": 0}, "row x=(0,1)"),
    # AND with its threshold on the corner: step(0) = 0 at (1, 1)
    ({"gate": "and", "hidden": 0, "weight_domain": None}, {"w": [1, 1], "b": -2},
     "row x=(1,1) gives 0, the gate wants 1 (its output pre-activation is exactly 0"),
    # NAND as a single unit with bias 1: (1,1)... fine, but (0,1) lands on 0
    ({"gate": "nand", "hidden": 0, "weight_domain": None}, {"w": [-1, -1], "b": 1}, "row x=(0,1)"),
    # W1's rows swapped but b1 left in place: h1 never fires, h2 always does
    ({"gate": "xor", "weight_domain": None},
     {"W1": [[-1, -1], [1, 1]], "b1": [-0.5, 1.5], "w2": [1, 1], "b2": -1.5}, "row x=(0,1) gives 0"),
    # a hidden unit exactly at 0 on the failing row
    ({"gate": "xor", "weight_domain": None},
     {"W1": [[1, 1], [-1, -1]], "b1": [-1, 1.5], "w2": [1, 1], "b2": -1.5},
     "hidden unit 1 sits exactly at 0"),
    # implies confused with its converse
    ({"gate": "implies", "hidden": 0}, {"w": [1, -1], "b": 1}, "row x=(0,1) gives 0, the gate wants 1"),
    # right design, but a weight outside the domain
    ({"gate": "xor"}, {"W1": [[1, 1], [-1, -1]], "b1": [-0.5, 1.5], "w2": [1, 1], "b2": -1.5},
     "b1[0] = -0.5 is outside the allowed weights {-1, 0, 1}"),
    ({"gate": "nand", "weight_domain": [-1, 1]},
     {"W1": [[1, 1], [1, 1]], "b1": [-1, -1], "w2": [-1, 0], "b2": 1},
     "w2[1] = 0 is outside the allowed weights {-1, 1}"),
]


@pytest.mark.parametrize(("params", "design", "message"), NEAR_MISSES)
def test_near_misses_fail_naming_the_case(params: dict[str, Any], design: Any, message: str) -> None:
    full = question(TOPIC, params=params).params
    assert not torch_ok(full, design)
    verdict = topic.check(params, design)
    assert not verdict.ok
    assert message in verdict.message, verdict.message


def random_design(rng: random.Random, hidden: int, values: list[Any]) -> dict[str, Any]:
    pick = lambda: rng.choice(values)  # noqa: E731
    if hidden == 0:
        return {"w": [pick(), pick()], "b": pick()}
    return {"W1": [[pick(), pick()] for _ in range(hidden)], "b1": [pick() for _ in range(hidden)],
            "w2": [pick() for _ in range(hidden)], "b2": pick()}


def mutate(rng: random.Random, design: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """The design with one number replaced."""
    out = json.loads(json.dumps(design))
    name = rng.choice(sorted(out))
    if not isinstance(out[name], list):
        out[name] = rng.choice(values)
        return out
    i = rng.randrange(len(out[name]))
    if isinstance(out[name][i], list):
        out[name][i][rng.randrange(2)] = rng.choice(values)
    else:
        out[name][i] = rng.choice(values)
    return out


def test_random_and_mutated_designs_get_the_verdict_torch_gives() -> None:
    rng = random.Random(7)
    outcomes = []
    for seed in range(400):
        q = question(TOPIC, seed=seed)
        domain = q.params["weight_domain"]
        values = domain if domain is not None else [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]
        values = [*values, -0.25, 3]  # sometimes outside the domain
        for design in (random_design(rng, q.params["hidden"], values),
                       mutate(rng, q.part("weights").answer, values)):
            verdict = topic.check(q.params, design)
            assert verdict.ok == torch_ok(q.params, design), (q.params, design, verdict)
            outcomes.append(verdict.ok)
    assert outcomes.count(True) >= 100 and outcomes.count(False) >= 300


# -- malformed designs never raise --------------------------------------------------------------

XOR = {"W1": [[1, 0], [0, 1]], "b1": [0, 0], "w2": [1, 1], "b2": 0}  # right shape, not a valid XOR

MALFORMED = [
    ([[1, 2]], "the design must be a JSON object with the keys W1, b1, w2, b2, got a list of 1"),
    ({**XOR, "W1": [[1, 0], [0, 1], [1, 1]]}, "W1 must be 2 rows of 2 numbers, got 3 rows"),
    ({**XOR, "W1": [[1, 0, 1], [0, 1]]}, "W1[0] must be a row of 2 numbers, got 3 entries"),
    ({**XOR, "b2": float("nan")}, "b2 is not finite"),
    ({**XOR, "b2": "-inf"}, "b2 is not finite"),
    ({**XOR, "b1": [0, "x"]}, "b1[1] must be a number"),
    ({**XOR, "b2": 10**30}, "b2 = 1000000000000000000000000000000 is too large"),
    ({**XOR, "b3": 1}, 'unexpected key "b3"'),
    ({k: v for k, v in XOR.items() if k != "b2"}, "the design has no b2"),
    ({**XOR, "w2": [1, True]}, "w2[1] must be a number, got true/false"),
    ({**XOR, "w2": 1}, "w2 must be a list of 2 numbers, got a number"),
    ({**XOR, "b2": "1/0"}, "divides by zero"),
    ({"w": [1, 1], "b": 0}, "the design has an unexpected key \"w\""),
]


@pytest.mark.parametrize(("design", "message"), MALFORMED)
def test_malformed_designs_get_a_one_line_reason(design: Any, message: str) -> None:
    verdict = topic.check({"gate": "xor", "weight_domain": None}, design)
    assert not verdict.ok and message in verdict.message, verdict.message
    assert "\n" not in verdict.message


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
              st.text(max_size=8), st.sampled_from(["1/2", "1/0", "nan", "-1", "1e999", "0.5"])),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(
        st.sampled_from(["W1", "b1", "w2", "b2", "w", "b", "x"]) | st.text(max_size=3), c, max_size=5),
    max_leaves=25)


def _shaped(hidden: int) -> st.SearchStrategy[Any]:
    """Designs of the right keys with junk or numbers inside: they reach the deeper checks."""
    n = st.one_of(st.integers(-3, 3), st.floats(), st.sampled_from(["1/2", "x", "-1"]), _json)
    if hidden == 0:
        return st.fixed_dictionaries({"w": st.lists(n, max_size=3) | n, "b": n})
    return st.fixed_dictionaries({"W1": st.lists(st.lists(n, max_size=3) | n, max_size=3) | n,
                                  "b1": st.lists(n, max_size=3) | n, "w2": st.lists(n, max_size=3) | n,
                                  "b2": n})


@settings(max_examples=300)
@given(design=_json | _shaped(2), gate=st.sampled_from(sorted(GATE)))
def test_any_json_design_gets_a_verdict_and_never_raises(design: Any, gate: str) -> None:
    verdict = topic.check({"gate": gate, "weight_domain": None}, design)
    assert isinstance(verdict.ok, bool) and verdict.message and "\n" not in verdict.message
    assert "could not be read" not in verdict.message  # the last-resort guard never fires


@settings(max_examples=200)
@given(design=_shaped(0))
def test_any_single_unit_design_gets_a_verdict_and_never_raises(design: Any) -> None:
    verdict = topic.check({"gate": "or", "hidden": 0}, design)
    assert "\n" not in verdict.message and "could not be read" not in verdict.message


# -- params and text ----------------------------------------------------------------------------

REFUSED = [
    ({}, "gate"),
    ({"gate": "maybe"}, "gate"),
    ({"gate": "and", "activation": "relu"}, "activation"),
    ({"gate": "and", "hidden": 3}, "hidden"),
    ({"gate": "and", "hidden": -1}, "hidden"),
    ({"gate": "and", "hidden": True}, "hidden"),
    ({"gate": "and", "weight_domain": []}, "weight_domain"),
    ({"gate": "and", "weight_domain": [1, 1]}, "weight_domain"),
    ({"gate": "and", "weight_domain": list(range(8))}, "weight_domain"),
    ({"gate": "and", "weight_domain": [1, "x"]}, "weight_domain"),
    ({"gate": "and", "weight_domain": [1, 1000]}, "weight_domain"),
    ({"gate": "and", "weight_domain": 1}, "weight_domain"),
    ({"gate": "nor", "weight_domain": [1]}, "weight_domain"),
    ({"gate": "xor", "hidden": 1}, "hidden"),
    ({"gate": "and", "inputs": 3}, "inputs"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param_by_build_and_by_check(params: Any, param: str) -> None:
    refused_by_build_and_check(TOPIC, params, param)


def test_the_worked_solution_shows_every_row_and_each_unit_as_a_half_plane() -> None:
    q = question(TOPIC, params={"gate": "xor"})
    text = "\n".join(s.text for s in q.solution)
    assert text.count("half-plane") >= 2 and "not linearly separable" in text
    table = q.solution[1].text.splitlines()
    assert len([r for r in table if r.startswith("| 0 |") or r.startswith("| 1 |")]) == 4
    assert r"\mathrm{step}(0) = 0" in text
    assert r"\mathrm{step}(0) = 0" in q.prompt and "every bias" in q.prompt and '"W1"' in q.prompt


def test_the_prompt_states_the_single_unit_format_when_there_are_no_hidden_units() -> None:
    q = question(TOPIC, params={"gate": "or", "hidden": 0, "weight_domain": None})
    assert '{"w": [w1, w2], "b": b}' in q.prompt and "any numbers" in q.prompt
    assert set(q.part("weights").answer) == {"w", "b"}
