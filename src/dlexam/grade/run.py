"""`grade_exam`: a built exam's answers in, marks out — every row accounted for.

    result = grade_exam("build/midterm", answers="answers.csv", out="grades")

Reads the build's `manifest.json` and each student's paper (`variants/<id>.json`, checked
against the manifest's sha256), the answers file (`answers.read_answers`), and scores every
part of every paper (`score.score` with the section's multiple-choice policy, the question's
calculator flag, design parts run by their topic). A part with no row scores 0 as "blank".
Writes, replacing what `out` held from an earlier run:

    out/grades.csv    student, name, one column per question (marks), total, max, percent
    out/parts.csv     student, question, number, part, marks, out of, status, feedback
    out/report.txt    the answers file's row issues with their lines, answers awaiting a TA
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Paper
from .answers import AnswerSheet, read_answers
from .score import Score, score

__all__ = ["GradeResult", "grade_exam"]


@dataclass(frozen=True)
class GradeResult:
    out: Path
    students: int
    sheet: AnswerSheet
    awaiting_ta: int


def grade_exam(built: str | Path, *, answers: str | Path, out: str | Path) -> GradeResult:
    built, out = Path(built), Path(out)
    manifest = _manifest(built)
    sheet = read_answers(answers, manifest)
    papers = [_paper(built, s) for s in manifest["students"]]
    keys = [e.key for e in papers[0].entries] if papers else []
    rows, parts, awaiting = [], [], []
    for paper in papers:
        marks: dict[str, Fraction] = {}
        for section in paper.sections:
            for entry in section.entries:
                q = entry.question
                for part in q.parts:
                    answer = sheet.answers.get((paper.student_id, entry.key, part.id))
                    s: Score = score(part, answer.text if answer else "", policy=section.policy,
                                     topic=q.topic if part.kind == "design" else None, params=q.params,
                                     calculator=q.calculator)
                    marks[entry.key] = marks.get(entry.key, Fraction(0)) + s.marks
                    parts.append([paper.student_id, entry.key, entry.number, part.id, _num(s.marks),
                                  part.marks, s.status, s.feedback])
                    if s.status == "awaiting_ta":
                        awaiting.append(f"{paper.student_id} {entry.key} (question {entry.number}) "
                                        f"part {part.id}")
        total = sum(marks.values(), Fraction(0))
        percent = 100 * total / paper.marks if paper.marks else Fraction(0)
        per_question = [_num(marks.get(k, Fraction(0))) for k in keys]
        rows.append([paper.student_id, paper.student_name, *per_question, _num(total), paper.marks,
                     f"{float(percent):.1f}"])
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "grades.csv", ["student", "name", *keys, "total", "max", "percent"], rows)
    _write_csv(out / "parts.csv", ["student", "question", "number", "part", "marks", "out_of", "status",
                                   "feedback"], parts)
    (out / "report.txt").write_text(_report(sheet, awaiting), encoding="utf-8")
    return GradeResult(out, len(papers), sheet, len(awaiting))


def _manifest(built: Path) -> dict[str, Any]:
    path = built / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DlexamError(f"{built} has no manifest.json; give the folder `dlexam build` wrote") from None
    except (OSError, ValueError) as e:
        raise DlexamError(f"{path}: cannot be read ({e}); rebuild with `dlexam build`") from None
    return manifest


def _paper(built: Path, student: dict[str, Any]) -> Paper:
    """The student's whole paper, refused if the file differs from the one the build wrote."""
    entry = student["files"]["variant"]
    path = built / entry["path"]
    try:
        data = path.read_bytes()
    except OSError:
        raise DlexamError(f"{path} is missing; rebuild the exam with `dlexam build`") from None
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise DlexamError(f"{path} changed since the build (sha256 differs); rebuild rather than edit it")
    return Paper.from_dict(json.loads(data))


def _num(x: Fraction) -> str:
    """Marks as written in a grade book: 3, 2.5, 0.333 (to three places when they repeat)."""
    if x.denominator == 1:
        return str(x.numerator)
    return f"{float(x):.3f}".rstrip("0")


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _report(sheet: AnswerSheet, awaiting: list[str]) -> str:
    lines = [f"answers file: {sheet.path}",
             f"rows read {sheet.rows_read} = used {sheet.rows_used} + refused {sheet.rows_refused}"]
    lines += [f"warning: {w}" for w in sheet.warnings]
    lines += [str(issue) for issue in sheet.issues]
    lines.append(f"awaiting a TA ({len(awaiting)}):")
    lines += [f"  {a}" for a in awaiting]
    return "\n".join(lines) + "\n"
