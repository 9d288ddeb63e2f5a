"""The p-values behind the variant flag, against listing every table or draw, and closed forms."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.grade._analysis_pvalues import DrawnTotals, fisher_exact, grid_of, permutation_p


def fisher_by_enumeration(a: int, b: int, c: int, d: int) -> Fraction:
    """Every table with the same margins, its exact hypergeometric probability, and the sum
    over those no more likely than the observed one."""
    row, col, n = a + b, a + c, a + b + c + d
    probability = {k: Fraction(math.comb(col, k) * math.comb(n - col, row - k), math.comb(n, row))
                   for k in range(max(0, row + col - n), min(row, col) + 1)}
    return sum((p for p in probability.values() if p <= probability[a]), Fraction(0))


@given(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 12))
def test_fisher_matches_exact_enumeration(a: int, b: int, c: int, d: int) -> None:
    expected = float(fisher_by_enumeration(a, b, c, d))
    assert fisher_exact(a, b, c, d) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_fisher_on_large_tables_stays_a_probability() -> None:
    assert fisher_exact(2500, 7500, 2500, 7500) == pytest.approx(1.0)
    assert 0 < fisher_exact(500, 500, 400, 600) < 1e-5
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857142857, abs=1e-9)  # Fisher's tea-tasting lady


def subsets_as_far(units: list[int], k: int, observed: int) -> Fraction:
    """The share of all draws of k from `units` whose total is at least as far from its
    expectation as `observed`, by listing every draw (exact arithmetic)."""
    expected = Fraction(k * sum(units), len(units))
    totals = [sum(draw) for draw in combinations(units, k)]
    return Fraction(sum(abs(t - expected) >= abs(observed - expected) for t in totals), len(totals))


@given(st.integers(1, 6), st.lists(st.integers(0, 6), min_size=2, max_size=12), st.data())
def test_the_exact_permutation_p_value_matches_listing_every_draw(grid: int, raw: list[int],
                                                                   data: st.DataObject) -> None:
    units = [u % (grid + 1) for u in raw]
    k = data.draw(st.integers(1, len(units) - 1))
    marks = np.array(units, dtype=float) / grid
    expected = subsets_as_far(units, k, sum(units[:k]))
    assert permutation_p(marks[:k], marks[k:], grid) == pytest.approx(float(expected), rel=1e-9, abs=1e-15)


@given(st.integers(1, 4), st.lists(st.integers(0, 4), min_size=3, max_size=11), st.integers(1, 10),
       st.sampled_from([0.01, 0.05, 0.2, 0.5]))
def test_under_the_null_a_p_value_at_most_x_has_chance_at_most_x(grid: int, raw: list[int], k: int,
                                                                   x: float) -> None:
    units = [u % (grid + 1) for u in raw]
    k = 1 + k % (len(units) - 1)
    counts = np.bincount(units, minlength=grid + 1)
    table = DrawnTotals(counts, min(k, len(units) - k))
    draws = list(combinations(units, k))  # every draw equally likely when variants do not matter
    assert sum(table.p_value(k, sum(draw)) <= x for draw in draws) <= x * len(draws) + 1e-9


def test_a_large_group_uses_the_normal_approximation_with_the_finite_population_correction() -> None:
    rng = np.random.default_rng(4)
    pool = rng.integers(0, 5, 2000) / 4  # quarters: counted exactly up to 100 students on the smaller side
    order = np.argsort(pool + rng.random(2000) * 20)  # groups leaning towards the higher marks
    mine, others = pool[order[-400:]], pool[order[:-400]]
    variance = 400 * pool.var() * (2000 - 400) / (2000 - 1)
    z = (mine.sum() - 400 * pool.mean()) / math.sqrt(variance)
    p = permutation_p(mine, others, 4)
    assert 1e-5 < p < 0.01 and p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    near, rest = pool[order[-120:]], pool[order[:-120]]
    counts = np.bincount(np.round(pool * 4).astype(int), minlength=5)
    exact = DrawnTotals(counts, 120).p_value(120, round(near.sum() * 4))
    assert 1e-5 < exact < 0.01 and permutation_p(near, rest, None) == pytest.approx(exact, rel=0.05)


def test_too_many_ways_to_count_falls_back_to_the_normal_approximation() -> None:
    pool = (np.arange(1_000_000) % 2).astype(float)
    with pytest.raises(OverflowError):
        DrawnTotals(np.bincount(pool.astype(int)), 100)
    p = permutation_p(pool[:100], pool[100:], 1)
    assert p == pytest.approx(1.0)  # 50 of 100 right, as in the pool


@given(st.integers(1, 100), st.lists(st.integers(0, 100), min_size=1, max_size=30))
def test_the_grid_of_marks_is_the_smallest_denominator(d: int, numerators: list[int]) -> None:
    ks = [k % (d + 1) for k in numerators]
    marks = np.array(ks, dtype=float) / d
    assert grid_of(marks) == d // math.gcd(d, *ks)


def test_marks_off_any_small_grid_have_none() -> None:
    assert grid_of(np.array([0.0, 1 / math.pi, 1.0])) is None
    assert grid_of(np.array([0.123, 0.5])) is None  # thousandths
    assert grid_of(np.linspace(0, 1, 150)) is None
    assert grid_of(np.array([0.0, 1 / 3, float("nan")])) == 3
