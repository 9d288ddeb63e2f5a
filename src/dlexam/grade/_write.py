"""The tables `dlexam grade` writes, every one a view of a `Grading` (nothing is scored here).

    files, problems = write_outputs(Path("grades"), grading, sheet=sheet, ta=ta, not_graded=[])
    text = parts_text(students)    # parts.csv rows of some students: a worker process formats its own

    grades.csv          student, name, one column per question key (spec order), total, max, percent
    grades-moodle.csv   Moodle's grade import: ID number, Full name, Email address, questions, total
    grades-canvas.csv   Canvas's gradebook import: identity columns, a Points Possible row, the
                        questions titled "<exam title>: <key>", the total titled "<exam title>"
    parts.csv           one row per part of each student's paper: marks (rounded and exact), status,
                        feedback, the answer as written, the key, the rule, TA points
    awaiting-ta.csv     the short answers still without a TA score, laid out as a TA scores file
    report.txt          who was not graded and why, every refused row with its line, the answers
                        awaiting a TA, the TA scores given to blank answers, grade-book problems

Students who were not graded appear in none of the tables but report.txt. A cell a student
typed (answer, feedback, comment) that a spreadsheet would run as a formula is written with a
leading apostrophe (see docs/grading.md).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from .answers import AnswerSheet
from .gradebook import TOTAL, GradebookRow, canvas_csv, format_mark, gradebook_problems, moodle_csv
from .results import Grading, PartResult, StudentResult
from .rubric import TaSheet

__all__ = ["FILES", "PARTS_COLUMNS", "parts_text", "write_outputs"]

Cell = tuple[str, str, str]  # (student id, question key, part id)

FILES = ("grades.csv", "grades-moodle.csv", "grades-canvas.csv", "parts.csv", "awaiting-ta.csv", "report.txt")
PARTS_COLUMNS = ("student", "question", "number", "part", "marks", "out_of", "status", "feedback",
                 "exact_marks", "kind", "answer", "key", "rule", "ta_points", "carried_from", "bonus")
_ZERO = Fraction(0)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def write_outputs(out: Path, grading: Grading, *, sheet: AnswerSheet, ta: TaSheet | None,
                  not_graded: Sequence[tuple[str, str]], rubrics: Mapping[Cell, Sequence[int]] | None = None,
                  parts: str | None = None) -> tuple[list[Path], list[str]]:
    """Write every table into `out` (created if need be); the files written and the grade-book problems.
    `rubrics` (each short answer's criterion points, by cell) and `parts` (`parts_text` of the
    students) are what worker processes found and formatted already; without them the rubrics
    come from `grading.papers` and parts.csv is formatted here."""
    _folder(out)
    keys = list(grading.question_keys)
    marks, possible = _tally(grading.students)
    rows = [GradebookRow(s.student_id, s.name, m, s.total, s.max)
            for s, m in zip(grading.students, marks, strict=True)]
    grades = [[r.student_id, r.name, *(_mark(r.marks.get(k, _ZERO)) for k in keys),
               _mark(s.total), _mark(s.max), f"{float(s.percent):.1f}"]
              for r, s in zip(rows, grading.students, strict=True)]
    title = grading.title or grading.exam_id or "exam"
    columns: list[str | tuple[str, str]] = [*keys, TOTAL]
    canvas_columns: list[str | tuple[str, str]] = [*((k, f"{title}: {k}") for k in keys), (TOTAL, title)]
    texts = {
        "grades.csv": _csv(["student", "name", *keys, "total", "max", "percent"], grades),
        "grades-moodle.csv": moodle_csv(rows, columns=columns),
        "grades-canvas.csv": canvas_csv(rows, columns=canvas_columns, points_possible=possible),
        "parts.csv": _csv(list(PARTS_COLUMNS), []) + (parts_text(grading.students) if parts is None
                                                      else parts),
        "awaiting-ta.csv": _awaiting(grading, rubrics),
    }
    problems = gradebook_problems(rows, columns=canvas_columns)
    files = [out / name for name in FILES]
    texts["report.txt"] = _report(grading, sheet, ta, not_graded, problems, files)
    for path in files:
        path.write_text(texts[path.name], encoding="utf-8", newline="")
    return files, problems


def _folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DlexamError(f"--out {out}: cannot make the folder ({e.strerror or type(e).__name__}); "
                          "give a folder you can write to") from None


def _tally(students: Sequence[StudentResult]) -> tuple[list[dict[str, Fraction]], dict[str, Fraction]]:
    """Each student's `question_marks()`, and the points possible per question key (the most any
    paper gives it: its parts' marks added up) and in all (bonus not counted). Whole marks, nearly
    all of 250,000, are added as ints: Fraction arithmetic is what would cost here."""
    marks: list[dict[str, Fraction]] = []
    most: dict[str, Fraction] = {}
    for student in students:
        got: dict[str, int | Fraction] = {}
        out_of: dict[str, int | Fraction] = {}
        for p in student.parts:
            m, o, q = p.marks, p.out_of, p.question
            got[q] = got.get(q, 0) + (m.numerator if m.denominator == 1 else m)
            out_of[q] = out_of.get(q, 0) + (o.numerator if o.denominator == 1 else o)
        marks.append({q: _fraction(v) for q, v in got.items()})
        for q, v in out_of.items():
            if q not in most or v > most[q]:
                most[q] = _fraction(v)
    most[TOTAL] = max((s.max for s in students), default=Fraction(0))
    return marks, most


_WHOLE = [Fraction(i) for i in range(256)]


def _fraction(value: int | Fraction) -> Fraction:
    if isinstance(value, Fraction):
        return value
    return _WHOLE[value] if 0 <= value < len(_WHOLE) else Fraction(value)


def parts_text(students: Iterable[StudentResult]) -> str:
    """The rows of parts.csv (no header) for `students`: a worker process formats its own."""
    return _csv(None, [_part_row(s.student_id, p) for s in students for p in s.parts])


def _part_row(student: str, p: PartResult) -> list[str]:
    exact = str(p.marks)
    ta = ";".join(_mark(x) for x in p.ta_points) if p.ta_points is not None else ""
    return [student, p.question, p.number, p.part, _mark(p.marks), _mark(p.out_of), p.status,
            _safe(p.feedback), exact, p.kind, _safe(p.answer), _json(p.key), p.rule, ta,
            " ".join(p.carried_from), "yes" if p.bonus else ""]


def _awaiting(grading: Grading, known: Mapping[Cell, Sequence[int]] | None) -> str:
    """The TA scores template: one row per short answer still awaiting a TA."""
    waiting = [(s.student_id, p) for s in grading.students for p in s.parts
               if p.kind == "text" and p.status == "awaiting_ta"]
    rubrics = [_rubric(grading, sid, p) if known is None else list(known.get((sid, p.question, p.part), ()))
               for sid, p in waiting]
    width = max(map(len, rubrics), default=0)
    header = ["student", "question", "number", "part", "answer", "out_of", "points",
              *(f"c{i}" for i in range(1, width + 1)), "marker", "comment"]
    rows = [[sid, p.question, p.number, p.part, _safe(p.answer), _mark(Fraction(sum(r)) if r else p.out_of),
             *([""] * (width + 3))] for (sid, p), r in zip(waiting, rubrics, strict=True)]
    return _csv(header, rows)


def _rubric(grading: Grading, student: str, p: PartResult) -> list[int]:
    paper = grading.papers.get(student)
    for entry in paper.entries if paper is not None else ():
        if entry.key == p.question:
            return [c.points for part in entry.question.parts if part.id == p.part for c in part.rubric]
    return []


def _report(grading: Grading, sheet: AnswerSheet, ta: TaSheet | None, not_graded: Sequence[tuple[str, str]],
            problems: Sequence[str], files: Sequence[Path]) -> str:
    lines = [f"exam: {grading.exam_id} ({grading.title})",
             f"graded {len(grading.students)} students; not graded: {len(not_graded)}"]
    lines += [f"not graded: {sid}: {why}" for sid, why in not_graded]
    lines += ["", f"answers file: {sheet.path}",
              f"rows read {sheet.rows_read} = used {sheet.rows_used} + refused {sheet.rows_refused}"]
    lines += [f"warning: {w}" for w in sheet.warnings] + [str(issue) for issue in sheet.issues]
    if ta is not None:
        lines += ["", f"TA scores file: {ta.path}",
                  f"rows read {ta.rows_read} = used {ta.rows_used} + refused {ta.rows_refused}"]
        lines += [f"warning: {w}" for w in ta.warnings] + [str(issue) for issue in ta.issues]
        graded = {s.student_id for s in grading.students}
        lines += [f"warning: line {score.line}: {'/'.join(cell)}: the student was not graded, so this "
                  "score is not used" for cell, score in ta.scores.items() if cell[0] not in graded]
    blank = [(s.student_id, p) for s in grading.students for p in s.parts
             if p.ta_points is not None and not p.answer.strip()]
    lines += [f"warning: {sid} {p.question} (question {p.number}) part {p.part}: a TA score for a blank "
              "answer is used (marked from paper?)" for sid, p in blank]
    awaiting = [(s.student_id, p) for s in grading.students for p in s.parts if p.status == "awaiting_ta"]
    lines += ["", f"awaiting a TA ({len(awaiting)}):"]
    lines += [f"  {sid} {p.question} (question {p.number}) part {p.part}" for sid, p in awaiting]
    lines += ["", f"grade-book problems ({len(problems)}):"] + [f"  {p}" for p in problems]
    lines += ["", "files written:"] + [f"  {f}" for f in files]
    return "\n".join(lines) + "\n"


def _mark(x: Fraction) -> str:
    """`format_mark`, with whole marks (most of them) written without Fraction arithmetic."""
    return str(x.numerator) if x.denominator == 1 else format_mark(x)


def _safe(text: str) -> str:
    """Text a student typed, kept from being run as a spreadsheet formula (a number stays as it is)."""
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return _ENCODER.encode(value)
    except (TypeError, ValueError):
        return str(value)


def _csv(header: list[str] | None, rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
