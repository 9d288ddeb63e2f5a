"""The tables `dlexam grade` writes, every one a view of a `Grading` (nothing is scored here).

    files, problems = write_outputs(Path("grades"), grading, sheet=sheet, ta=ta, not_graded=[])

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
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from .answers import AnswerSheet
from .gradebook import TOTAL, GradebookRow, canvas_csv, format_mark, gradebook_problems, moodle_csv
from .results import Grading, PartResult
from .rubric import TaSheet

__all__ = ["FILES", "PARTS_COLUMNS", "write_outputs"]

FILES = ("grades.csv", "grades-moodle.csv", "grades-canvas.csv", "parts.csv", "awaiting-ta.csv", "report.txt")
PARTS_COLUMNS = ("student", "question", "number", "part", "marks", "out_of", "status", "feedback",
                 "exact_marks", "kind", "answer", "key", "rule", "ta_points", "carried_from", "bonus")
_ZERO = Fraction(0)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def write_outputs(out: Path, grading: Grading, *, sheet: AnswerSheet, ta: TaSheet | None,
                  not_graded: Sequence[tuple[str, str]]) -> tuple[list[Path], list[str]]:
    """Write every table into `out` (created if need be); the files written and the grade-book problems."""
    _folder(out)
    keys = list(grading.question_keys)
    rows = [GradebookRow(s.student_id, s.name, s.question_marks(), s.total, s.max) for s in grading.students]
    grades = [[r.student_id, r.name, *(_mark(r.marks.get(k, _ZERO)) for k in keys),
               _mark(s.total), _mark(s.max), f"{float(s.percent):.1f}"]
              for r, s in zip(rows, grading.students, strict=True)]
    title = grading.title or grading.exam_id or "exam"
    columns: list[str | tuple[str, str]] = [*keys, TOTAL]
    canvas_columns: list[str | tuple[str, str]] = [*((k, f"{title}: {k}") for k in keys), (TOTAL, title)]
    texts = {
        "grades.csv": _csv(["student", "name", *keys, "total", "max", "percent"], grades),
        "grades-moodle.csv": moodle_csv(rows, columns=columns),
        "grades-canvas.csv": canvas_csv(rows, columns=canvas_columns, points_possible=_possible(grading)),
        "parts.csv": _csv(list(PARTS_COLUMNS), [_part_row(s.student_id, p)
                                                for s in grading.students for p in s.parts]),
        "awaiting-ta.csv": _awaiting(grading),
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


def _possible(grading: Grading) -> dict[str, Fraction]:
    """Points possible per question key (the most any paper gives it) and in all (bonus not counted)."""
    most: dict[str, Fraction] = {}
    for paper in grading.papers.values():
        for entry in paper.entries:
            most[entry.key] = max(most.get(entry.key, Fraction(0)), Fraction(entry.marks))
    most[TOTAL] = max((s.max for s in grading.students), default=Fraction(0))
    return most


def _part_row(student: str, p: PartResult) -> list[str]:
    exact = str(p.marks)
    ta = ";".join(_mark(x) for x in p.ta_points) if p.ta_points is not None else ""
    return [student, p.question, p.number, p.part, _mark(p.marks), _mark(p.out_of), p.status,
            _safe(p.feedback), exact, p.kind, _safe(p.answer), _json(p.key), p.rule, ta,
            " ".join(p.carried_from), "yes" if p.bonus else ""]


def _awaiting(grading: Grading) -> str:
    """The TA scores template: one row per short answer still awaiting a TA."""
    waiting = [(s.student_id, p) for s in grading.students for p in s.parts
               if p.kind == "text" and p.status == "awaiting_ta"]
    rubrics = [_rubric(grading, sid, p) for sid, p in waiting]
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


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
