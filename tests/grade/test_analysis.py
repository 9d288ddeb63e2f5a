"""Item analysis statistics against independent computations from their textbook definitions."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from itertools import combinations
from statistics import mean, pstdev

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.grade.analysis import ExamAnalysis, analyse


def kr20(items: list[list[int]]) -> Fraction:
    """Kuder–Richardson 20, exactly: k/(k−1) · (1 − Σ p q / σ²_X), population variance."""
    n, k = len(items), len(items[0])
    totals = [sum(row) for row in items]
    mean_total = Fraction(sum(totals), n)
    variance = sum(((Fraction(t) - mean_total) ** 2 for t in totals), Fraction(0)) / n
    pq = sum((Fraction(sum(row[j] for row in items), n) * (1 - Fraction(sum(row[j] for row in items), n))
             for j in range(k)), Fraction(0))
    return Fraction(k, k - 1) * (1 - pq / variance)


def textbook_alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    return k / (k - 1) * (1 - sum(np.var(x[:, j], ddof=1) for j in range(k)) / np.var(x.sum(axis=1), ddof=1))


def point_biserial(item: list[int], rest: list[int]) -> float:
    """r_pb = (M1 − M0) / s_n · sqrt(p q): M1, M0 the rest-score means of those right and wrong."""
    right = [r for i, r in zip(item, rest, strict=True) if i]
    wrong = [r for i, r in zip(item, rest, strict=True) if not i]
    p = len(right) / len(item)
    return (mean(right) - mean(wrong)) / pstdev(rest) * math.sqrt(p * (1 - p))


def upper_lower_by_random_ties(x: np.ndarray, j: int) -> float:
    """Kelley's index with ties at the boundary broken uniformly at random, averaged exactly
    over every way of breaking them (the groups are the top and bottom round(27% of n))."""
    totals = [round(float(t), 9) for t in x.sum(axis=1)]
    g = max(1, math.floor(0.27 * len(totals) + 0.5))

    def groups(sign: int) -> list[list[int]]:
        ranked = sorted(range(len(totals)), key=lambda i: -sign * totals[i])
        cut = totals[ranked[g - 1]]
        sure = [i for i in ranked if sign * totals[i] > sign * cut]
        tied = [i for i in ranked if totals[i] == cut]
        return [sure + list(chosen) for chosen in combinations(tied, g - len(sure))]

    pairs = [(u, lo) for u in groups(1) for lo in groups(-1)]
    return sum(x[u, j].mean() - x[lo, j].mean() for u, lo in pairs) / len(pairs)


# A worked example: ten students, five right/wrong items.
WORKED = [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0], [1, 1, 1, 0, 1], [1, 1, 0, 1, 0], [1, 0, 1, 1, 0],
          [1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]]


def test_worked_example_matches_the_textbook_formulas() -> None:
    result = analyse(WORKED, [1] * 5)
    x = np.array(WORKED, dtype=float)
    assert result.ok and result.n_complete == 10 and result.group_size == 3
    assert result.alpha.value == pytest.approx(float(kr20(WORKED)), abs=1e-12)
    for j, part in enumerate(result.parts):
        column = [row[j] for row in WORKED]
        rest = [sum(row) - row[j] for row in WORKED]
        assert part.facility.value == pytest.approx(sum(column) / 10, abs=1e-12)
        assert part.point_biserial.value == pytest.approx(point_biserial(column, rest), abs=1e-12)
        assert part.upper_lower.value == pytest.approx(upper_lower_by_random_ties(x, j), abs=1e-12)
    totals = x.sum(axis=1)
    assert result.scores.mean == pytest.approx(totals.mean())
    assert result.scores.sd == pytest.approx(totals.std(ddof=1))
    assert result.scores.histogram == tuple(np.histogram(totals / 5 * 100, bins=np.linspace(0, 100, 11))[0])
    assert result.sem.value == pytest.approx(totals.std(ddof=1) * math.sqrt(1 - float(kr20(WORKED))))


def test_partial_credit_without_ties_uses_the_top_and_bottom_27_percent() -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.uniform(0, 4, size=(100, 6)), 3)
    result = analyse(x.tolist(), [4] * 6)
    ranked = np.argsort(-x.sum(axis=1), kind="stable")
    top, bottom = ranked[:27], ranked[-27:]
    assert result.group_size == 27
    assert result.alpha.value == pytest.approx(textbook_alpha(x), abs=1e-12)
    for j, part in enumerate(result.parts):
        rest = x.sum(axis=1) - x[:, j]
        assert part.point_biserial.value == pytest.approx(np.corrcoef(x[:, j], rest)[0, 1], abs=1e-12)
        expected = (x[top, j].mean() - x[bottom, j].mean()) / 4
        assert part.upper_lower.value == pytest.approx(expected, abs=1e-12)
    q = np.quantile(x.sum(axis=1), [0.25, 0.5, 0.75])
    assert (result.scores.q1, result.scores.median, result.scores.q3) == pytest.approx(tuple(q))


def test_rasch_cohort_recovers_the_order_of_difficulty() -> None:
    rng = np.random.default_rng(2024)
    difficulty = np.linspace(-2, 2, 9)
    ability = rng.normal(0, 1, size=2000)
    right = rng.random((2000, 9)) < 1 / (1 + np.exp(-(ability[:, None] - difficulty)))
    result = analyse(right.astype(int).tolist(), [1] * 9)
    facility = [part.facility.value or 0.0 for part in result.parts]
    assert facility == sorted(facility, reverse=True)  # harder item, lower facility
    assert all(0.2 < (part.point_biserial.value or 0) < 0.7 for part in result.parts)
    assert all(0.1 < (part.upper_lower.value or 0) < 0.9 for part in result.parts)
    assert result.alpha.value == pytest.approx(float(kr20(right.astype(int).tolist())), abs=1e-9)


def test_missing_marks_use_every_marked_student_for_facility_and_complete_rows_for_the_rest() -> None:
    x: list[list[int | None]] = [[1, 2, None], [0, 1, 3], [1, 0, 1], [None, 2, 2], [1, 1, 0], [0, 2, 3]]
    result = analyse(x, [1, 2, 3])
    complete = np.array([row for row in x if None not in row], dtype=np.float64)
    assert result.n_complete == 4 and [p.n_missing for p in result.parts] == [1, 0, 1]
    assert result.parts[0].facility.value == pytest.approx(3 / 5)
    assert result.parts[2].facility.value == pytest.approx(9 / 5 / 3)
    assert result.alpha.value == pytest.approx(textbook_alpha(complete))
    zeros = analyse(x, [1, 2, 3], unanswered_as_zero=True)
    as_zero = np.array([[0 if v is None else v for v in row] for row in x], dtype=np.float64)
    assert zeros.n_complete == 6 and zeros.alpha.value == pytest.approx(textbook_alpha(as_zero))


def test_fractions_floats_and_arrays_with_nan_give_the_same_analysis() -> None:
    exact: list[list[Fraction | None]] = [
        [Fraction(1, 3), Fraction(3, 4), None], [Fraction(2, 3), Fraction(0), Fraction(1)],
        [Fraction(1), Fraction(1, 4), Fraction(1, 2)]]
    floats = np.array([[math.nan if v is None else float(v) for v in row] for row in exact])
    assert analyse(exact, [1, 1, 1]) == analyse(floats, [1.0, 1.0, 1.0])
    assert analyse(exact, [1, 1, 1]) == analyse(np.array(exact, dtype=object), np.ones(3))
    assert analyse([[1, 0], [2, 1]], [2, 1]) == analyse(np.array([[1, 0], [2, 1]]), [2, 1])
    assert "part ids" in analyse(exact, [1, 1, 1], part_ids="abc").error
    assert "'a' repeats" in analyse(exact, [1, 1, 1], part_ids=["a", "b", "a"]).error


def test_degenerate_cohorts_give_none_with_a_reason() -> None:
    same = analyse([[1, 0, 2]] * 5, [1, 1, 2])
    assert same.ok and same.scores.sd == 0 and same.alpha.value is None and "same total" in same.alpha.reason
    assert all(p.point_biserial.value is None and p.upper_lower.value is None and p.upper_lower.reason
               for p in same.parts)
    one = analyse([[1, 0, 2]], [1, 1, 2])
    assert one.ok and one.alpha.value is None and one.scores.sd is None and one.parts[0].facility.value == 1
    unmarked = analyse([[None, None]] * 4, [1, 1])
    assert unmarked.ok and unmarked.n_complete == 0 and unmarked.scores.n == 0
    assert all(p.facility.value is None and "no student" in p.facility.reason for p in unmarked.parts)
    single = analyse([[0], [1], [1]], [1])
    assert single.alpha.value is None and "two parts" in single.alpha.reason
    assert single.parts[0].point_biserial.value is None and single.parts[0].upper_lower.value is not None
    nobody = analyse([], [1, 2])
    assert nobody.ok and nobody.n_students == 0 and len(nobody.parts) == 2
    assert "at least one part" in analyse([[], []], []).error
    easy = analyse([[1, 0], [1, 1], [1, 2]], [1, 2]).parts[0]
    assert easy.facility.value == 1 and easy.point_biserial.value is None
    assert "same" in easy.point_biserial.reason


@pytest.mark.parametrize(("scores", "max_marks", "words"), [
    ([[1, 2]], [1], "2 marks for 1 parts"),
    ([[1, "2"]], [1, 2], "student 1, part 2"),
    ([[1, True]], [1, 2], "a mark must be a number"),
    ([[1, math.nan]], [1, 2], "use None"),
    ([[1, 3]], [1, 2], "outside 0 to 2"),
    ([[-1, 1]], [1, 2], "outside"),
    ([[1, math.inf]], [1, 2], "finite"),
    ([[1, 1]], [1, 0], "positive"),
    ("1,2", [1, 2], "list of rows"),
    ([[1, 1]], "12", "list of numbers"),
    ([[1, 10 ** 400]], [1, 2], "could not be read"),
])
def test_bad_input_is_a_one_line_error(scores: object, max_marks: object, words: str) -> None:
    result = analyse(scores, max_marks)
    assert not result.ok and words in result.error and "\n" not in result.error and result.parts == ()


def check_sound(result: ExamAnalysis) -> None:
    json.dumps(result.to_dict(), allow_nan=False)
    if not result.ok:
        assert result.error and "\n" not in result.error
        assert not result.error.startswith("could not analyse")  # the last-resort guard never fires
        return
    assert result.alpha.value is None or result.alpha.value <= 1
    for part in result.parts:
        assert part.facility.value is None or 0 <= part.facility.value <= 1
        for measure in (part.point_biserial, part.upper_lower):
            assert (measure.value is None) == bool(measure.reason)
            assert measure.value is None or -1 <= measure.value <= 1


marks = st.one_of(st.none(), st.integers(0, 3), st.fractions(0, 3, max_denominator=12),
                  st.floats(0, 3, allow_nan=False))
matrices = st.integers(1, 5).flatmap(lambda k: st.lists(st.lists(marks, min_size=k, max_size=k), max_size=30))


@given(matrices)
def test_any_valid_matrix_gives_sound_statistics(rows: list[list[object]]) -> None:
    k = len(rows[0]) if rows else 2
    result = analyse(rows, [3] * k)
    assert result.ok
    check_sound(result)


@given(matrices, st.randoms(use_true_random=False))
def test_the_order_of_students_does_not_matter(rows: list[list[object]], shuffler: object) -> None:
    k = len(rows[0]) if rows else 2
    shuffled = list(rows)
    shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = analyse(rows, [3] * k).to_dict(), analyse(shuffled, [3] * k).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) or _close(a, b)


@given(matrices)
def test_statistics_do_not_depend_on_the_scale_of_marks(rows: list[list[object]]) -> None:
    k = len(rows[0]) if rows else 2
    scaled = [[None if v is None else v * 5 for v in row] for row in rows]  # type: ignore[operator]
    a, b = analyse(rows, [3] * k), analyse(scaled, [15] * k)
    for p, q in zip(a.parts, b.parts, strict=True):
        for name in ("facility", "point_biserial", "upper_lower"):
            assert _close(getattr(p, name).value, getattr(q, name).value)
    assert _close(a.alpha.value, b.alpha.value)


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[key], b[key]) for key in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


junk = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3),
                              st.fractions()), lambda inner: st.lists(inner, max_size=4), max_leaves=20)


@given(junk, junk, junk)
def test_no_input_raises(scores: object, max_marks: object, part_ids: object) -> None:
    result = analyse(scores, max_marks, part_ids=part_ids if isinstance(part_ids, list) else None)  # type: ignore[arg-type]
    check_sound(result)
