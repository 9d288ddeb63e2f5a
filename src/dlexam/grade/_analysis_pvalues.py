"""Two-sided p-values for "does this variant of a question behave like the others?".

    fisher_exact(3, 1, 1, 3)                      # right/wrong: the 2×2 table
    permutation_p(mine, others, grid_of(marks))   # partial credit: the variant's total

Both are permutation tests. Under the null hypothesis a variant is no different from the
others, so its n students are a random draw of n from the pool compared (the variant and
the others together); the test keeps the pool's marks fixed and asks how unusual the
variant's share of them is. Written from their definitions, so the grader needs numpy alone.

- `fisher_exact`: Fisher's exact test of a 2×2 table (variant or not × full marks or not),
  for parts marked right or wrong.
- `permutation_p`: for partial credit, the exact distribution of the total of n marks drawn
  without replacement from the pool (`DrawnTotals`), when the marks lie on a grid of at most
  100 steps (quarters, tenths…) and the smaller side is small enough to count
  (`exact_limit`); otherwise its normal approximation, mean n·μ and variance
  n·σ²·(N − n)/(N − 1). Two-sided: every total at least as far from n·μ as the variant's.

Why not Welch's t-test, which this module used before: marks are bounded, so in a variant of
a few students a high mean comes with a small sample variance, and the t statistic explodes.
On simulated cohorts with no real difference (300 students, 60 variants of 5, marks out of
4) Welch flagged a variant in 64% of classes; the exact test stays within its level.

The log-factorials behind `fisher_exact` are computed once and grown on demand (a prefix of
a cumulative sum is the cumulative sum of the prefix, so every table gets the same numbers).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DrawnTotals", "exact_limit", "fisher_exact", "grid_of", "normal_p", "permutation_p"]

_GRID_STEPS = 100  # marks on a grid of at most this many steps are counted exactly
_EXACT_MOST = 100  # students on the smaller side, at most
_EXACT_WORK = 3e7  # levels × grid × students³: about a tenth of a second of numpy additions
_FLOAT_LIMIT = 1e306  # ways to draw beyond this do not fit a float64 sum; `exact_limit` keeps 1e300
_LOG_FLOAT_LIMIT = math.log(1e300)
_log_factorials = np.zeros(1)  # log(k!) for k = 0 … len − 1, grown by `_log_factorial_table`


def _log_factorial_table(n: int) -> np.ndarray:
    """log(k!) for k = 0 … at least n (one table for every test, instead of one per test)."""
    global _log_factorials
    if _log_factorials.size <= n:
        size = max(n + 1, 2 * _log_factorials.size, 1024)
        _log_factorials = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, size, dtype=float)))))
    return _log_factorials


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the table [[a, b], [c, d]]: with the margins fixed,
    the total hypergeometric probability of every table no more likely than the observed one
    (the same rule, and the same 1e-7 relative slack for ties, as R's fisher.test)."""
    n = a + b + c + d
    row, col = a + b, a + c
    low, high = max(0, row + col - n), min(row, col)
    if high <= low:
        return 1.0
    log_factorial = _log_factorial_table(n)
    k = np.arange(low, high + 1)
    log_p = (log_factorial[row] + log_factorial[n - row] + log_factorial[col] + log_factorial[n - col]
             - log_factorial[n] - log_factorial[k] - log_factorial[row - k] - log_factorial[col - k]
             - log_factorial[n - row - col + k])
    observed = log_p[a - low]
    peak = float(log_p.max())
    as_likely = log_p <= observed + math.log1p(1e-7)
    total = float(np.exp(log_p - peak).sum())
    return min(1.0, float(np.exp(log_p[as_likely] - peak).sum()) / total)


def grid_of(marks: np.ndarray) -> int | None:
    """The smallest D ≤ 100 such that every mark (a share of the maximum, 0…1) is a whole
    multiple of 1/D, to 1e-9; None when there is no such grid."""
    levels = np.unique(np.round(marks[~np.isnan(marks)], 12))
    if levels.size > _GRID_STEPS + 1:
        return None
    for d in range(1, _GRID_STEPS + 1):
        scaled = levels * d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * d):
            return d
    return None


def exact_limit(grid: int | None, levels: int, pool: int) -> int:
    """The most students on the smaller side (the variant or the others) for which the exact
    distribution is counted, for marks on `grid` taking `levels` distinct values in a pool of
    `pool` students (the number of ways to draw must fit a float)."""
    if grid is None:
        return 0
    most = min(_EXACT_MOST, pool // 2, int((_EXACT_WORK / (max(levels, 1) * grid)) ** (1 / 3)))
    while most and _log_ways(pool, most) > _LOG_FLOAT_LIMIT:
        most -= 1
    return most


def _log_ways(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


class DrawnTotals:
    """How many ways k students drawn from a pool reach each total, for every k ≤ `most`.
    `counts[j]` is the number of students in the pool with the mark j/D (totals are counted in
    those units). One table serves every variant of a round of the step-down."""

    def __init__(self, counts: np.ndarray, most: int) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.n = int(self.counts.sum())
        self.units = int(self.counts @ np.arange(self.counts.size))  # the pool's total
        most = max(0, min(most, self.n))
        if math.comb(self.n, most) > _FLOAT_LIMIT:
            raise OverflowError("too many ways to draw to count in floating point")
        width = most * (self.counts.size - 1) + 1
        table = np.zeros((most + 1, width))
        table[0, 0] = 1.0
        for level, count in enumerate(self.counts.tolist()):
            if not count:
                continue
            grown = table.copy()  # nobody drawn at this level
            for j in range(1, min(count, most) + 1):
                shift = j * level
                if shift >= width:
                    break
                grown[j:, shift:] += float(math.comb(count, j)) * table[:most + 1 - j, :width - shift]
            table = grown
        self.table = table

    def p_value(self, k: int, total: int) -> float:
        """P(a draw of k has a total at least as far from its expectation as `total`); when k
        is more than half the pool the complement (N − k students, the rest of the total) is used."""
        if k > self.n - k:
            k, total = self.n - k, self.units - total
        row = self.table[k, :k * (self.counts.size - 1) + 1]
        expected = k * self.units / self.n if self.n else 0.0
        distance = np.abs(np.arange(row.size) - expected)
        far = distance >= abs(total - expected) - 1e-9
        return min(1.0, float(row[far].sum() / row.sum()))


def normal_p(k: int, n: int, pool_sum: float, pool_squares: float, total: float) -> float:
    """The normal approximation of the permutation test: the total of k of the pool's n marks
    (sum `pool_sum`, squared deviations `pool_squares`) against its mean and variance."""
    difference = total - k * pool_sum / n
    variance = k * (pool_squares / n) * (n - k) / (n - 1)
    if variance <= 1e-20:
        return 1.0 if abs(difference) <= 1e-9 else 0.0
    return math.erfc(abs(difference) / math.sqrt(2 * variance))


def permutation_p(mine: np.ndarray, others: np.ndarray, grid: int | None, levels: int | None = None) -> float:
    """Two-sided permutation p-value of the total of `mine` among the marks of `mine` and
    `others` pooled. `grid` (and `levels`, the distinct marks, by default those of the pool)
    decide whether the distribution is counted exactly; pass the part's, so that every
    comparison of one part is made the same way."""
    pool = np.concatenate([mine, others])
    k, n = mine.size, pool.size
    levels = np.unique(pool).size if levels is None else levels
    if grid is not None and min(k, n - k) <= exact_limit(grid, levels, n):
        units = np.round(pool * grid).astype(np.int64)
        try:
            table = DrawnTotals(np.bincount(units, minlength=grid + 1), min(k, n - k))
            return table.p_value(k, int(units[:k].sum()))
        except OverflowError:
            pass
    return normal_p(k, n, float(pool.sum()), float(((pool - pool.mean()) ** 2).sum()), float(mine.sum()))
