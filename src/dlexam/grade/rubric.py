"""TA rubric scores for short answers: the file TAs fill in, read and checked, then turned into marks.

    ta = read_ta_scores("ta.csv", manifest, rubrics=rubrics_of(papers))
    ta.scores[("s001", "s2q4", "answer")]   # TaScore(points=2, criteria=(1, 1, 0), line=5, marker="AB", …)
    ta.issues                               # RowIssue(line, kind, message), in file order
    mark_text(part, ta.scores[cell])        # Score(marks, "partial", "2/3: names the … (1/1); …")

Format. CSV or JSON lines, read like the answers file (`answers.py`: encodings, delimiters,
quoting, question numbers or keys, part letters or ids). One row per student × short-answer
part: `student`, `question`, `part`, then either `points` (the rubric points in all) or one
column per rubric criterion, `c1`, `c2`, … (points each, in the rubric's order; a criterion not
met is 0, not empty), or both (they must agree); optional `marker` (who marked) and `comment`
(shown to the student). `number`, `answer`, `out_of` and `rubric` are skipped quietly, so the
`awaiting-ta.csv` that `dlexam grade` writes can be filled in and given back as it is.

Every non-blank row is used or refused with a `RowIssue` naming its line: "unknown student",
"unknown question", "unknown part", "duplicate" (the first used row is kept), "malformed row",
"not a text part", "not marked" (no points at all: the part stays awaiting a TA), "not a
number", "negative", "above the maximum" (of a criterion or of the rubric), "criteria count"
(not one value per criterion), "points and criteria disagree". `rows_read == rows_used +
rows_refused`, always. Rubric points become marks in proportion: 2 of a 3-point rubric on a
1-mark part is 2/3 of a mark.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Criterion, Paper, Part
from ._rows import Cell, Columns, Index, RowIssue, Sheet, read_table, show
from .gradebook import format_mark
from .score import Score, _one_line

__all__ = ["TA_ISSUE_KINDS", "TaScore", "TaScoresError", "TaSheet", "mark_text", "read_ta_scores",
           "rubric_max", "rubrics_of"]

TA_ISSUE_KINDS = frozenset({
    "unknown student", "unknown question", "unknown part", "duplicate", "malformed row", "not a text part",
    "not marked", "not a number", "negative", "above the maximum", "criteria count",
    "points and criteria disagree"})
_CRITERION = re.compile(r"c([1-9][0-9]{0,2})")
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,9}(?:[.,][0-9]{0,9})?|[.,][0-9]{1,9}|[0-9]{1,9}/[0-9]{1,9})")
_TEXT_LIMIT = 60  # characters of a criterion shown in feedback
Rubrics = Mapping[Cell, Sequence[Criterion]]


def _has_points(names: Sequence[str]) -> str | None:
    if "points" in names or any(_CRITERION.fullmatch(n) for n in names):
        return None
    return "the header has neither a 'points' column nor criterion columns c1, c2, …; add one of them"


_TABLE = Columns(("student", "question", "part"), noun="score", optional=("points", "marker", "comment"),
                 extra=_CRITERION, extra_label="c1, c2, …", ignored=("number", "answer", "out_of", "rubric"),
                 check=_has_points)


class TaScoresError(DlexamError, ValueError):
    """A TA scores file that cannot be read at all; one line naming the file, the line and the fix."""


@dataclass(frozen=True)
class TaScore:
    """A TA's marking of one short answer: rubric `points` in all, and per criterion when given."""

    points: Fraction
    criteria: tuple[Fraction, ...] | None
    line: int
    marker: str = ""
    comment: str = ""


@dataclass
class TaSheet(Sheet):
    scores: dict[Cell, TaScore] = field(default_factory=dict)

    @property
    def rows_used(self) -> int:
        return len(self.scores)


def rubrics_of(papers: Sequence[Paper]) -> dict[Cell, tuple[Criterion, ...]]:
    """The rubric of every short-answer part of the papers, by (student, question, part)."""
    return {(paper.student_id, entry.key, part.id): part.rubric
            for paper in papers for entry in paper.entries for part in entry.question.parts
            if part.kind == "text"}


def rubric_max(rubric: Sequence[Criterion], marks: Any) -> Fraction:
    """The points a TA can give: the rubric's total, or the part's marks when it has no rubric."""
    return Fraction(sum(c.points for c in rubric)) if rubric else Fraction(marks)


def read_ta_scores(path: str | Path, manifest: dict[str, Any], *,
                   rubrics: Rubrics | None = None,
                   format: str | None = None, index: Index | None = None) -> TaSheet:
    """Every row of the TA scores file at `path`, checked against the exam's `manifest` (or its
    `Index`) and, when given, the `rubrics` of the students' own parts (`rubrics_of(papers)`, or
    any mapping: only the cells of the file's rows are looked up; without them only the total is
    checked, against the part's marks)."""
    name = str(path)
    index = Index(manifest, name, TaScoresError) if index is None else index
    sheet = TaSheet(name)
    rows = read_table(path, _TABLE, error=TaScoresError, what="TA scores file", warnings=sheet.warnings,
                      format=format)
    for line, row in rows:
        sheet.rows_read += 1
        found = _score(line, row, index, rubrics, sheet.scores)
        if isinstance(found, RowIssue):
            sheet.issues.append(found)
        else:
            sheet.scores[found[0]] = found[1]
    assert sheet.rows_read == sheet.rows_used + sheet.rows_refused, "the counts in must equal the counts out"
    return sheet


def _score(line: int, row: dict[str, str] | str, index: Index, rubrics: Rubrics | None,
           used: Mapping[Cell, TaScore]) -> tuple[Cell, TaScore] | RowIssue:
    """The cell a row marks and its score, or why the row is refused."""
    if isinstance(row, str):
        return RowIssue(line, "malformed row", row)
    cell = index.resolve(row["student"], row["question"], row["part"])
    if len(cell) == 2:
        return RowIssue(line, *cell)
    where = "/".join(cell)
    part = index.cells[cell]
    if part.get("kind") != "text":
        return RowIssue(line, "not a text part", f"{where} is a {part.get('kind')} part, marked "
                        "automatically; TA scores are for short answers")
    if cell in used:
        return RowIssue(line, "duplicate", f"{where} was marked on line {used[cell].line}; that row is kept")
    values = _values(row)
    if isinstance(values, RowIssue):
        return RowIssue(line, values.kind, f"{where}: {values.message}")
    points, criteria = values
    if points is None and criteria is None:
        return RowIssue(line, "not marked", f"{where} has no points and no criteria; it stays awaiting a TA")
    rubric = None if rubrics is None else tuple(rubrics.get(cell, ()))
    problem = _check(points, criteria, rubric, part.get("marks", 0))
    if problem is not None:
        return RowIssue(line, problem[0], f"{where}: {problem[1]}")
    total = sum(criteria, Fraction(0)) if criteria is not None else points
    assert total is not None
    marker, comment = (" ".join(row.get(c, "").split()) for c in ("marker", "comment"))
    return cell, TaScore(total, criteria, line, marker, comment)


def _values(row: dict[str, str]) -> tuple[Fraction | None, tuple[Fraction, ...] | None] | RowIssue:
    """The row's points and criteria as numbers (None when not given)."""
    points = _number("points", row.get("points", ""))
    if isinstance(points, RowIssue):
        return points
    given = {int(m.group(1)): v for k, v in row.items() if (m := _CRITERION.fullmatch(k)) and v.strip()}
    if not given:
        return points, None
    criteria: list[Fraction] = []
    for n in range(1, max(given) + 1):
        if n not in given:
            return RowIssue(0, "not a number", f"c{n} is empty; give 0 for a criterion not met")
        value = _number(f"c{n}", given[n])
        if isinstance(value, RowIssue):
            return value
        assert value is not None
        criteria.append(value)
    return points, tuple(criteria)


def _number(column: str, text: str) -> Fraction | RowIssue | None:
    text = text.strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        return RowIssue(0, "not a number", f"{column} is {show(text)}; write points like 2, 1.5 or 1/2")
    try:
        value = Fraction(text.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return RowIssue(0, "not a number", f"{column} is {show(text)}; write points like 2, 1.5 or 1/2")
    if value < 0:
        return RowIssue(0, "negative", f"{column} is {show(text)}; points are 0 or more")
    return value


def _check(points: Fraction | None, criteria: tuple[Fraction, ...] | None,
           rubric: tuple[Criterion, ...] | None, marks: Any) -> tuple[str, str] | None:
    """(issue kind, message) when the numbers do not fit the rubric, else None."""
    if criteria is not None and rubric is not None:
        if len(criteria) != len(rubric):
            wanted = (f"its rubric has {len(rubric)} (c1 … c{len(rubric)})" if rubric else
                      "it has no rubric; give points")
            return "criteria count", f"{len(criteria)} criteria given, but {wanted}"
        for i, (value, criterion) in enumerate(zip(criteria, rubric, strict=True), 1):
            if value > criterion.points:
                return "above the maximum", (f"c{i} is {format_mark(value)}, but the criterion "
                                             f"{show(criterion.text)} is worth {criterion.points}")
    if points is not None and criteria is not None and points != sum(criteria):
        return "points and criteria disagree", (f"points {format_mark(points)} but the criteria add up to "
                                                f"{format_mark(sum(criteria))}; fix one of them")
    total = points if points is not None else sum(criteria or (), Fraction(0))
    most = Fraction(marks) if rubric is None else rubric_max(rubric, marks)  # no rubric known: the marks
    if total > most:
        return "above the maximum", (f"{format_mark(total)} points, but at most {format_mark(most)} "
                                     "can be given")
    return None


def mark_text(part: Part, ta: TaScore, rubric: Sequence[Criterion] | None = None) -> Score:
    """What a TA's score earns on a short-answer part: the rubric points in proportion to the part's
    marks, a status by points against the rubric's total, and feedback listing each criterion."""
    rubric = part.rubric if rubric is None else tuple(rubric)
    most = rubric_max(rubric, part.marks)
    full = Fraction(max(part.marks, 0))
    marks = min(full, full * ta.points / most) if most > 0 else Fraction(0)
    status = "right" if ta.points >= most else "partial" if ta.points > 0 else "wrong"
    said = f"{format_mark(ta.points)}/{format_mark(most)}"
    if ta.criteria is not None and len(ta.criteria) == len(rubric):
        said += ": " + "; ".join(f"{_cut(c.text)} ({format_mark(v)}/{c.points})"
                                 for c, v in zip(rubric, ta.criteria, strict=True))
    else:
        said += " rubric points"
    if ta.comment:
        said += f"; TA: {_cut(ta.comment, 120)}"
    return Score(marks, status, _one_line(said))


def _cut(text: str, limit: int = _TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
