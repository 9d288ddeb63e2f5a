"""Item analysis: which parts of an exam worked, from the marks students earned.

Input: a score matrix (students × parts; marks as int, float, Fraction or Decimal, None when
a part is unanswered or awaits a TA), the max marks per part and, optionally, the variant of
each drawn part every student had and the options each student chose on choice parts.

Output, as frozen JSON-able dataclasses (`ExamAnalysis.to_dict()`):
- per part: facility (mean mark / max marks, over the students with a mark for it),
  discrimination as the corrected point-biserial (Pearson r of the part with the total of
  the *other* parts) and as the upper–lower index (Kelley's top and bottom 27% by total;
  students tied at a group boundary share the places left, so no row order matters),
  distractor counts for choice parts and difficulty per variant with a flag on a variant
  that differs from the others (see `_analysis_variants` for the test, in time linear in the
  students, and for a question drawn afresh per student, whose variants are too small to test
  one by one; `rule.level` bounds the chance of a false flag anywhere in the exam, shared out
  over the parts where some variant can be tested);
- for the exam: Cronbach's α, the standard error of measurement and a summary of totals.

Missing marks: facility uses every student marked on that part; everything that compares
students (totals, discrimination, α, groups) uses the students marked on every part, and
`n_complete` says how many that is. With `unanswered_as_zero=True` a missing mark counts 0.
An undefined number is None with a reason; bad input gives `error`, never an exception.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from dlexam.grade._analysis_input import option_text, read_labels, read_max_marks, read_picks, read_scores
from dlexam.grade._analysis_numbers import (
    cronbach_alpha,
    group_weights,
    has_spread,
    item_rest_r,
    measurement_error,
    upper_lower_index,
)
from dlexam.grade._analysis_options import OptionStats, option_stats
from dlexam.grade._analysis_variants import VariantRule, VariantStats, can_test, compare_variants

__all__ = ["ExamAnalysis", "Measure", "OptionStats", "PartStats", "Responses", "ScoreSummary",
           "VariantRule", "VariantStats", "analyse"]

_NO_STUDENTS = "needs at least two students with every part marked"
_DEFAULT_RULE = VariantRule()


@dataclass(frozen=True)
class Measure:
    """A statistic that may be undefined: `value` is None and `reason` says why."""

    value: float | None
    reason: str = ""


@dataclass(frozen=True)
class Responses:
    """What students chose on one choice part: per student None, an option ('b', 'true') or
    a collection of options; optionally the options offered and the key (the right ones)."""

    picks: Sequence[object]
    options: Sequence[str] = ()
    key: Collection[str] = ()


@dataclass(frozen=True)
class PartStats:
    """One part: marks over the students marked on it (`n_scored`), discrimination over the
    students marked on every part; `options` for choice parts, `variants` for drawn ones."""

    id: str
    max_marks: float
    n_scored: int
    n_missing: int
    mean: float | None
    facility: Measure
    point_biserial: Measure  # corrected: against the total of the other parts
    upper_lower: Measure  # (upper-group mean − lower-group mean) / max marks
    options: tuple[OptionStats, ...] = ()
    omitted: int | None = None  # choice parts: students who chose no option
    variants: tuple[VariantStats, ...] = ()
    variant_test: str = ""


@dataclass(frozen=True)
class ScoreSummary:
    """Totals of the students marked on every part: sample sd, quartiles by linear
    interpolation, and counts in ten 10%-wide bins of the max total (the last holds 100%)."""

    n: int = 0
    max_total: float = 0.0
    mean: float | None = None
    mean_percent: float | None = None
    sd: float | None = None
    minimum: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: float | None = None
    histogram: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExamAnalysis:
    """The whole analysis; `to_dict()` gives plain JSON (no NaN, undefined numbers are None)."""

    error: str = ""  # non-empty when the input could not be analysed; nothing else is then set
    n_students: int = 0
    n_complete: int = 0  # students marked on every part
    n_parts: int = 0
    group_size: int = 0  # students (by weight) in each of the upper and lower groups
    scores: ScoreSummary = ScoreSummary()
    alpha: Measure = Measure(None, _NO_STUDENTS)
    sem: Measure = Measure(None, "needs Cronbach's α")
    parts: tuple[PartStats, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def analyse(scores: object, max_marks: object, *, part_ids: Sequence[str] | None = None,
            variants: Mapping[str, Sequence[object]] | None = None,
            choices: Mapping[str, Responses] | None = None, unanswered_as_zero: bool = False,
            rule: VariantRule = _DEFAULT_RULE) -> ExamAnalysis:
    """Item analysis of a score matrix; `variants` and `choices` are keyed by part id
    (`part_ids`, by default "1", "2", …). Never raises: bad input gives `error`."""
    try:
        return _analyse(scores, max_marks, part_ids, variants or {}, choices or {}, unanswered_as_zero, rule)
    except Exception as error:  # a last guard: the grader must never crash on its input
        message = " ".join(f"{type(error).__name__}: {error}".split())
        return ExamAnalysis(error=f"could not analyse the scores: {message}")


def _analyse(scores: object, max_marks: object, part_ids: Sequence[str] | None,
             variants: Mapping[str, Sequence[object]], choices: Mapping[str, Responses],
             unanswered_as_zero: bool, rule: VariantRule) -> ExamAnalysis:
    top = read_max_marks(max_marks)
    if isinstance(top, str):
        return ExamAnalysis(error=top)
    matrix = read_scores(scores, top)
    if isinstance(matrix, str):
        return ExamAnalysis(error=matrix)
    n, k = matrix.shape
    if isinstance(part_ids, str) or not isinstance(part_ids, Sequence | None):
        return ExamAnalysis(error=f"part ids must be a list of {k} strings, one per part")
    ids = [str(j + 1) for j in range(k)] if part_ids is None else list(part_ids)
    problem = _check_ids(ids, k, variants, choices) or _check_rule(rule)
    if problem:
        return ExamAnalysis(error=problem)
    labels = {part: read_labels(variants[part], n, part) for part in ids if part in variants}
    problem = next((text for text in labels.values() if isinstance(text, str)), "")
    if problem:
        return ExamAnalysis(error=problem)
    if unanswered_as_zero:
        matrix = np.nan_to_num(matrix, nan=0.0)
    index = {part: j for j, part in enumerate(ids)}
    tested = sum(1 for part, per_student in labels.items()
                 if isinstance(per_student, list) and can_test(matrix[:, index[part]], per_student, rule))
    rule = replace(rule, level=rule.level / max(1, tested))  # a false flag anywhere in the exam
    scored = ~np.isnan(matrix)
    complete = scored.all(axis=1)
    marked = matrix[complete]
    totals = marked.sum(axis=1)
    point_biserial, upper_lower = item_rest_r(marked), upper_lower_index(marked, top)
    upper, lower, group = np.zeros(n), np.zeros(n), 0
    if totals.size >= 2 and has_spread(totals):
        upper[complete], lower[complete], group = group_weights(totals)
    parts = []
    for j, part in enumerate(ids):
        column = matrix[:, j]
        count = int(scored[:, j].sum())
        mean = float(column[scored[:, j]].mean()) if count else None
        facility = (Measure(mean / float(top[j])) if mean is not None
                    else Measure(None, "no student has a mark for this part yet"))
        extra: dict[str, Any] = {}
        per_student = labels.get(part)
        if isinstance(per_student, list):
            extra["variants"], extra["variant_test"] = compare_variants(column / top[j], per_student, rule)
        if part in choices:
            picked = _read_responses(choices[part], n, part)
            if isinstance(picked, str):
                return ExamAnalysis(error=picked)
            picks, offered, key = picked
            extra["options"], extra["omitted"] = option_stats(picks, offered, key, upper, lower, group)
        parts.append(PartStats(part, float(top[j]), count, n - count, mean, facility,
                               Measure(*point_biserial[j]), Measure(*upper_lower[j]), **extra))
    alpha = cronbach_alpha(marked)
    return ExamAnalysis("", n, int(complete.sum()), k, group, _summary(totals, float(top.sum())),
                        Measure(*alpha), Measure(*measurement_error(totals, alpha[0])), tuple(parts))


def _check_ids(ids: list[str], k: int, variants: Mapping[str, object], choices: Mapping[str, object]) -> str:
    if len(ids) != k or not all(isinstance(part, str) for part in ids):
        return f"part ids must be {k} strings, one per part"
    if len(set(ids)) != k:
        return f"part ids must be distinct; {sorted({p for p in ids if ids.count(p) > 1})[0]!r} repeats"
    for what, given in (("variants", variants), ("choices", choices)):
        if not isinstance(given, Mapping):
            return f"{what} must map part ids to their per-student data"
        unknown = [part for part in given if part not in ids]
        if unknown:
            return f"{what} given for unknown part {unknown[0]!r}; the parts are {', '.join(ids)}"
    return ""


def _check_rule(rule: object) -> str:
    if not isinstance(rule, VariantRule):
        return "rule must be a VariantRule"
    if not (isinstance(rule.level, float | int) and 0 < rule.level <= 1
            and isinstance(rule.min_students, int) and rule.min_students >= 2
            and isinstance(rule.min_difference, float | int) and 0 <= rule.min_difference <= 1
            and isinstance(rule.max_listed, int) and rule.max_listed >= 0):
        return "rule needs 0 < level ≤ 1, min_students ≥ 2, 0 ≤ min_difference ≤ 1 and max_listed ≥ 0"
    return ""


def _read_responses(responses: object, n: int,
                    part: str) -> tuple[list[frozenset[str] | None], list[str], frozenset[str]] | str:
    if not isinstance(responses, Responses):
        return f"choices of part {part!r} must be Responses(picks, options, key)"
    picks = read_picks(responses.picks, n, part)
    if isinstance(picks, str):
        return picks
    offered, key = responses.options, read_picks([responses.key], 1, part)
    if (isinstance(offered, str) or not isinstance(offered, Sequence)
            or not all(isinstance(option, str | bool) for option in offered) or isinstance(key, str)):
        return f"options and key of part {part!r} must be lists of options such as ['a', 'b']"
    return picks, [option_text(option) for option in offered], key[0] or frozenset()


def _summary(totals: np.ndarray, max_total: float) -> ScoreSummary:
    n = totals.size
    if n == 0:
        return ScoreSummary(0, max_total)
    q1, median, q3 = (float(q) for q in np.quantile(totals, [0.25, 0.5, 0.75]))
    percent = np.round(totals / max_total * 100, 9)
    histogram = np.bincount(np.minimum(percent // 10, 9).astype(int), minlength=10)
    mean = float(totals.mean())
    sd = float(totals.std(ddof=1)) if n > 1 else None
    return ScoreSummary(n, max_total, mean, 100 * mean / max_total, sd, float(totals.min()), q1, median, q3,
                        float(totals.max()),
                        tuple(int(c) for c in histogram))
