"""Per-variant difficulty and its flag, distractor counts, and the speed of the whole analysis.

The per-variant comparison keeps running sums; `reference_comparison` below is the plain
version that gathers every other variant's marks for each test, and the two must agree."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam.grade._analysis_pvalues import fisher_exact, grid_of, permutation_p
from dlexam.grade._analysis_variants import compare_variants
from dlexam.grade.analysis import PartStats, Responses, VariantRule, analyse

LABELS = np.array(["a", "b", "c", "d"])


def cohort(seed: int, n: int = 400, harder_by: float = 0.0,
           partial: bool = False) -> tuple[list[list[float]], list[str]]:
    """Rasch students on eight parts; part 1 is drawn in four variants, variant "c" made
    `harder_by` logits harder. With `partial`, part 1 is marked out of 4 (a binomial count)."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(0, 1, n)
    variant = LABELS[rng.integers(0, 4, n)]
    difficulty = np.tile(np.linspace(-1.5, 1.5, 8), (n, 1))
    difficulty[:, 0] += np.where(variant == "c", harder_by, 0.0)
    chance = 1 / (1 + np.exp(-(ability[:, None] - difficulty)))
    scores = (rng.random((n, 8)) < chance).astype(float)
    if partial:
        scores[:, 0] = rng.binomial(4, chance[:, 0])
    return scores.tolist(), variant.tolist()


def variant_part(seed: int, harder_by: float = 0.0, partial: bool = False, n: int = 400) -> PartStats:
    scores, variant = cohort(seed, n, harder_by, partial)
    result = analyse(scores, [4 if partial else 1] + [1] * 7, variants={"1": variant})
    assert result.ok
    return result.parts[0]


@pytest.mark.parametrize("partial", [False, True])
def test_a_planted_unfair_variant_is_flagged_and_the_fair_ones_stay_clear(partial: bool) -> None:
    flags = [{v.label for v in variant_part(seed, harder_by=1.5, partial=partial).variants if v.flagged}
             for seed in range(500)]
    assert sum("c" in labels for labels in flags) >= 0.95 * 500
    assert sum(bool(labels - {"c"}) for labels in flags) <= 0.05 * 500
    assert ("permutation" if partial else "Fisher") in variant_part(0, partial=partial).variant_test


@pytest.mark.parametrize("partial", [False, True])
def test_fair_variants_are_not_flagged_in_at_least_95_percent_of_seeds(partial: bool) -> None:
    flagged = sum(any(v.flagged for v in variant_part(seed, partial=partial).variants) for seed in range(500))
    assert flagged <= 25


def test_per_variant_facility_and_counts_are_recomputed() -> None:
    scores, variant = cohort(11, harder_by=1.0)
    part = analyse(scores, [1] * 8, variants={"1": variant}).parts[0]
    for stats in part.variants:
        mine = [row[0] for row, v in zip(scores, variant, strict=True) if v == stats.label]
        others = [row[0] for row, v in zip(scores, variant, strict=True) if v != stats.label]
        assert (stats.n, stats.others_n) == (len(mine), len(others))
        assert stats.facility == pytest.approx(np.mean(mine)) and stats.others_facility == pytest.approx(
            np.mean(others))


def test_small_groups_never_flag_even_when_extreme() -> None:
    scores = [[1.0, 1.0]] * 4 + [[0.0, 1.0]] * 4  # variant x: everyone right; y: everyone wrong
    part = analyse(scores, [1, 1], variants={"1": ["x"] * 4 + ["y"] * 4}).parts[0]
    assert not any(v.flagged for v in part.variants) and all(v.p_value is None for v in part.variants)
    unique = analyse(scores, [1, 1], variants={"1": [str(i) for i in range(8)]}).parts[0]
    assert not any(v.flagged for v in unique.variants)


def test_a_tiny_difference_in_a_huge_cohort_is_not_flagged() -> None:
    rng = np.random.default_rng(5)
    variant = rng.integers(0, 2, 200_000)
    right = rng.random(200_000) < np.where(variant == 1, 0.52, 0.50)  # significant, but 0.02 is harmless
    part = analyse(np.c_[right, right].astype(float), [1, 1], variants={"1": variant.tolist()}).parts[0]
    assert min(v.p_value or 1 for v in part.variants) < 1e-6 and not any(v.flagged for v in part.variants)
    strict = analyse(np.c_[right, right].astype(float), [1, 1], variants={"1": variant.tolist()},
                     rule=VariantRule(min_difference=0.01)).parts[0]
    assert all(v.flagged for v in strict.variants)


def test_unlabelled_and_unmarked_students_are_left_out_of_variants() -> None:
    part = analyse([[1], [0], [None], [1]], [1], variants={"1": ["a", None, "b", "b"]}).parts[0]
    assert [(v.label, v.n) for v in part.variants] == [("a", 1), ("b", 1)]
    alone = analyse([[1], [0]], [1], variants={"1": ["a", "a"]}).parts[0]
    assert alone.variant_test.startswith("one variant")


PICKS: list[str | set[str] | list[str] | frozenset[str] | None] = [
    "b", "b", {"a"}, None, "c", ["b", "d"], "b", "a", frozenset(), "c"]


def chosen_set(pick: str | set[str] | list[str] | frozenset[str] | None) -> set[str]:
    return set() if pick is None else {pick} if isinstance(pick, str) else set(pick)


def test_distractor_counts_and_group_shares_are_recomputed() -> None:
    rng = np.random.default_rng(1)
    other = np.round(rng.uniform(0, 5, (10, 2)), 3)
    right = [1.0 if pick == "b" else 0.0 for pick in PICKS]
    scores = np.c_[right, other]
    assert len(set(scores.sum(axis=1))) == 10  # no ties at the group boundaries
    result = analyse(scores, [1, 5, 5], part_ids=["mc", "x", "y"],
                     choices={"mc": Responses(PICKS, ["a", "b", "c", "d", "e"], key=["b"])})
    part = result.parts[0]
    chosen = Counter(option for pick in PICKS for option in chosen_set(pick))
    ranked = np.argsort(-scores.sum(axis=1))
    top, bottom = ranked[:3], ranked[-3:]  # 27% of 10, rounded
    assert part.omitted == 2 and [o.option for o in part.options] == ["a", "b", "c", "d", "e"]
    for option in part.options:
        assert option.count == chosen[option.option]
        assert option.share == pytest.approx(chosen[option.option] / 8)  # eight students chose something
        picked = [i for i, pick in enumerate(PICKS) if option.option in chosen_set(pick)]
        assert option.upper_share == pytest.approx(len(set(picked) & set(top)) / 3)
        assert option.lower_share == pytest.approx(len(set(picked) & set(bottom)) / 3)
        assert option.is_key == (option.option == "b")
    assert part.options[4].flag.startswith("never chosen")


def test_options_flag_a_distractor_the_strong_students_prefer() -> None:
    picks = ["a"] * 5 + ["b"] * 5  # the five strongest students all chose the distractor a
    scores = [[0, 5 - i / 10] for i in range(5)] + [[1, 1 - i / 10] for i in range(5)]
    part = analyse(scores, [1, 5], choices={"1": Responses(picks, ["a", "b", "true"], "b")}).parts[0]
    flags = {o.option: o.flag for o in part.options}
    assert "upper group" in flags["a"] and "lower group" in flags["b"] and flags["true"].startswith("never")
    odd = analyse([[1], [0]], [1], choices={"1": Responses([True, "z"], ["a"])}).parts[0]
    assert [(o.option, o.flag) for o in odd.options] == [("a", "never chosen")] + [
        (option, "not one of the offered options") for option in ("true", "z")]


@given(st.lists(st.one_of(st.none(), st.text(max_size=2), st.booleans(), st.integers(),
                          st.lists(st.text(max_size=2))), min_size=3, max_size=3),
       st.one_of(st.text(max_size=3), st.lists(st.text(max_size=2)), st.integers()),
       st.one_of(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=2))), st.integers()))
def test_any_choices_or_variants_give_a_result_not_an_exception(picks: list[object], key: object,
                                                                labels: object) -> None:
    result = analyse([[1], [0], [1]], [1], choices={"1": Responses(picks, ["a", "b"], key)},  # type: ignore[arg-type]
                     variants={"1": labels})  # type: ignore[dict-item]
    json.dumps(result.to_dict(), allow_nan=False)
    assert result.ok or (result.error and not result.error.startswith("could not analyse"))


@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.0, 2.0])),
                          st.one_of(st.none(), st.sampled_from("xyz"))), max_size=80),
       st.floats(0.001, 1), st.integers(2, 8), st.floats(0, 1))
def test_variant_statistics_are_sound_on_any_cohort(cells: list[tuple[float | None, str | None]],
                                                    level: float, min_students: int,
                                                    min_difference: float) -> None:
    scores = [[mark, 1.0] for mark, _ in cells]
    rule = VariantRule(level, min_students, min_difference)
    result = analyse(scores, [2, 1], variants={"1": [label for _, label in cells]}, rule=rule)
    assert result.ok
    for stats in result.parts[0].variants:
        assert 0 <= stats.facility <= 1 and stats.n >= 1
        assert stats.p_value is None or 0 <= stats.p_value <= 1
        assert not stats.flagged or (stats.p_value is not None and stats.p_value <= level)
    seen = [label for mark, label in cells if mark is not None and label is not None]
    if len(set(seen)) >= 2:  # with one variant there is nothing to compare
        assert sum(s.n for s in result.parts[0].variants) == len(seen)


def test_unknown_parts_in_variants_or_choices_are_reported() -> None:
    assert "unknown part 'q9'" in analyse([[1]], [1], variants={"q9": ["a"]}).error
    assert "unknown part 'q9'" in analyse([[1]], [1], choices={"q9": Responses(["a"])}).error
    assert "1 labels for 2 students" in analyse([[1], [0]], [1], variants={"1": ["a"]}).error


def test_ten_thousand_students_by_twenty_five_parts_in_under_a_second() -> None:
    rng = np.random.default_rng(0)
    n, k = 10_000, 25
    ability = rng.normal(0, 1, n)
    right = rng.random((n, k)) < 1 / (1 + np.exp(-(ability[:, None] - np.linspace(-2, 2, k))))
    scores = [[float(v) if j % 7 else None if i % 97 == 0 else float(v) for j, v in enumerate(row)]
              for i, row in enumerate(right)]
    letters = np.array(list("abcd"))
    choices = {str(j + 1): Responses(letters[rng.integers(0, 4, n)].tolist(), list("abcd"), "a")
               for j in range(0, 10)}
    variants = {str(j + 1): letters[rng.integers(0, 4, n)].tolist() for j in range(10, 25)}
    best = min(_timed(lambda: analyse(scores, [1] * k, variants=variants, choices=choices)) for _ in range(3))
    print(f"\nitem analysis of {n} students × {k} parts: {best * 1000:.0f} ms")
    assert best < 1.0


def _timed(run: object) -> float:
    start = time.perf_counter()
    result = run()  # type: ignore[operator]
    assert result.ok
    return time.perf_counter() - start


Row = tuple[int, float, int | None, float | None, float | None, bool]  # n, facility, others, p, flagged


def reference_comparison(marks: Sequence[float], labels: Sequence[str | None],
                         rule: VariantRule) -> dict[str, Row]:
    """The step-down written plainly: each round, each variant against the concatenated marks of
    every other variant still in the pool."""
    kept = [(m, label) for m, label in zip(marks, labels, strict=True)
            if label is not None and not math.isnan(m)]
    by_label: dict[str, list[float]] = {}
    for m, label in kept:
        by_label.setdefault(label, []).append(m)
    groups = {label: np.array(v) for label, v in sorted(by_label.items())}
    if len(groups) < 2:
        return {}
    values = np.array([m for m, _ in kept])
    right_or_wrong = all(v <= 1e-9 or v >= 1 - 1e-9 for v in values)
    grid, levels = grid_of(values), np.unique(values).size
    active, tests, flagged, threshold = list(groups), {}, set(), 0.0
    while len(active) >= 2:
        others = {v: np.concatenate([groups[u] for u in active if u != v]) for v in active}
        testable = [v for v in active
                    if groups[v].size >= rule.min_students and others[v].size >= rule.min_students]
        if not testable:
            break
        threshold = threshold or rule.level / (1 if len(active) == 2 else len(testable))
        for v in testable:
            mine, rest = groups[v], others[v]
            if right_or_wrong:
                r, o = int((mine >= 1 - 1e-9).sum()), int((rest >= 1 - 1e-9).sum())
                p = fisher_exact(r, mine.size - r, o, rest.size - o)
            else:
                p = permutation_p(mine, rest, grid, levels)
            tests[v] = (rest.size, float(rest.mean()), p)
        odd = [v for v in testable
               if tests[v][2] <= threshold and abs(groups[v].mean() - tests[v][1]) >= rule.min_difference]
        if not odd:
            break
        worst = min(odd, key=lambda v: (tests[v][2], v))
        if len(active) == 2:
            flagged |= set(active)
            break
        flagged.add(worst)
        active.remove(worst)
    return {label: (g.size, float(g.mean()), *tests.get(label, (None, None, None)), label in flagged)
            for label, g in groups.items()}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.integers(1, 30), st.integers(100, 140)), min_size=2, max_size=6),
       st.lists(st.floats(0.05, 0.95), min_size=6, max_size=6), st.sampled_from([1, 2, 4, 10, 0]),
       st.integers(0, 2**32 - 1), st.floats(0.01, 0.5), st.integers(2, 8), st.floats(0, 0.3))
def test_running_sums_give_what_gathering_every_other_variants_marks_gives(
        sizes: list[int], shares: list[float], points: int, seed: int, level: float, min_students: int,
        min_difference: float) -> None:
    rng = np.random.default_rng(seed)
    labels: list[str | None] = [f"v{v}" for v, size in enumerate(sizes) for _ in range(size)]
    chance = np.array([shares[v] for v, size in enumerate(sizes) for _ in range(size)])
    marks: np.ndarray
    if points:  # marks out of `points`; 1 is right or wrong
        marks = rng.binomial(points, chance) / points
    else:  # thousandths: on no grid of at most 100 steps, so the normal approximation throughout
        marks = np.round(np.clip(rng.normal(chance, 0.25), 0, 1), 3)
    marks[rng.random(marks.size) < 0.1] = np.nan
    labels = [None if rng.random() < 0.05 else label for label in labels]
    rule = VariantRule(level, min_students, min_difference, max_listed=100)
    fast, _ = compare_variants(marks, labels, rule)
    expected = reference_comparison(marks.tolist(), labels, rule)
    assert {s.label for s in fast} == set(expected)
    for stats in fast:
        n, facility, others_n, others_facility, p, flagged = expected[stats.label]
        assert stats.n == n and stats.facility == pytest.approx(facility, abs=1e-12)
        assert stats.flagged == flagged and (stats.p_value is None) == (p is None)
        if p is not None:
            assert stats.others_n == others_n
            assert stats.others_facility == pytest.approx(others_facility, abs=1e-12)
            assert stats.p_value == pytest.approx(p, rel=1e-9, abs=1e-12)


def test_a_question_drawn_afresh_for_every_student_is_one_summary_row_and_never_flagged() -> None:
    rng = np.random.default_rng(8)
    n = 5000
    right = (rng.random(n) < 0.6).astype(float)
    part = analyse(np.c_[right, 1 - right], [1, 1], variants={"1": [f"u{i}" for i in range(n)]}).parts[0]
    (row,) = part.variants
    assert (row.variants, row.n, row.p_value, row.flagged) == (n, n, None, False)
    assert row.facility == pytest.approx(right.mean()) and row.others_n == 0 and row.others_facility is None
    assert "none tested" in part.variant_test and "too small to compare one by one" in part.variant_test


def test_big_variants_are_tested_against_everyone_else_and_small_ones_are_summarised() -> None:
    rng = np.random.default_rng(9)
    labels = ["big-a"] * 150 + ["big-b"] * 150 + [f"small{i}" for i in range(400)]
    right = (rng.random(700) < np.where(np.array(labels) == "big-b", 0.2, 0.6)).astype(float)
    part = analyse(np.c_[right, right], [1, 1], variants={"1": labels},
                   rule=VariantRule(max_listed=30)).parts[0]
    rows = {v.label: v for v in part.variants}
    assert set(rows) == {"big-a", "big-b", "400 untested variants"}
    assert sum(v.n for v in rows.values()) == 700 and rows["400 untested variants"].variants == 400
    assert rows["big-b"].flagged and not rows["big-a"].flagged
    assert rows["big-b"].others_n == 550  # the small variants count in the pool
    assert rows["big-b"].others_facility == pytest.approx(right[np.array(labels) != "big-b"].mean())
    assert rows["big-a"].others_n == 400  # last tested once big-b had left the pool
    assert rows["big-a"].others_facility == pytest.approx(right[300:].mean())
    assert rows["400 untested variants"].facility == pytest.approx(right[300:].mean())
    listed = analyse(np.c_[right, right], [1, 1], variants={"1": labels},
                     rule=VariantRule(max_listed=400)).parts[0]
    assert len(listed.variants) == 402 and all(v.variants == 1 for v in listed.variants)


def test_a_part_whose_variants_cannot_be_tested_takes_no_share_of_the_level() -> None:
    scores, variant = cohort(3, harder_by=1.0)
    alone = analyse(scores, [1] * 8, variants={"1": variant})
    beside_unique = analyse(scores, [1] * 8, variants={"1": variant, "2": [f"u{i}" for i in range(400)]})
    beside_testable = analyse(scores, [1] * 8, variants={"1": variant, "2": variant})
    assert beside_unique.parts[0].variants == alone.parts[0].variants
    assert "at level 0.05" in beside_unique.parts[0].variant_test
    assert "at level 0.025" in beside_testable.parts[0].variant_test


def test_small_variants_with_partial_credit_are_not_flagged_by_chance() -> None:
    """Sixty variants of five students, marks out of 4 on an easy part, no real difference:
    Welch's t-test flagged a variant in about two classes of three; the level is 5%."""
    flagged = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        ability = rng.normal(0, 1, 300)
        marks = rng.binomial(4, 1 / (1 + np.exp(-(ability + 1.5)))) / 4
        stats, _ = compare_variants(marks, [f"v{i % 60}" for i in range(300)], VariantRule())
        flagged += any(v.flagged for v in stats)
    assert flagged <= 10


def test_variants_cost_linear_time_even_with_one_per_student_or_thousands_of_small_ones() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    partial = rng.integers(0, 5, n) / 4
    right = (rng.random(n) < 0.6).astype(float)
    variants = {"1": [f"u{i}" for i in range(n)], "2": [f"g{i // 5}" for i in range(n)],
                "3": [f"g{i // 5}" for i in range(n)], "4": [f"h{i // 40}" for i in range(n)]}
    scores = np.c_[partial, partial, right, partial]
    best = min(_timed(lambda: analyse(scores, [1] * 4, variants=variants)) for _ in range(2))
    print(f"\nvariants of {n} students, 4 drawn parts (up to one variant each): {best * 1000:.0f} ms")
    assert best < 1.5
