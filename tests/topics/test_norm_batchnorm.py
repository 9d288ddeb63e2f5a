"""norm.batchnorm against torch in float64: F.batch_norm (training mode) for b×n batches and
nn.BatchNorm2d in training mode for N×C×H×W tensors.

torch refuses eps = 0 in training mode, so where our eps is 0 the oracle runs with
eps = 1e-300: in float64, σ² + 1e-300 == σ² for any σ² above ~1e-284 (every key we accept
with eps = 0 has σ² > 0, and ours are far larger), so torch computes exactly the eps = 0
layer. The plain formula — x.mean and x.var(unbiased=False) in torch — is checked too, so
the oracle does not rest on that trick alone.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch
import torch.nn.functional as F
from torch import nn

from dlexam import ParamError, question
from dlexam.topics import norm_batchnorm
from tests.helpers import as_float, close, exact_of, refused

TINY_EPS = 1e-300
ID = "norm.batchnorm"



def per_feature(v: Any, count: int) -> torch.Tensor:
    values = v if isinstance(v, list) else [v] * count
    return torch.tensor([as_float(x) for x in values], dtype=torch.float64)


def nested(v: Any) -> Any:
    return [nested(x) for x in v] if isinstance(v, list) else as_float(v)


def torch_batchnorm(params: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The key's parts computed by torch (training mode, float64)."""
    x = torch.tensor(nested(params["z"]), dtype=torch.float64)
    spatial = params.get("spatial", False)
    eps = as_float(params.get("eps", 0))
    count = x.shape[1]
    gamma = per_feature(params.get("gamma", 1), count)
    beta = per_feature(params.get("beta", 0), count)
    dims = (0, 2, 3) if spatial else (0,)
    mean = x.mean(dims)
    std = torch.sqrt(x.var(dims, unbiased=False) + eps)
    if spatial:
        affine = nn.BatchNorm2d(count, eps=eps or TINY_EPS, dtype=torch.float64).train()
        plain = nn.BatchNorm2d(count, eps=eps or TINY_EPS, affine=False, dtype=torch.float64).train()
        with torch.no_grad():
            affine.weight.copy_(gamma)
            affine.bias.copy_(beta)
            y, z_norm = affine(x), plain(x)
        shape = (1, -1, 1, 1)
    else:
        y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps or TINY_EPS)
        z_norm = F.batch_norm(x, None, None, training=True, eps=eps or TINY_EPS)
        shape = (1, -1)
    # the plain formula agrees with torch's kernel (no reliance on the tiny-eps trick alone)
    formula = (x - mean.reshape(shape)) / std.reshape(shape)
    assert torch.allclose(formula, z_norm, rtol=1e-12, atol=1e-12)
    return {"mean": mean, "std": std, "z_norm": z_norm, "y": y}


def flat(v: Any) -> list[Any]:
    return [x for item in v for x in flat(item)] if isinstance(v, list) else [v]


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    theirs = torch_batchnorm(q.params)
    for part in ("mean", "std", "z_norm", "y"):
        ours = flat(exact_of(q.part(part).answer))
        expected = theirs[part].flatten().tolist()
        assert len(ours) == len(expected), part
        for a, b in zip(ours, expected, strict=True):
            assert close(a, b), (part, a, b)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    q = question(ID, seed=seed)
    assert_matches_torch(q.params)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_answers_have_the_shape_of_z(seed: int) -> None:
    q = question(ID, seed=seed)
    x = torch.tensor(nested(q.params["z"]))
    for part in ("z_norm", "y"):
        assert list(torch.tensor(nested(exact_of(q.part(part).answer))).shape) == list(x.shape)
    assert len(q.part("mean").answer) == len(q.part("std").answer) == x.shape[1]


EDGE_CASES = [
    # eps > 0: irrational std, kept exact
    {"z": [[1, 2], [2, 4], [3, 9]], "eps": "1e-5"},
    {"z": [[1, 2], [2, 4], [3, 9]], "eps": 0.001, "gamma": [2, -1], "beta": [0.5, "1/3"]},
    # three rows: never a rational std with eps = 0
    {"z": [[1], [2], [3]]},
    # eps completes a square: 2/3 + 1/3 = 1
    {"z": [[1], [2], [3]], "eps": "1/3"},
    # negative values, negative gamma, fractional entries
    {"z": [[-3, -1], [-5, 7], [-1, 0], [-7, 2]], "gamma": -2, "beta": -0.5},
    {"z": [["1/3", -0.25], ["-2/7", 1.5], [0.1, "3/16"]], "gamma": [0.5, 3], "beta": [1, -1]},
    {"z": [[Decimal("0.1"), Decimal("2.5")], [Decimal("-0.3"), Decimal("1")]], "eps": Decimal("0.01")},
    # a constant feature is fine once eps > 0
    {"z": [[4, 1], [4, 3]], "eps": 0.25},
    # large and tiny numbers
    {"z": [[1e12, 1], [-1e12, 2], [3e12, 4]], "eps": "1e-5"},
    # spatial: statistics over N, H, W per channel
    {"z": [[[[1, 2], [3, 4]]]], "spatial": True, "eps": 0.01},
    {"z": [[[[1, -2]], [[0, 5]]], [[[3, 3]], [[-1, 2]]]], "spatial": True, "gamma": [2, "1/2"],
     "beta": [0, -1], "eps": "1e-5"},
    {"z": [[[[2, 0, 1]], [[1, 1, 4]]], [[[-2, 5, 1]], [[0, 3, 3]]]], "spatial": True},
    {"z": [[[[1]], [[2]]], [[[3]], [[5]]], [[[4]], [[0]]]], "spatial": True, "gamma": 3},
    # the size limit itself
    {"z": [[i % 7 - 3, (i * i) % 5] for i in range(32)]},
    {"z": [[[[c * 3 + h - w for w in range(4)] for h in range(4)] for c in range(2)]
           for _ in range(2)], "spatial": True, "eps": "1e-5"},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_an_irrational_std_stays_exact_and_squares_back_to_the_variance_plus_eps() -> None:
    params = {"z": [[1, 2], [2, 4], [3, 9]], "eps": "1e-5"}
    q = question(ID, params=params)
    std = exact_of(q.part("std").answer)
    assert all(isinstance(s, sympy.Expr) and s.is_rational is False for s in std)
    assert [s**2 for s in std] == [sympy.Rational(2, 3) + sympy.Rational(1, 10**5),
                                                    sympy.Rational(26, 3) + sympy.Rational(1, 10**5)]
    assert q.calculator
    assert r"\approx" in q.solution[0].text  # a decimal beside the exact root


@pytest.mark.parametrize("params", [
    {"z": [[3, -2]], "eps": 0.01, "gamma": [2, 1], "beta": [0.5, -1]},
    {"z": [[[[7]], [[-1]]]], "spatial": True, "eps": "1e-5", "beta": [1, 2]},
])
def test_one_value_per_feature_is_refused_by_torch_but_follows_the_formula(params: dict[str, Any]) -> None:
    x = torch.tensor(nested(params["z"]), dtype=torch.float64)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(x, None, None, training=True, eps=as_float(params["eps"]))
    q = question(ID, params=params)
    # the formula with one value: z − μ = 0, so ẑ = 0 and y = β, whatever eps
    beta = per_feature(params.get("beta", 0), x.shape[1])
    mean = x.mean((0, 2, 3) if params.get("spatial") else 0)
    assert all(close(a, b) for a, b in zip(exact_of(q.part("mean").answer), mean.tolist(), strict=True))
    assert all(v == 0 for v in flat(exact_of(q.part("z_norm").answer)))
    assert all(close(v, b) for v, b in zip(flat(exact_of(q.part("y").answer)), beta.tolist(), strict=True))
    assert "Expected more than 1 value per channel" in q.solution[-1].text


@pytest.mark.parametrize("seed", range(60))
def test_torch_running_var_uses_the_unbiased_variance_the_key_mentions(seed: int) -> None:
    q = question(ID, seed=seed)
    x = torch.tensor(nested(q.params["z"]), dtype=torch.float64)
    spatial = q.params["spatial"]
    m = x.numel() // x.shape[1]
    bn = (nn.BatchNorm2d if spatial else nn.BatchNorm1d)(x.shape[1], eps=TINY_EPS, momentum=1.0,
                                                          dtype=torch.float64).train()
    bn(x)  # momentum 1: running_var is exactly the batch's unbiased variance
    biased = [s**2 for s in exact_of(q.part("std").answer)]  # eps = 0 in seeded variants
    for ours, theirs in zip(biased, bn.running_var.tolist(), strict=True):
        assert close(ours * Fraction(m, m - 1), theirs)
    assert "unbiased" in q.solution[-1].text


def test_decimal_params_from_the_cli_mean_the_same_numbers_as_strings() -> None:
    a = question(ID, params={"z": [[Decimal("0.1"), 1], [Decimal("0.3"), 2]], "gamma": Decimal("1.5")})
    b = question(ID, params={"z": [["0.1", 1], ["0.3", 2]], "gamma": "1.5"})
    assert [p.answer for p in a.parts] == [p.answer for p in b.parts]


REFUSED = [
    ({"z": [[1, 2], [1, 3]]}, "eps"),  # feature 1 constant, eps = 0: std 0
    ({"z": [[[[2, 2]], [[1, 3]]]], "spatial": True}, "eps"),
    ({"z": [[1, 2], [3, 4]], "eps": -0.1}, "eps"),
    ({"z": [[1, 2], [3, 5]], "gamma": [1, 2, 3]}, "gamma"),
    ({"z": [[1, 2], [3, 5]], "beta": [1]}, "beta"),
    ({"z": [[1, 2], [3, 5]], "beta": "x"}, "beta"),
    ({"z": [[1, 2], [3]]}, "z"),
    ({"z": [1, 2, 3]}, "z"),
    ({"z": []}, "z"),
    ({"z": [[1, "a"], [2, 3]]}, "z"),
    ({"z": [[[[1, 2]]]]}, "z"),  # a 4-D tensor without spatial: true
    ({"z": [[1, 2], [3, 4]], "spatial": True}, "z"),
    ({"z": [[[[1, 2]], [[3]]]], "spatial": True}, "z"),
    ({"z": [[0, 1]] * 33}, "z"),  # 66 numbers
    ({"z": [list(range(9)), list(range(1, 10))]}, "z"),  # 9 features
    ({"z": [[1, 2], [3, 4]], "spatial": "yes"}, "spatial"),
    ({"z": [[True, 2], [3, 4]]}, "z"),
    ({"z": [[1, 2], [3, 4]], "momentum": 0.1}, "momentum"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)


def test_a_constant_feature_with_eps_zero_says_to_give_eps() -> None:
    with pytest.raises(ParamError, match=r"feature 2 .* give eps > 0"):
        question(ID, params={"z": [[1, 5], [2, 5], [4, 5]]})


# the refusals that are torch's own rules (eps = 0 in training, eps < 0, weight/bias sizes)
TORCH_RULES = [(params, param) for params, param in REFUSED
               if param in ("eps", "gamma") or (param == "beta" and isinstance(params["beta"], list))]


@pytest.mark.parametrize(("params", "param"), TORCH_RULES)
def test_torch_refuses_what_we_refuse(params: dict[str, Any], param: str) -> None:
    x = torch.tensor(nested(params["z"]), dtype=torch.float64)
    eps = as_float(params.get("eps", 0))
    weight = torch.tensor([as_float(v) for v in params["gamma"]], dtype=torch.float64) \
        if isinstance(params.get("gamma"), list) else None
    bias = torch.tensor([as_float(v) for v in params["beta"]], dtype=torch.float64) \
        if isinstance(params.get("beta"), list) else None
    with pytest.raises((RuntimeError, ValueError)):
        F.batch_norm(x, None, None, weight, bias, training=True, eps=eps if param == "eps" else 1e-5)


# -- the hand-computable promise, beyond the 200 seeds the catalogue checks ------------

PATTERNS = [(m, d) for m, ds in norm_batchnorm._PATTERNS.items() for d in ds]


@pytest.mark.parametrize(("m", "pattern"), PATTERNS)
def test_every_drawn_pattern_has_a_whole_std_and_short_normalised_values(
        m: int, pattern: tuple[int, ...]) -> None:
    assert len(pattern) == m and sum(pattern) == 0
    variance = Fraction(sum(d * d for d in pattern), m)
    s = math.isqrt(int(variance))
    assert s * s == variance
    for d in pattern:
        zn = Fraction(d, s)
        assert (zn * 100).denominator == 1  # at most 2 decimals


def test_three_values_never_have_a_rational_nonzero_std() -> None:
    """Why seeded batches skip b = 3 (scaling makes small integers enough to show it)."""
    for z in itertools.product(range(-6, 7), repeat=3):
        mean = Fraction(sum(z), 3)
        var = sum((x - mean) ** 2 for x in z) / 3
        if var:
            root = Fraction(math.isqrt(var.numerator), math.isqrt(var.denominator))
            assert root * root != var, z


def test_seeds_draw_both_layouts_and_varied_coefficients() -> None:
    drawn = [question(ID, seed=s).params for s in range(60)]
    assert {p["spatial"] for p in drawn} == {True, False}
    assert any(isinstance(p["gamma"], list) for p in drawn)
    assert any(p["gamma"] != 1 and not isinstance(p["gamma"], list) for p in drawn)
    assert all(p["eps"] == 0 for p in drawn)


def _places(x: Any) -> int:
    x = Fraction(x)
    for places in range(10):
        if (x * 10**places).denominator == 1:
            return places
    return 99


@pytest.mark.parametrize("seed", range(0, 1000, 5))
def test_seeded_keys_have_whole_stds_and_few_decimals(seed: int) -> None:
    q = question(ID, seed=seed)
    assert not q.calculator
    assert all(isinstance(s, int) for s in q.part("std").answer)
    limits = {"mean": 1, "std": 0, "z_norm": 2, "y": 3}
    for part, most in limits.items():
        assert all(_places(v) <= most for v in flat(exact_of(q.part(part).answer))), part
