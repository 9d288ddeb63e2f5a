"""init.variance against torch.nn.init in float64: the std or limit torch hands to normal_/uniform_
(caught on the way), torch's fan computation for a (fan_out, fan_in) weight, and the statistics
of large samples (sample variance, and max |w| of the uniform version against the bound)."""

from __future__ import annotations

import math
from typing import Any, Literal
from unittest import mock

import pytest
import sympy
import torch
from torch.nn import init

from dlexam import question
from tests.helpers import close, exact_of, refused

ID = "init.variance"


def torch_init(scheme: str, distribution: str, w: torch.Tensor) -> None:
    """The torch call that implements (scheme, distribution) with gain 1 (ReLU gain for "he")."""
    if scheme == "glorot":
        (init.xavier_normal_ if distribution == "normal" else init.xavier_uniform_)(w)
    else:
        nonlinearity: Literal["linear", "relu"] = "linear" if scheme == "lecun" else "relu"
        fn = init.kaiming_normal_ if distribution == "normal" else init.kaiming_uniform_
        fn(w, mode="fan_in", nonlinearity=nonlinearity)


def torch_spread(scheme: str, distribution: str, fan_in: int, fan_out: int) -> float:
    """The std (normal) or the limit a (uniform) torch passes to normal_/uniform_."""
    seen: list[float] = []
    normal, uniform = torch.Tensor.normal_, torch.Tensor.uniform_

    def spy_normal(self: torch.Tensor, mean: float = 0, std: float = 1, **kw: Any) -> torch.Tensor:
        seen.append(std)
        return normal(self, mean, std, **kw)

    def spy_uniform(self: torch.Tensor, a: float = 0, b: float = 1, **kw: Any) -> torch.Tensor:
        assert a == -b
        seen.append(b)
        return uniform(self, a, b, **kw)

    w = torch.empty(fan_out, fan_in, dtype=torch.float64, device="meta")  # no memory: fans up to 10^7
    with mock.patch.object(torch.Tensor, "normal_", spy_normal), \
            mock.patch.object(torch.Tensor, "uniform_", spy_uniform):
        torch_init(scheme, distribution, w)
    assert len(seen) == 1
    return seen[0]


def answers(q: Any) -> tuple[Any, Any, Any]:
    return tuple(exact_of(q.part(p).answer) for p in ("variance", "std", "bound"))  # type: ignore[return-value]


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    scheme, fan_in = q.params["scheme"], q.params["fan_in"]
    fan_out = q.params.get("fan_out") or 7  # lecun and he ignore fan_out
    variance, std, bound = answers(q)
    weight = torch.empty(fan_out, fan_in, device="meta")  # a Linear weight, no memory
    assert init._calculate_fan_in_and_fan_out(weight) == (fan_in, fan_out)
    assert close(std, torch_spread(scheme, "normal", fan_in, fan_out), 1e-12)
    assert close(bound, torch_spread(scheme, "uniform", fan_in, fan_out), 1e-12)
    assert sympy.nsimplify(std) ** 2 == sympy.nsimplify(variance)
    assert sympy.simplify(bound**2 - 3 * variance) == 0
    # torch's own formula: gain² · 2/(fan_in + fan_out) or gain² / fan_in
    gain = init.calculate_gain("relu" if scheme == "he" else "linear")
    theirs = gain**2 * (2 / (fan_in + fan_out) if scheme == "glorot" else 1 / fan_in)
    assert close(variance, theirs, 1e-12)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_what_torch_init_uses(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


EDGE_CASES = [
    {"scheme": "lecun", "fan_in": 1},
    {"scheme": "he", "fan_in": 2, "distribution": "uniform"},  # std 1
    {"scheme": "he", "fan_in": 6},  # bound 1
    {"scheme": "glorot", "fan_in": 1, "fan_out": 1},
    {"scheme": "glorot", "fan_in": 784, "fan_out": 10, "distribution": "uniform"},
    {"scheme": "lecun", "fan_in": 3, "fan_out": 99},  # fan_out given but unused
    {"scheme": "he", "fan_in": 10**7},
    {"scheme": "glorot", "fan_in": 10**7, "fan_out": 9_999_999},
    {"scheme": "lecun", "fan_in": 1_018_081},  # 1009²: a square factor beyond the small primes
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def sample(scheme: str, distribution: str, fan_in: int, fan_out: int, n: int = 200_000) -> torch.Tensor:
    """At least n weights from torch's initialiser, re-run on a (fan_out, fan_in) tensor."""
    torch.manual_seed(0)
    chunks, total = [], 0
    while total < n:
        w = torch.empty(fan_out, fan_in, dtype=torch.float64)
        torch_init(scheme, distribution, w)
        chunks.append(w.flatten())
        total += w.numel()
    return torch.cat(chunks)


@pytest.mark.parametrize("seed", range(40))
def test_large_samples_have_the_variance_and_the_uniform_limit_of_the_key(seed: int) -> None:
    q = question(ID, seed=seed)
    p = q.params
    fan_out = p.get("fan_out") or 64
    variance, _, bound = answers(q)
    for distribution in ("normal", "uniform"):
        w = sample(p["scheme"], distribution, p["fan_in"], fan_out)
        # sample variance (mean known to be 0): relative standard error below 0.4% at n = 200,000
        assert abs(float((w**2).mean()) / float(variance) - 1) < 0.02, distribution
        if distribution == "uniform":
            top = float(w.abs().max())
            assert top <= float(sympy.N(bound, 20)) * (1 + 1e-12)
            assert top >= float(sympy.N(bound, 20)) * (1 - 1e-3)


def test_an_irrational_std_stays_an_exact_root_with_a_decimal_beside_it() -> None:
    q = question(ID, params={"scheme": "glorot", "fan_in": 784, "fan_out": 24})
    assert q.part("std").answer == {"exact": "sqrt(101)/202", "value": pytest.approx(math.sqrt(1 / 404))}
    assert q.calculator and r"\frac{\sqrt{101}}{202} \approx 0.04975" in q.solution[1].text


def test_the_key_names_the_xavier_trap_and_the_sqrt3_slip() -> None:
    q = question(ID, params={"scheme": "lecun", "fan_in": 100, "distribution": "uniform"})
    text = " ".join(s.text for s in q.solution)
    assert "that is LeCun's rule" in text and "take $a = \\sigma$" in text
    assert 'kaiming_uniform_(w, mode="fan_in", nonlinearity="linear")' in text


@pytest.mark.parametrize(("params", "param"), [
    ({"scheme": "xavier", "fan_in": 10}, "scheme"),
    ({"scheme": "glorot", "fan_in": 10}, "fan_out"),
    ({"scheme": "glorot", "fan_in": 10, "fan_out": 0}, "fan_out"),
    ({"scheme": "he", "fan_in": 0}, "fan_in"),
    ({"scheme": "he", "fan_in": 2.5}, "fan_in"),
    ({"scheme": "he", "fan_in": 10**8}, "fan_in"),
    ({"scheme": "he", "fan_in": 10, "fan_out": -1}, "fan_out"),
    ({"scheme": "he", "fan_in": 10, "distribution": "gaussian"}, "distribution"),
    ({"scheme": "he", "fan_in": 10, "gain": 2}, "gain"),
    ({"scheme": "he"}, "fan_in"),
])
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)


def test_torch_has_no_rule_for_a_layer_with_no_inputs_either() -> None:
    with pytest.warns(UserWarning, match="no-op"):  # fan_in = 0: torch skips, we refuse
        init.kaiming_normal_(torch.empty(3, 0))
