"""Per-variant difficulty and its flag, distractor counts, and the speed of the whole analysis."""

from __future__ import annotations

import json
import time
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    assert ("Welch" if partial else "Fisher") in variant_part(0, partial=partial).variant_test


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
