"""vae.kl_divergence against torch in float64: torch.distributions.kl_divergence(Normal(μ, √σ²),
Normal(0, 1)) summed over the dimensions, and the log-variance form VAE code writes."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch
from torch.distributions import Normal, kl_divergence

from dlexam import ParamError, question
from tests.helpers import as_float, close, exact_of, refused

ID = "vae.kl_divergence"


def vector(v: Any, dims: int) -> torch.Tensor:
    values = [as_float(x) for x in v] if isinstance(v, list) else [as_float(v)] * dims
    return torch.tensor(values, dtype=torch.float64)


def torch_kl(params: dict[str, Any]) -> float:
    mu, s2 = params["mu"], params["sigma2"]
    dims = max(len(v) if isinstance(v, list) else 1 for v in (mu, s2))
    m, var = vector(mu, dims), vector(s2, dims)
    kl = kl_divergence(Normal(m, var.sqrt()), Normal(torch.zeros_like(m), torch.ones_like(m))).sum()
    logvar = var.log()  # the form VAE training code writes, from the log-variance
    assert torch.allclose(kl, -0.5 * (1 + logvar - m**2 - logvar.exp()).sum(), rtol=1e-9, atol=1e-12)
    return kl.item()


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    expected = torch_kl(q.params)
    key = q.part("kl").answer
    assert close(exact_of(key), expected, tol=1e-9), (key, expected)
    value = key["value"] if isinstance(key, dict) else key
    assert abs(value - expected) <= 1e-9 * max(1, abs(expected))


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


EDGE_CASES = [
    {"mu": 0, "sigma2": 1},  # q is the prior: 0
    {"mu": 0.5, "sigma2": 2},
    {"mu": -3, "sigma2": "1/3"},
    {"mu": [1, -0.5, 0], "sigma2": [2, 0.5, 1]},  # the logs cancel: rational
    {"mu": [0.1, 0.2, 0.3, 0.4], "sigma2": 0.5},  # one variance for every dimension
    {"mu": 1, "sigma2": [0.25, 4, 9]},  # one mean for every dimension
    {"mu": [0] * 16, "sigma2": [k + 1 for k in range(16)]},  # the size limit
    {"mu": 2, "sigma2": "1e-6"},  # a collapsed variance: -log σ² dominates
    {"mu": 1000000, "sigma2": 1000000},
    {"mu": "-2/7", "sigma2": "22/7"},
    {"mu": [Decimal("0.3"), Decimal("-1.2")], "sigma2": [Decimal("0.8"), Decimal("1.25")]},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_the_key_is_exact_and_irrational_only_when_a_log_survives() -> None:
    q = question(ID, params={"mu": 0.5, "sigma2": 2})
    assert exact_of(q.part("kl").answer) == sympy.Rational(5, 8) - sympy.log(2) / 2
    assert q.calculator
    for params, expected in (({"mu": [1, 2], "sigma2": 1}, Fraction(5, 2)),
                             ({"mu": [1, -0.5, 0], "sigma2": [2, 0.5, 1]}, Fraction(7, 8)),
                             ({"mu": 0, "sigma2": 1}, 0)):
        q = question(ID, params=params)
        assert exact_of(q.part("kl").answer) == expected and not q.calculator


def test_the_dimensions_are_summed_not_averaged() -> None:
    one = exact_of(question(ID, params={"mu": 1, "sigma2": 2}).part("kl").answer)
    three = exact_of(question(ID, params={"mu": [1, 1, 1], "sigma2": 2}).part("kl").answer)
    assert sympy.simplify(three - 3 * one) == 0


def test_seeded_variants_mix_rational_and_calculator_keys() -> None:
    calculators = sum(question(ID, seed=s).calculator for s in range(200))
    assert 40 <= calculators <= 160


def test_torch_refuses_a_zero_variance_as_we_do() -> None:
    with pytest.raises(ValueError):
        Normal(torch.tensor(0.0), torch.tensor(0.0), validate_args=True)
    with pytest.raises(ParamError) as e:
        question(ID, params={"mu": 0, "sigma2": 0})
    assert e.value.param == "sigma2"


@pytest.mark.parametrize(("params", "name"), [
    ({"sigma2": 1}, "mu"),
    ({"mu": 0}, "sigma2"),
    ({"mu": 0, "sigma2": -1}, "sigma2"),
    ({"mu": 0, "sigma2": [1, 0]}, "sigma2"),
    ({"mu": [1, 2], "sigma2": [1, 2, 3]}, "sigma2"),
    ({"mu": "one", "sigma2": 1}, "mu"),
    ({"mu": [], "sigma2": 1}, "mu"),
    ({"mu": [0] * 17, "sigma2": 1}, "mu"),
    ({"mu": [[0]], "sigma2": 1}, "mu"),
    ({"mu": 2000000, "sigma2": 1}, "mu"),
    ({"mu": 0, "sigma2": True}, "sigma2"),
    ({"mu": 0, "sigma2": 1, "logvar": 0}, "logvar"),
])
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], name: str) -> None:
    refused(ID, params, name)
