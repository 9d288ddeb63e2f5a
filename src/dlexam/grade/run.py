"""`grade_exam`: a built exam's answers (and TA rubric scores) in, a `Grading` and its tables out.

    result = grade_exam("build/midterm", answers="answers.csv", out="grades", scores="ta.csv")
    result.grading.students[0].total        # every output is a view of result.grading
    result.not_graded                       # (student, reason): a paper missing or changed since the build

    grading = mark(papers, sheet, ta=ta, exam_id="dl-midterm", title="Midterm", question_keys=keys)

`grade_exam` reads the build's `manifest.json`, each student's paper (`variants/<id>.json`,
checked against the manifest's sha256; a student whose paper is missing or changed is left out,
listed in `not_graded` and in report.txt, and the others are graded), the answers file
(`answers.read_answers`) and the TA scores (`rubric.read_ta_scores`). `mark` is the pure core:
it scores every part of every paper with `mark_part`, the one place a part gets its marks, so
grading rules and error carried forward plug in there. `_write.write_outputs` writes the tables
(grades.csv, the Moodle and Canvas grade books, parts.csv, awaiting-ta.csv, report.txt; see
docs/grading.md). A bad answers or scores file raises `DlexamError` before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Entry, Paper, Part
from ._write import write_outputs
from .answers import AnswerSheet, read_answers
from .results import Grading, PartResult, StudentResult
from .rubric import TaScore, TaSheet, mark_text, read_ta_scores, rubrics_of
from .score import default_tolerance, score

__all__ = ["Context", "GradeResult", "grade_exam", "load_papers", "mark", "mark_part"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class GradeResult:
    out: Path
    students: int  # graded
    sheet: AnswerSheet
    awaiting_ta: int  # parts
    grading: Grading
    ta: TaSheet | None = None
    not_graded: tuple[tuple[str, str], ...] = ()  # (student id, why)
    files: tuple[Path, ...] = ()
    gradebook_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    """What marking one part may need beyond the part and the answer: who, which question (its
    topic, params and every part), the section's choice policy, the student's answers to every
    part of that question (for follow-through) and the TA's score, if any."""

    student: str
    entry: Entry
    policy: str
    answers: Mapping[str, str]  # part id → answer text, "" when none
    ta: TaScore | None = None


def grade_exam(built: str | Path, *, answers: str | Path, out: str | Path, scores: str | Path | None = None,
               progress: Progress | None = None) -> GradeResult:
    built, out = Path(built), Path(out)
    manifest = _manifest(built)
    sheet = read_answers(answers, manifest)
    papers, not_graded = load_papers(built, manifest)
    ta = read_ta_scores(scores, manifest, rubrics=rubrics_of(papers)) if scores is not None else None
    exam = manifest.get("exam") or {}
    keys = [str(k) for s in manifest.get("sections", ()) for k in s.get("questions", ())]
    grading = mark(papers, sheet, ta=ta, exam_id=str(exam.get("id", "")), title=str(exam.get("title", "")),
                   question_keys=keys, progress=progress)
    files, problems = write_outputs(out, grading, sheet=sheet, ta=ta, not_graded=not_graded)
    awaiting = sum(p.status == "awaiting_ta" for s in grading.students for p in s.parts)
    return GradeResult(out, len(grading.students), sheet, awaiting, grading, ta, tuple(not_graded),
                       tuple(files), tuple(problems))


def mark(papers: Sequence[Paper], sheet: AnswerSheet, *, ta: TaSheet | None = None, exam_id: str, title: str,
         question_keys: Sequence[str], progress: Progress | None = None) -> Grading:
    """Every part of every paper marked, with no I/O. `question_keys` (spec order) become the
    grade book's columns; a key found on a paper but not listed is added at the end."""
    keys = list(dict.fromkeys(question_keys))
    keys += [k for k in dict.fromkeys(e.key for p in papers for e in p.entries) if k not in keys]
    answers, scores = sheet.answers, ta.scores if ta is not None else {}
    students = []
    for done, paper in enumerate(papers, 1):
        sid, parts = paper.student_id, []
        for section in paper.sections:
            for entry in section.entries:
                given = {}
                for p in entry.question.parts:
                    found = answers.get((sid, entry.key, p.id))
                    given[p.id] = found.text if found is not None else ""
                for part in entry.question.parts:
                    ta_score = scores.get((sid, entry.key, part.id))
                    context = Context(sid, entry, section.policy, given, ta_score)
                    parts.append(mark_part(part, given[part.id], context))
        total = sum((p.marks for p in parts), Fraction(0))
        students.append(StudentResult(sid, paper.student_name, tuple(parts), total, Fraction(paper.marks)))
        if progress is not None:
            progress(done, len(papers))
    return Grading(exam_id, title, tuple(keys), tuple(students), {p.student_id: p for p in papers})


def mark_part(part: Part, answer: str, context: Context) -> PartResult:
    """One part of one student's paper, marked: the TA's rubric score for a short answer that has
    one, else `score.score` under the section's policy (design parts run by their topic)."""
    entry, q = context.entry, context.entry.question
    if part.kind == "text" and context.ta is not None:
        s, ta = mark_text(part, context.ta), context.ta
        rule = f"rubric, marked by {ta.marker}" if ta.marker else "rubric"
        points = ta.criteria if ta.criteria is not None else (ta.points,)
    else:
        s = score(part, answer, policy=context.policy, topic=q.topic if part.kind == "design" else None,
                  params=q.params, calculator=q.calculator)
        rule, points = _rule(part, context.policy, q.calculator, q.topic), None
    return PartResult(entry.key, entry.number, part.id, part.kind, answer, s.marks, Fraction(part.marks),
                      s.status, s.feedback, key=part.answer, rule=rule, ta_points=points, bonus=entry.bonus)


def _rule(part: Part, policy: str, calculator: bool, topic: str) -> str:
    """How an answer to the part is compared, in words."""
    kind = part.kind
    if kind in ("integer", "number"):
        try:
            tolerance = default_tolerance(part.answer, calculator=calculator)
        except (ValueError, TypeError, ArithmeticError):
            return "exact"
        return "exact" if tolerance.kind == "exact" else f"tolerance: default, {tolerance.describe()}"
    if kind == "shape":
        return "exact, per size"
    if kind in ("vector", "matrix", "list", "table"):
        return "per cell, tolerance: default"
    if kind == "choices":
        return f"choices: {policy}"
    if kind in ("choice", "true_false"):
        return "exact"
    if kind == "design":
        return f"design check: {topic}"
    return "rubric"


def load_papers(built: Path, manifest: dict[str, Any]) -> tuple[list[Paper], list[tuple[str, str]]]:
    """Every student's paper that is there as the build wrote it, and (student, why) for the others."""
    papers, missing = [], []
    for student in manifest.get("students", ()):
        sid = str(student.get("id", "?")) if isinstance(student, dict) else "?"
        try:
            papers.append(_paper(built, student))
        except DlexamError as e:
            missing.append((sid, str(e)))
    return papers, missing


def _manifest(built: Path) -> dict[str, Any]:
    path = built / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DlexamError(f"{built} has no manifest.json; give the folder `dlexam build` wrote") from None
    except (OSError, ValueError) as e:
        raise DlexamError(f"{path}: cannot be read ({e}); rebuild with `dlexam build`") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("students"), list):
        raise DlexamError(f"{path}: not a manifest dlexam built (no list of students); "
                          "rebuild with `dlexam build`")
    return manifest


def _paper(built: Path, student: Any) -> Paper:
    """The student's whole paper, refused if the file differs from the one the build wrote."""
    try:
        entry = student["files"]["variant"]
        path = built / entry["path"]
        sha = entry["sha256"]
    except (KeyError, TypeError):
        raise DlexamError("the manifest names no variant file for this student; rebuild the exam") from None
    try:
        data = path.read_bytes()
    except OSError:
        raise DlexamError(f"{path} is missing; rebuild the exam with `dlexam build`") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise DlexamError(f"{path} changed since the build (sha256 differs); rebuild rather than edit it")
    try:
        paper = Paper.from_dict(json.loads(data))
    except (ValueError, KeyError, TypeError) as e:
        why = type(e).__name__
        raise DlexamError(f"{path} cannot be read as a paper ({why}); rebuild the exam") from None
    if paper.student_id != str(student.get("id")):
        raise DlexamError(f"{path} is the paper of {paper.student_id!r}, not of this student; "
                          "rebuild the exam")
    return paper
