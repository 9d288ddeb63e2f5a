"""Two-sided p-values for "does this variant of a question behave like the others?".

Only the two tests item analysis needs, written from their textbook definitions so that
the grader depends on numpy alone:

- `fisher_exact`: Fisher's exact test of a 2×2 table (variant or not × right or wrong).
  Exact for any sample size, so a handful of students never produces a spurious flag.
- `welch_p`: Welch's unequal-variance t-test of two means, for parts with partial credit;
  the t tail comes from the regularised incomplete beta function.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fisher_exact", "regularized_beta", "student_t_two_sided", "welch_p"]

_ITERATIONS = 10_000  # the continued fraction converges in O(sqrt(df)) steps
_EPSILON = 1e-15
_TINY = 1e-300


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the table [[a, b], [c, d]]: with the margins fixed,
    the total hypergeometric probability of every table no more likely than the observed one
    (the same rule, and the same 1e-7 relative slack for ties, as R's fisher.test)."""
    n = a + b + c + d
    row, col = a + b, a + c
    low, high = max(0, row + col - n), min(row, col)
    if high <= low:
        return 1.0
    log_factorial = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=float)))))
    k = np.arange(low, high + 1)
    log_p = (log_factorial[row] + log_factorial[n - row] + log_factorial[col] + log_factorial[n - col]
             - log_factorial[n] - log_factorial[k] - log_factorial[row - k] - log_factorial[col - k]
             - log_factorial[n - row - col + k])
    observed = log_p[a - low]
    peak = float(log_p.max())
    as_likely = log_p <= observed + math.log1p(1e-7)
    total = float(np.exp(log_p - peak).sum())
    return min(1.0, float(np.exp(log_p[as_likely] - peak).sum()) / total)


def welch_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test that x and y (each at least two values) have the
    same mean. Two groups without any spread are equal (p = 1) or plainly different (p = 0)."""
    nx, ny = x.size, y.size
    vx, vy = float(x.var(ddof=1)) / nx, float(y.var(ddof=1)) / ny
    difference = float(x.mean() - y.mean())
    se2 = vx + vy
    if se2 <= 1e-24:
        return 1.0 if abs(difference) <= 1e-12 else 0.0
    df = se2 * se2 / (vx * vx / (nx - 1) + vy * vy / (ny - 1))
    return student_t_two_sided(difference / math.sqrt(se2), df)


def student_t_two_sided(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2)."""
    if not math.isfinite(t):
        return 0.0
    return min(1.0, max(0.0, regularized_beta(df / 2, 0.5, df / (df + t * t))))


def regularized_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by its continued fraction
    (evaluated with the modified Lentz method, using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
    on the side where the fraction converges fast)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, _ITERATIONS + 1):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= c * d
        if abs(c * d - 1.0) < _EPSILON:
            break
    return result
