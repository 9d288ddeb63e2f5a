"""stats.map_estimate against two oracles that never use the Beta-mode formula:

- SymPy: the log posterior written from the raw densities (prior times every observation's
  pmf, binomial coefficient included), differentiated and solved symbolically; an interior
  root must be a maximum (negative second derivative), and without one the sign of the
  derivative says which end point is the maximum;
- torch: the same log posterior on a float64 grid over (0, 1), whose argmax must sit next to
  the key.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch

from dlexam import question
from tests.helpers import exact_of, refused

ID = "stats.map_estimate"
X = sympy.Symbol("x", positive=True)


def observations(params: dict[str, Any]) -> list[int]:
    y = params["y"]
    return y if isinstance(y, list) else [y]


def sympy_log_posterior(params: dict[str, Any]) -> sympy.Expr:
    a = sympy.Rational(str(Fraction(str(params["prior"]["a"]))))
    b = sympy.Rational(str(Fraction(str(params["prior"]["b"]))))
    expr = (a - 1) * sympy.log(X) + (b - 1) * sympy.log(1 - X)
    for y in observations(params):
        if params["likelihood"] == "geometric":
            pmf = X * (1 - X) ** (y - 1)
        elif params["likelihood"] == "bernoulli":
            pmf = X**y * (1 - X) ** (1 - y)
        else:
            n = params["n"]
            pmf = sympy.binomial(n, y) * X**y * (1 - X) ** (n - y)
        expr += sympy.expand_log(sympy.log(pmf), force=True)
    return expr


def sympy_map(params: dict[str, Any]) -> Fraction:
    ell = sympy_log_posterior(params)
    d1 = sympy.diff(ell, X)
    roots = [r for r in sympy.solve(sympy.numer(sympy.together(d1)), X)
             if r.is_real and 0 < r < 1]
    if roots:
        (root,) = roots
        assert sympy.diff(ell, X, 2).subs(X, root) < 0  # a maximum, not a minimum
        return Fraction(int(root.p), int(root.q))
    # no stationary point inside: monotone, the maximum is at an end
    signs = {sympy.sign(d1.subs(X, sympy.Rational(k, 10))) for k in range(1, 10)}
    assert len(signs) == 1 and 0 not in signs
    return Fraction(1) if signs == {1} else Fraction(0)


def torch_grid_argmax(params: dict[str, Any]) -> float:
    x = torch.linspace(1e-6, 1 - 1e-6, 200_001, dtype=torch.float64)
    a = float(Fraction(str(params["prior"]["a"])))
    b = float(Fraction(str(params["prior"]["b"])))
    ell = (a - 1) * torch.log(x) + (b - 1) * torch.log1p(-x)
    for y in observations(params):
        if params["likelihood"] == "geometric":
            ell = ell + torch.log(x) + (y - 1) * torch.log1p(-x)
        elif params["likelihood"] == "bernoulli":
            ell = ell + y * torch.log(x) + (1 - y) * torch.log1p(-x)
        else:
            d = torch.distributions.Binomial(params["n"], probs=x)
            ell = ell + d.log_prob(torch.tensor(float(y), dtype=torch.float64))
    return float(x[torch.argmax(ell)])


def assert_matches_oracles(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    ours = exact_of(q.part("estimate").answer)
    assert Fraction(ours) == sympy_map(q.params), q.params
    assert abs(float(ours) - torch_grid_argmax(q.params)) < 1e-5, q.params


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_sympy_and_a_torch_grid(seed: int) -> None:
    assert_matches_oracles(question(ID, seed=seed).params)


EDGE_CASES = [
    {"prior": {"a": 2, "b": 2}, "likelihood": "geometric", "y": 3},
    {"prior": {"a": 2, "b": 1}, "likelihood": "geometric", "y": 1},  # β = 1: increasing, x̂ = 1
    {"prior": {"a": 1, "b": 0.5}, "likelihood": "geometric", "y": [1, 1, 1]},  # unbounded at 1
    {"prior": {"a": 0.5, "b": 3}, "likelihood": "bernoulli", "y": [0, 0]},  # unbounded at 0
    {"prior": {"a": 1, "b": 1}, "likelihood": "bernoulli", "y": 0},  # flat prior, MLE on the edge
    {"prior": {"a": 1, "b": 1}, "likelihood": "binomial", "y": [3, 7], "n": 10},  # flat prior: the MLE
    {"prior": {"a": "1/3", "b": "7/2"}, "likelihood": "binomial", "y": [2, 0, 5], "n": 5},
    {"prior": {"a": 0.5, "b": 0.5}, "likelihood": "bernoulli", "y": [1, 0, 1]},  # a, b < 1, still interior
    {"prior": {"a": 10, "b": 10}, "likelihood": "geometric", "y": [2, 7, 1, 3]},
    {"prior": {"a": 3, "b": 2}, "likelihood": "binomial", "y": 0, "n": 1},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_sympy_and_a_torch_grid(params: dict[str, Any]) -> None:
    assert_matches_oracles(params)


def test_a_non_terminating_estimate_stays_an_exact_fraction() -> None:
    q = question(ID, params={"prior": {"a": 1, "b": 1}, "likelihood": "geometric", "y": 3})
    assert q.part("estimate").answer == {"exact": "1/3", "value": 1 / 3}
    assert not q.calculator


def test_a_boundary_mode_is_answered_and_explained() -> None:
    q = question(ID, params={"prior": {"a": 0.5, "b": 3}, "likelihood": "bernoulli", "y": [0, 0]})
    assert q.part("estimate").answer == 0
    text = q.solution[3].text
    assert "boundary" in text and "no zero inside" in text and "without bound" in text


def test_one_observation_and_a_list_of_one_are_the_same_question() -> None:
    one = question(ID, params={"prior": {"a": 3, "b": 2}, "likelihood": "binomial", "y": 2, "n": 4})
    listed = question(ID, params={"prior": {"a": 3, "b": 2}, "likelihood": "binomial", "y": [2], "n": 4})
    assert one.parts == listed.parts


def test_seeds_reach_interior_and_boundary_modes_and_every_likelihood() -> None:
    drawn = [question(ID, seed=s) for s in range(200)]
    keys = {exact_of(q.part("estimate").answer) for q in drawn}
    assert {0, 1} <= keys and len(keys) > 8
    assert {q.params["likelihood"] for q in drawn} == {"geometric", "bernoulli", "binomial"}


def test_the_key_names_the_mode_versus_mean_trap() -> None:
    q = question(ID, params={"prior": {"a": 3, "b": 2}, "likelihood": "geometric", "y": [2, 2]})
    text = q.solution[-1].text
    assert "posterior mean" in text and "a - 1" in text and "y - 1" in text


REFUSED = [
    ({"likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": {"a": 0, "b": 1}, "likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": {"a": -1, "b": 1}, "likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": {"a": 1}, "likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": {"a": 1, "b": 2, "c": 3}, "likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": [1, 2], "likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": {"a": "x", "b": 2}, "likelihood": "bernoulli", "y": 1}, "prior"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "poisson", "y": 1}, "likelihood"),
    ({"prior": {"a": 1, "b": 2}, "y": 1}, "likelihood"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "bernoulli", "y": 2}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "bernoulli", "y": []}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "bernoulli", "y": [True]}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "geometric", "y": 0}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "geometric", "y": 1.5}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "geometric", "y": [1] * 101}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "binomial", "y": 3}, "n"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "binomial", "y": 3, "n": 0}, "n"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "binomial", "y": 5, "n": 4}, "y"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "bernoulli", "y": 1, "n": 4}, "n"),
    ({"prior": {"a": 1, "b": 2}, "likelihood": "bernoulli", "y": 1, "m": 4}, "m"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)
