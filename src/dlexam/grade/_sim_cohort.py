"""A simulated cohort as data: the answer rows to write, and the marks grading must give.

    cohort.rows                     # Row(student, question, part, answer, problem), in file order
    cohort.expected[cell]           # Expected(marks, out_of, status, how) for every part of every paper
    cohort.totals                   # student → expected total (bonus marks included)
    cohort.issues()                 # [(line, "duplicate"), …]: what the answers reader must report
    cohort.write_csv(path)          # the answers file; row i starts on cohort.lines()[i]

`with_problems` adds the rows a real export has trouble with (a duplicate, an unknown
student, question or part); each carries the issue kind grade/answers.py must report on
its line, and none changes a mark: a duplicate comes after the row it repeats, which is
the one kept.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

__all__ = ["Cell", "Cohort", "Expected", "Row"]

Cell = tuple[str, str, str]  # (student id, question key, part id)
HEADER = ("student", "question", "part", "answer")


@dataclass(frozen=True)
class Expected:
    """What grading must give one part: marks out of `out_of`, a status of score.STATUSES,
    and `how` the simulated student answered ("right, odd format", "mistake: …", "garbage")."""

    marks: Fraction
    out_of: Fraction
    status: str
    how: str


@dataclass(frozen=True)
class Row:
    """One row of the answers file; `problem` is the issue kind the reader reports for it
    ("" for none)."""

    student: str
    question: str
    part: str
    answer: str
    problem: str = ""


@dataclass
class Cohort:
    rows: list[Row] = field(default_factory=list)
    expected: dict[Cell, Expected] = field(default_factory=dict)
    abilities: dict[str, float] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, Fraction]:
        out = {sid: Fraction(0) for sid in self.abilities}
        for (sid, _, _), e in self.expected.items():
            out[sid] = out.get(sid, Fraction(0)) + e.marks
        return out

    def lines(self) -> list[int]:
        """The line each row starts on in the written CSV (the header is line 1)."""
        starts, line = [], 2
        for row in self.rows:
            starts.append(line)
            line += 1 + sum(value.count("\n") for value in (row.student, row.question, row.part, row.answer))
        return starts

    def issues(self) -> list[tuple[int, str]]:
        """(line, issue kind) of every row the answers reader must report, in file order."""
        return [(line, row.problem) for line, row in zip(self.lines(), self.rows, strict=True) if row.problem]

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows((r.student, r.question, r.part, r.answer) for r in self.rows)
        return path

    def write_expected(self, path: str | Path) -> Path:
        """The expected marks, one row per part: student, question, part, marks, out_of, status, how."""
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(("student", "question", "part", "marks", "out_of", "status", "how"))
            writer.writerows((*cell, str(e.marks), str(e.out_of), e.status, e.how)
                             for cell, e in self.expected.items())
        return path

    def with_problems(self, rng: random.Random, *, duplicates: int = 0, unknown_students: int = 0,
                      unknown_questions: int = 0, unknown_parts: int = 0) -> Cohort:
        """A copy with rows an export gets wrong added at random places: a later copy of a
        row (with another answer: a resubmission), a student id not on the roster, a
        question or part the student's paper does not have."""
        rows = list(self.rows)
        answered = [i for i, r in enumerate(rows) if not r.problem]
        students = {r.student.casefold() for r in rows} | {s.casefold() for s in self.abilities}
        for _ in range(duplicates if answered else 0):
            i = rng.choice(answered)
            again = replace(rows[i], answer=rng.choice(["0", "?", rows[i].answer + " (resubmitted)"]),
                            problem="duplicate")
            rows.insert(rng.randint(i + 1, len(rows)), again)
            answered = [j for j, r in enumerate(rows) if not r.problem]
        template = rows[rng.choice(answered)] if answered else Row("s1", "s1q1", "a", "1")
        stranger = _unknown(template.student, students)
        for _ in range(unknown_students):
            rows.insert(rng.randint(0, len(rows)), replace(template, student=stranger,
                                                           problem="unknown student"))
        for _ in range(unknown_questions):
            rows.insert(rng.randint(0, len(rows)), replace(template, question="Q99",
                                                           problem="unknown question"))
        for _ in range(unknown_parts):
            rows.insert(rng.randint(0, len(rows)), replace(template, part="zz", problem="unknown part"))
        return Cohort(rows, dict(self.expected), dict(self.abilities))


def _unknown(sid: str, taken: set[str]) -> str:
    """An id one keystroke away from a real one (a typo), on nobody's paper."""
    for digit in "9876543210":
        candidate = sid[:-1] + digit if sid else digit
        if candidate.casefold() not in taken:
            return candidate
    return sid + "x"
