"""The p-values behind the variant flag, against exact enumeration and closed forms."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.grade._analysis_pvalues import fisher_exact, regularized_beta, student_t_two_sided, welch_p


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


@pytest.mark.parametrize("t", [0.0, 0.3, 1.0, 2.5, 12.0, -4.0])
def test_t_tail_matches_closed_forms(t: float) -> None:
    cauchy = 1 - 2 * math.atan(abs(t)) / math.pi
    assert student_t_two_sided(t, 1) == pytest.approx(cauchy, abs=1e-12)
    assert student_t_two_sided(t, 2) == pytest.approx(1 - abs(t) / math.sqrt(2 + t * t), abs=1e-12)
    assert student_t_two_sided(t, 1e7) == pytest.approx(math.erfc(abs(t) / math.sqrt(2)), abs=1e-6)  # normal


@pytest.mark.parametrize(("t", "df", "p"), [(2.228, 10, 0.05), (2.571, 5, 0.05), (2.845, 20, 0.01),
                                            (1.96, 1000, 0.0503)])
def test_t_tail_matches_printed_tables(t: float, df: float, p: float) -> None:
    assert student_t_two_sided(t, df) == pytest.approx(p, abs=5e-4)


@given(st.floats(0.05, 5000), st.floats(0.05, 50), st.floats(0, 1))
def test_incomplete_beta_matches_mpmath(a: float, b: float, x: float) -> None:
    expected = float(mpmath.betainc(a, b, 0, x, regularized=True))
    assert regularized_beta(a, b, x) == pytest.approx(expected, rel=1e-8, abs=1e-12)


def test_welch_matches_the_t_density_integrated_numerically() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(0.5, 0.2, 14), rng.normal(0.62, 0.35, 31)
    se2 = x.var(ddof=1) / 14 + y.var(ddof=1) / 31
    t = (x.mean() - y.mean()) / math.sqrt(se2)
    df = se2 ** 2 / ((x.var(ddof=1) / 14) ** 2 / 13 + (y.var(ddof=1) / 31) ** 2 / 30)
    density = lambda u: (mpmath.gamma((df + 1) / 2) / (mpmath.sqrt(df * mpmath.pi) * mpmath.gamma(df / 2))  # noqa: E731
                         * (1 + u * u / df) ** (-(df + 1) / 2))
    assert welch_p(x, y) == pytest.approx(float(2 * mpmath.quad(density, [abs(t), mpmath.inf])), rel=1e-9)


def test_welch_without_spread_is_certain() -> None:
    assert welch_p(np.ones(5), np.ones(7)) == 1.0
    assert welch_p(np.ones(5), np.zeros(7)) == 0.0
