"""What grading an exam produces, as plain data every output is written from.

    grading = grade_exam(...).grading
    for student in grading.students:
        student.total, student.max, student.percent
        for part in student.parts:       # every part of the student's own paper, in paper order
            part.question, part.part, part.answer, part.marks, part.status, part.feedback

`grades.csv`, the grade-book CSVs, `parts.csv`, the audit log, the feedback pages and the
item-analysis report are all views of a `Grading`; none of them scores anything again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..model import Paper, Question

__all__ = ["Grading", "PartResult", "StudentResult", "variant_label"]


def variant_label(question: Question) -> str:
    """A short, stable name for the variant of a question a student had: the concept item's
    id, else 8 hex digits of the hash of the params (the same params, the same label)."""
    params = question.params
    if question.topic == "bank" and isinstance(params, dict) and isinstance(params.get("item"), str):
        return params["item"]
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class PartResult:
    """One part of one student's paper, marked.

    `key` is the part's key as JSON (after any correction in the grading rules), `rule` says
    in words how it was compared ("exact", "relative 1%", "per_option", "design check",
    "rubric"), `ta_points` the points a TA gave per rubric criterion (None when no TA mark),
    `carried_from` the earlier part ids a follow-through credit came from (empty when the
    part was marked against its own key). These are what the audit log compares.
    `variant` names the question variant the student had (`variant_label`) and `options` are a
    choice part's option texts in the order this student saw them: what the item analysis
    needs, so it never has to read the papers again."""

    question: str  # entry key, the same for every student ("s1q3")
    number: str  # the question's number on this student's paper
    part: str  # part id
    kind: str
    answer: str  # as the student wrote it ("" when there was no row)
    marks: Fraction
    out_of: Fraction
    status: str  # one of score.STATUSES
    feedback: str  # one line a student can read
    key: Any = None
    rule: str = ""
    ta_points: tuple[Fraction, ...] | None = None
    carried_from: tuple[str, ...] = ()
    bonus: bool = False
    variant: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudentResult:
    student_id: str
    name: str
    parts: tuple[PartResult, ...]
    total: Fraction  # bonus marks included
    max: Fraction  # the exam's total marks (bonus questions not counted)

    @property
    def percent(self) -> Fraction:
        return 100 * self.total / self.max if self.max else Fraction(0)

    def question_marks(self) -> dict[str, Fraction]:
        """Marks per question key, in paper order."""
        marks: dict[str, Fraction] = {}
        for p in self.parts:
            marks[p.question] = marks.get(p.question, Fraction(0)) + p.marks
        return marks


@dataclass(frozen=True)
class Grading:
    """Every student's marked paper; `papers` (by student id) hold the prompts, keys and worked
    solutions of each student's own variant, for feedback. `titles` (question key → title)
    and `variant_params` (question key → variant label → params) describe the questions for
    the item analysis."""

    exam_id: str
    title: str
    question_keys: tuple[str, ...]  # in spec order (section by section), the grade book's columns
    students: tuple[StudentResult, ...]
    papers: Mapping[str, Paper] = field(default_factory=dict, repr=False)  # grade_exam: read on use
    titles: dict[str, str] = field(default_factory=dict)
    variant_params: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
