"""Difficulty per variant of a drawn question, and a flag on a variant that is harder or
easier than the others.

The test compares one variant with the other variants pooled:
- right/wrong parts (every mark 0 or full): Fisher's exact test on the 2×2 table
  (this variant or another × full marks or not);
- parts with partial credit: Welch's t-test on the marks as fractions of the maximum.

A variant is flagged when p ≤ level / m, m the number of variants tested (Bonferroni; m = 1
with two variants, whose two comparisons are one), and its facility differs from the others'
by at least `min_difference`. So that one odd variant does not make the fair ones look odd
against a pool it distorts, the procedure steps down: the flagged variant with the smallest p
leaves the pool and the others are tested again, with the same threshold, until none is
flagged. When two variants are left and differ, both are flagged (two cannot tell which one
is off). With no real difference the chance of any flag is at most `level`. A variant, or the
rest, with fewer than `min_students` students is not tested, and the difference floor keeps a
huge cohort from flagging a harmless difference. `analyse` shares `level` out over the parts
with variants, so it bounds the chance of a false flag anywhere in the exam."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlexam.grade._analysis_pvalues import fisher_exact, welch_p

__all__ = ["VariantRule", "VariantStats", "compare_variants"]

_NOISE = 1e-9


@dataclass(frozen=True)
class VariantRule:
    """When a variant is flagged: see the module docstring."""

    level: float = 0.05
    min_students: int = 5
    min_difference: float = 0.10


@dataclass(frozen=True)
class VariantStats:
    """One variant of a part: its students and facility, the pooled facility of the variants
    it was last compared with, that test's raw p-value (None when not tested), and whether it
    is flagged, with a one-line note."""

    label: str
    n: int
    facility: float
    others_n: int
    others_facility: float | None
    p_value: float | None
    flagged: bool
    note: str


@dataclass(frozen=True)
class _Test:
    others_n: int
    others_facility: float
    p: float
    threshold: float


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
    groups = [values[which == v] for v in range(variants.size)]
    tests, flagged = _step_down(groups, right_or_wrong, rule)
    stats = []
    for v, label in enumerate(variants):
        mine, test = groups[v], tests.get(v)
        facility = float(mine.mean())
        if test is None:
            others = values[which != v]
            note = f"not tested: needs {rule.min_students} or more students on this variant and on the others"
            stats.append(VariantStats(str(label), mine.size, facility, others.size, float(others.mean()),
                                      None, False, note))
            continue
        verdict = "differs from the other variants" if v in flagged else "not flagged"
        note = (f"facility {facility:.2f} vs {test.others_facility:.2f} on the others: {verdict} "
                f"(p = {test.p:.2g}; flagged at p ≤ {test.threshold:.2g} with a difference ≥ "
                f"{rule.min_difference:g})")
        stats.append(VariantStats(str(label), mine.size, facility, test.others_n, test.others_facility,
                                  test.p, v in flagged, note))
    test_name = "Fisher exact test on full marks or not" if right_or_wrong else "Welch t-test on the marks"
    return tuple(stats), f"{test_name}, each variant against the others pooled, at level {rule.level:.3g}"


def _step_down(groups: list[np.ndarray], right_or_wrong: bool,
               rule: VariantRule) -> tuple[dict[int, _Test], set[int]]:
    active = set(range(len(groups)))
    tests: dict[int, _Test] = {}
    flagged: set[int] = set()
    threshold = 0.0
    while len(active) >= 2:
        pool = {v: np.concatenate([groups[u] for u in sorted(active) if u != v]) for v in active}
        testable = sorted(v for v in active
                          if groups[v].size >= rule.min_students and pool[v].size >= rule.min_students)
        if not testable:
            break
        if not threshold:  # fixed in the first round: Bonferroni over the variants tested then
            threshold = rule.level / (1 if len(active) == 2 else len(testable))
        for v in testable:
            p = _p_value(groups[v], pool[v], right_or_wrong)
            tests[v] = _Test(pool[v].size, float(pool[v].mean()), p, threshold)
        odd = [v for v in testable if tests[v].p <= threshold
               and abs(float(groups[v].mean()) - tests[v].others_facility) >= rule.min_difference]
        if not odd:
            break
        worst = min(odd, key=lambda v: (tests[v].p, v))
        if len(active) == 2:
            flagged |= active
            break
        flagged.add(worst)
        active.remove(worst)
    return tests, flagged


def _p_value(mine: np.ndarray, others: np.ndarray, right_or_wrong: bool) -> float:
    if not right_or_wrong:
        return welch_p(mine, others)
    right, other_right = int((mine >= 1 - _NOISE).sum()), int((others >= 1 - _NOISE).sum())
    return fisher_exact(right, mine.size - right, other_right, others.size - other_right)
