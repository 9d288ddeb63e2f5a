"""Difficulty per variant of a drawn question, and a flag on a variant that is harder or
easier than the others.

    stats, test = compare_variants(marks, labels, VariantRule())   # marks: shares of the max, NaN = none

The test compares one variant with the other variants pooled, as a permutation test (under
the null hypothesis the variant's students are a random draw from the pool; see
`_analysis_pvalues`):
- right/wrong parts (every mark 0 or full): Fisher's exact test on the 2×2 table
  (this variant or another × full marks or not);
- parts with partial credit: the variant's total marks against every total a random draw of
  as many students could have had, counted exactly for small groups on a grid of marks, by
  its normal approximation otherwise. (Welch's t-test, used before, flags small variants by
  chance: bounded marks make a high mean come with a small variance.)

A variant is flagged when p ≤ level / m, m the number of variants tested (Bonferroni; m = 1
with two variants, whose two comparisons are one), and its facility differs from the others'
by at least `min_difference`. So that one odd variant does not make the fair ones look odd
against a pool it distorts, the procedure steps down: the flagged variant with the smallest p
leaves the pool and the others are tested again, with the same threshold, until none is
flagged. When two variants are left and differ, both are flagged (two cannot tell which one
is off). With no real difference the chance of any flag is at most `level`. A variant, or the
rest, with fewer than `min_students` students is not tested, and the difference floor keeps a
huge cohort from flagging a harmless difference. `analyse` shares `level` out over the parts
where some variant can be tested (`can_test`: it depends on who has a mark and a label, not on
the marks), so it bounds the chance of a false flag anywhere in the exam.

Cost: linear in the students. Each variant keeps its count, sum, squared deviations, full
marks and total in grid units; "the others" of a variant are the pool's totals minus its
own, and one table of drawn totals per round serves every variant, so a round of the
step-down is one pass over the variants, never a copy of the marks.

Many small variants. A question drawn afresh for every student has about one variant per
student, and nothing can tell whether a variant one student saw was harder: nothing is
flagged then. A variant too small to test still counts in the pools of the tested ones. Up
to `max_listed` untested variants are listed one by one; beyond that they are one summary
row (`VariantStats.variants` says how many it stands for) and the test's note says they are
too many to compare one by one. `shown_variants` picks the rows worth printing. The part's
own facility and discrimination still describe the drawn question as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlexam.grade._analysis_pvalues import DrawnTotals, exact_limit, fisher_exact, grid_of, normal_p

__all__ = ["VariantRule", "VariantStats", "can_test", "compare_variants", "shown_variants"]

_NOISE = 1e-9


@dataclass(frozen=True)
class VariantRule:
    """When a variant is flagged, and how many untested variants are listed one by one: see the
    module docstring."""

    level: float = 0.05
    min_students: int = 5
    min_difference: float = 0.10
    max_listed: int = 20


@dataclass(frozen=True)
class VariantStats:
    """One variant of a part: its students and facility, the pooled facility of the variants
    it was last compared with, that test's raw p-value (None when not tested), and whether it
    is flagged, with a one-line note. A summary row of untested variants has `variants` > 1."""

    label: str
    n: int
    facility: float
    others_n: int
    others_facility: float | None
    p_value: float | None
    flagged: bool
    note: str
    variants: int = 1


@dataclass(frozen=True)
class _Test:
    others_n: int
    others_facility: float
    p: float
    threshold: float


@dataclass(frozen=True)
class _Groups:
    """Per variant: students, sum of marks, squared deviations from its mean, full marks and,
    for marks on a grid, the total in grid units; for the part: every mark and its variant."""

    n: np.ndarray
    sums: np.ndarray
    squares: np.ndarray
    right: np.ndarray
    which: np.ndarray
    grid: int | None
    units: np.ndarray  # each student's mark in grid units (empty without a grid)
    unit_sums: np.ndarray
    levels: int  # distinct marks in the part

    @classmethod
    def of(cls, values: np.ndarray, which: np.ndarray, m: int) -> _Groups:
        n = np.bincount(which, minlength=m)
        sums = np.bincount(which, weights=values, minlength=m)
        deviations = values - (sums / n)[which]
        squares = np.bincount(which, weights=deviations * deviations, minlength=m)
        right = np.bincount(which, weights=(values >= 1 - _NOISE).astype(float), minlength=m).astype(int)
        grid = grid_of(values)
        units = np.round(values * grid).astype(np.int64) if grid else np.zeros(0, dtype=np.int64)
        unit_sums = np.bincount(which, weights=units, minlength=m).astype(np.int64) if grid else units
        return cls(n, sums, squares, right, which, grid, units, unit_sums, int(np.unique(values).size))

    def level_counts(self, variants: np.ndarray | None = None) -> np.ndarray:
        """Students per grid level, of the whole part or of the given variants."""
        assert self.grid is not None
        units = self.units if variants is None else self.units[np.isin(self.which, variants)]
        return np.bincount(units, minlength=self.grid + 1)


def can_test(marks: np.ndarray, labels: Sequence[str | None], rule: VariantRule) -> bool:
    """Whether `compare_variants` would test any variant of this part (it depends on which
    students have a mark and a label, never on the marks themselves)."""
    known = np.array([label is not None for label in labels], dtype=bool) & ~np.isnan(marks)
    _, counts = np.unique(np.array([label for label, keep in zip(labels, known, strict=True) if keep],
                                   dtype=object), return_counts=True)
    total = int(counts.sum())
    return counts.size >= 2 and bool(((counts >= rule.min_students)
                                      & (total - counts >= rule.min_students)).any())


def compare_variants(marks: np.ndarray, labels: Sequence[str | None],
                     rule: VariantRule) -> tuple[tuple[VariantStats, ...], str]:
    """Per-variant statistics of one part and a note on the test used. `marks` are fractions
    of the maximum per student (NaN when missing); students without a label are left out."""
    known = np.array([label is not None for label in labels], dtype=bool) & ~np.isnan(marks)
    if not known.any():
        return (), "no student has both a mark and a variant label"
    names = np.array([str(label) for label, keep in zip(labels, known, strict=True) if keep])
    values = marks[known]
    variants, which = np.unique(names, return_inverse=True)
    if variants.size < 2:
        return (), "one variant only, nothing to compare"
    right_or_wrong = bool(np.all((values <= _NOISE) | (values >= 1 - _NOISE)))
    groups = _Groups.of(values, which, variants.size)
    tests, flagged = _step_down(groups, right_or_wrong, rule)
    facility = groups.sums / groups.n
    total_n, total_sum = values.size, float(groups.sums.sum())
    untested = [v for v in range(variants.size) if v not in tests]
    listed = len(untested) <= rule.max_listed
    needs = f"needs {rule.min_students} or more students on this variant and on the others"
    stats = []
    for v, label in enumerate(variants):
        test, n = tests.get(v), int(groups.n[v])
        if test is not None:
            verdict = "differs from the other variants" if v in flagged else "not flagged"
            note = (f"facility {facility[v]:.2f} vs {test.others_facility:.2f} on the others: {verdict} "
                    f"(p = {test.p:.2g}; flagged at p ≤ {test.threshold:.2g} with a difference ≥ "
                    f"{rule.min_difference:g})")
            stats.append(VariantStats(str(label), n, float(facility[v]), test.others_n, test.others_facility,
                                      test.p, v in flagged, note))
        elif listed:
            others = (total_sum - float(groups.sums[v])) / (total_n - n)
            stats.append(VariantStats(str(label), n, float(facility[v]), total_n - n, others, None, False,
                                      f"not tested: {needs}"))
    if not listed:
        stats.append(_summary(untested, groups, total_n, total_sum, needs))
    test_name = ("Fisher exact test on full marks or not" if right_or_wrong
                 else "permutation test of the marks (exact for small groups on a grid of marks)")
    note = f"{test_name}, each variant against the others pooled, at level {rule.level:.3g}"
    if not listed:
        small = f"too small to compare one by one (each {needs})"
        note += (f"; {variants.size} variants: {len(tests)} tested, {len(untested)} {small}, which count in "
                 "the tested ones' pools and are summarised in one row" if tests else
                 f"; {variants.size} variants, none tested: all {small}, summarised in one row")
    return tuple(stats), note


def shown_variants(stats: Sequence[VariantStats], limit: int) -> list[VariantStats]:
    """The rows worth showing a reader: every variant when there are at most `limit`; else the
    flagged ones and summary rows, one of them for the variants tested and not flagged."""
    if len(stats) <= limit:
        return list(stats)
    kept = [v for v in stats if v.flagged or v.variants > 1]
    quiet = [v for v in stats if not (v.flagged or v.variants > 1)]
    if quiet:
        n = sum(v.n for v in quiet)
        facility = sum(v.facility * v.n for v in quiet) / n
        note = f"{len(quiet)} variants tested one by one and not flagged; each is listed in analysis.json"
        label = f"{len(quiet)} variants, not flagged"
        kept.insert(0, VariantStats(label, n, facility, 0, None, None, False, note, len(quiet)))
    return kept


def _summary(untested: list[int], groups: _Groups, total_n: int, total_sum: float,
             needs: str) -> VariantStats:
    """One row for many untested variants: their students pooled, against everyone else."""
    n = int(groups.n[untested].sum())
    sums = float(groups.sums[untested].sum())
    others_n = total_n - n
    others = (total_sum - sums) / others_n if others_n else None
    note = (f"{len(untested)} variants with {n} students in all, none tested: each {needs}; "
            "too many to list one by one")
    return VariantStats(f"{len(untested)} untested variants", n, sums / n, others_n, others, None, False,
                        note, len(untested))


def _step_down(groups: _Groups, right_or_wrong: bool,
               rule: VariantRule) -> tuple[dict[int, _Test], set[int]]:
    active = np.ones(groups.n.size, dtype=bool)
    big = groups.n >= rule.min_students
    counts = groups.level_counts() if groups.grid and not right_or_wrong else None
    tests: dict[int, _Test] = {}
    flagged: set[int] = set()
    threshold = 0.0
    while int(active.sum()) >= 2:
        n_pool = int(groups.n[active].sum())
        others_n = n_pool - groups.n
        testable = np.flatnonzero(active & big & (others_n >= rule.min_students))
        if not testable.size:
            break
        if not threshold:  # fixed in the first round: Bonferroni over the variants tested then
            threshold = rule.level / (1 if int(active.sum()) == 2 else testable.size)
        p_values = _p_values(groups, active, testable, right_or_wrong, counts)
        others_facility = (float(groups.sums[active].sum()) - groups.sums[testable]) / others_n[testable]
        for v, p, facility in zip(testable.tolist(), p_values, others_facility.tolist(), strict=True):
            tests[v] = _Test(int(others_n[v]), facility, p, threshold)
        odd = [v for v in testable.tolist() if tests[v].p <= threshold
               and abs(float(groups.sums[v] / groups.n[v]) - tests[v].others_facility) >= rule.min_difference]
        if not odd:
            break
        worst = min(odd, key=lambda v: (tests[v].p, v))
        if int(active.sum()) == 2:
            flagged |= {int(v) for v in np.flatnonzero(active)}
            break
        flagged.add(worst)
        active[worst] = False
        if counts is not None:
            counts = counts - groups.level_counts(np.array([worst]))
    return tests, flagged


def _p_values(groups: _Groups, active: np.ndarray, testable: np.ndarray, right_or_wrong: bool,
              counts: np.ndarray | None) -> list[float]:
    """Each testable variant against the rest of the active pool, from the pool's totals; the
    same table (sizes and totals) gives the same p-value, so each is computed once."""
    n_pool = int(groups.n[active].sum())
    memo: dict[tuple[int, int | float], float] = {}
    p_values = []
    if right_or_wrong:
        right_pool = int(groups.right[active].sum())
        for size, right in zip(groups.n[testable].tolist(), groups.right[testable].tolist(), strict=True):
            if (size, right) not in memo:
                memo[size, right] = fisher_exact(right, size - right, right_pool - right,
                                                 n_pool - size - right_pool + right)
            p_values.append(memo[size, right])
        return p_values
    n, sums = groups.n[active], groups.sums[active]
    sum_pool = float(sums.sum())
    squares_pool = float(groups.squares[active].sum() + (n * (sums / n - sum_pool / n_pool) ** 2).sum())
    sizes = groups.n[testable].tolist()
    limit = exact_limit(groups.grid, groups.levels, n_pool) if counts is not None else 0
    most = max((min(k, n_pool - k) for k in sizes if min(k, n_pool - k) <= limit), default=0)
    table = None
    if most and counts is not None:
        try:
            table = DrawnTotals(counts, most)
        except OverflowError:
            table = None
    for v, k in zip(testable.tolist(), sizes, strict=True):
        if table is not None and min(k, n_pool - k) <= limit:
            units = int(groups.unit_sums[v])
            if (k, units) not in memo:
                memo[k, units] = table.p_value(k, units)
            p_values.append(memo[k, units])
        else:
            p_values.append(normal_p(k, n_pool, sum_pool, squares_pool, float(groups.sums[v])))
    return p_values
