"""`grade_exam`: a built exam's answers (and TA rubric scores) in, a `Grading` and its files out.

    result = grade_exam("build/midterm", answers="answers.csv", out="grades", scores="ta.csv",
                        rules="grading.toml", feedback=("html", "pdf"))
    result.grading.students[0].total        # every output is a view of result.grading
    result.not_graded                       # (student, reason): a paper missing or changed since the build

    grading = mark(papers, sheet, ta=ta, rules=rules, exam_id="dl-midterm", title="Midterm",
                   question_keys=keys)

`grade_exam` reads the build's `manifest.json`, each student's paper (`variants/<id>.json`,
checked against the manifest's sha256; a student whose paper is missing or changed is left out,
listed in `not_graded` and in report.txt, and the others are graded), the answers file
(`answers.read_answers`), the TA scores (`rubric.read_ta_scores`) and the grading rules
(`rules.load_rules`: tolerances, key corrections, follow-through credit). `mark` is the pure core:
it scores every part of every paper with `mark_part`, the one place a part gets its marks — the
part's rule applied, then error carried forward (`carry.carry_forward`) for a part that depends
on earlier ones. Then, in `out`: the tables (`_write.write_outputs`: grades.csv, the Moodle and
Canvas grade books, parts.csv, awaiting-ta.csv, report.txt), the regrade audit (`audit.audit_run`:
graded.jsonl, audit.log), the item analysis (`report.write_report`: analysis.html, analysis.json)
and, when asked, each student's feedback page (`feedback.write_feedback`: feedback/<id>.html, .pdf).
A bad answers, scores or rules file raises `DlexamError` before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Entry, Paper, Part
from ._write import write_outputs
from .answers import AnswerSheet, read_answers
from .carry import carry_forward
from .results import Grading, PartResult, StudentResult, variant_label
from .rubric import TaScore, TaSheet, mark_text, read_ta_scores, rubrics_of
from .rules import UNCHANGED, PartRule, Rules, load_rules
from .score import Tolerance, default_tolerance, score

__all__ = ["Context", "GradeResult", "grade_exam", "load_papers", "mark", "mark_part"]

Progress = Callable[[str, int, int], None]  # (stage: "marking" or "feedback", done, total)
NO_RULES = Rules()
NO_RULE = NO_RULES.for_part("", "", "")  # what a part with no grading rule is marked under


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
    changed: int = 0  # marks that moved since the last run into `out` (see audit.log)
    feedback_failed: tuple[tuple[str, str], ...] = ()  # (student id, why) for pages not written


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
    rule: PartRule = NO_RULE
    locale: str = "en"
    variant: str = ""  # results.variant_label of the question


def grade_exam(built: str | Path, *, answers: str | Path, out: str | Path, scores: str | Path | None = None,
               rules: str | Path | None = None, feedback: Sequence[str] = (), report: bool = True,
               workers: int | None = None, progress: Progress | None = None) -> GradeResult:
    """Grade the build in `built` into `out`. `feedback` names the page formats to write per
    student ("html", "pdf"; none by default here, both in the CLI: a PDF costs ~0.3 s a student)."""
    built, out = Path(built), Path(out)
    manifest = _manifest(built)
    rule_set = load_rules(rules) if rules is not None else NO_RULES
    problems = rule_set.check(manifest)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DlexamError(f"{rules}: {problems[0]}{more}")
    sheet = read_answers(answers, manifest)
    papers, not_graded = load_papers(built, manifest)
    ta = read_ta_scores(scores, manifest, rubrics=rubrics_of(papers)) if scores is not None else None
    exam = manifest.get("exam") or {}
    keys = [str(k) for s in manifest.get("sections", ()) for k in s.get("questions", ())]
    grading = mark(papers, sheet, ta=ta, rules=rule_set, exam_id=str(exam.get("id", "")),
                   title=str(exam.get("title", "")), question_keys=keys,
                   progress=(lambda done, total: progress("marking", done, total)) if progress else None)
    files, book_problems = write_outputs(out, grading, sheet=sheet, ta=ta, not_graded=not_graded)
    from .audit import audit_run

    audit = audit_run(out, grading, reasons=_reasons(grading, rule_set))
    files += [out / "graded.jsonl", out / "audit.log"]
    if report:
        from .report import write_report

        files.append(write_report(grading, out))
    failed: tuple[tuple[str, str], ...] = ()
    if feedback:
        from .feedback import write_feedback

        pages = write_feedback(grading, out / "feedback", formats=feedback, workers=workers,
                               progress=(lambda done, total: progress("feedback", done, total)) if progress
                               else None)
        files.append(out / "feedback")
        failed = pages.failed
    awaiting = sum(p.status == "awaiting_ta" for s in grading.students for p in s.parts)
    return GradeResult(out, len(grading.students), sheet, awaiting, grading, ta, tuple(not_graded),
                       tuple(files), tuple(book_problems), len(audit.changes), failed)


def _reasons(grading: Grading, rules: Rules) -> dict[tuple[str, str, str], str]:
    """The grading rules' reasons, by (student, question, part), for the audit log's "why"."""
    if not rules.entries:
        return {}
    found = {}
    for student in grading.students:
        for p in student.parts:
            reason = rules.for_part(p.question, p.part, student.student_id).reason
            if reason:
                found[(student.student_id, p.question, p.part)] = reason
    return found


def mark(papers: Sequence[Paper], sheet: AnswerSheet, *, ta: TaSheet | None = None, rules: Rules = NO_RULES,
         exam_id: str, title: str, question_keys: Sequence[str],
         progress: Callable[[int, int], None] | None = None) -> Grading:
    """Every part of every paper marked, with no I/O. `question_keys` (spec order) become the
    grade book's columns; a key found on a paper but not listed is added at the end."""
    keys = list(dict.fromkeys(question_keys))
    keys += [k for k in dict.fromkeys(e.key for p in papers for e in p.entries) if k not in keys]
    answers, scores = sheet.answers, ta.scores if ta is not None else {}
    students = []
    titles: dict[str, str] = {}
    variant_params: dict[str, dict[str, Any]] = {}
    for done, paper in enumerate(papers, 1):
        sid, parts = paper.student_id, []
        for section in paper.sections:
            for entry in section.entries:
                q = entry.question
                label = variant_label(q)
                titles.setdefault(entry.key, q.title)
                variant_params.setdefault(entry.key, {}).setdefault(label, q.params)
                given = {}
                for p in q.parts:
                    found = answers.get((sid, entry.key, p.id))
                    given[p.id] = found.text if found is not None else ""
                for part in q.parts:
                    ta_score = scores.get((sid, entry.key, part.id))
                    rule = rules.for_part(entry.key, part.id, sid)
                    context = Context(sid, entry, section.policy, given, ta_score, rule, rules.locale, label)
                    parts.append(mark_part(part, given[part.id], context))
        total = sum((p.marks for p in parts), Fraction(0))
        students.append(StudentResult(sid, paper.student_name, tuple(parts), total, Fraction(paper.marks)))
        if progress is not None:
            progress(done, len(papers))
    return Grading(exam_id, title, tuple(keys), tuple(students), {p.student_id: p for p in papers}, titles,
                   variant_params)


def mark_part(part: Part, answer: str, context: Context) -> PartResult:
    """One part of one student's paper, marked under its grading rule (a corrected key, a
    tolerance, a policy or rubric change): the TA's rubric score for a short answer that has
    one, else `score.score` (design parts run by their topic), then error carried forward for a
    part that depends on earlier ones."""
    entry, q, r = context.entry, context.entry.question, context.rule
    if r.key is not UNCHANGED:
        part = replace(part, answer=r.key)
    policy = r.policy or context.policy
    carried: tuple[str, ...] = ()
    points: tuple[Fraction, ...] | None = None
    if part.kind == "text" and context.ta is not None:
        s, ta = mark_text(part, context.ta, rubric=r.rubric), context.ta
        points = ta.criteria if ta.criteria is not None else (ta.points,)
    else:
        s = score(part, answer, policy=policy, tolerance=r.tolerance,
                  topic=q.topic if part.kind == "design" else None, params=q.params, locale=context.locale,
                  calculator=q.calculator)
        if part.depends_on:
            s, carried = carry_forward(q, part, context.answers, s, policy=policy, credit=r.carried_credit,
                                       locale=context.locale, calculator=q.calculator, tolerance=r.tolerance)
    rule = _rule(part, policy, q.calculator, q.topic, r)
    if points is not None and context.ta is not None and context.ta.marker:
        rule += f", marked by {context.ta.marker}"
    return PartResult(entry.key, entry.number, part.id, part.kind, answer, s.marks, Fraction(part.marks),
                      s.status, s.feedback, key=part.answer, rule=rule, ta_points=points,
                      carried_from=carried, bonus=entry.bonus, variant=context.variant, options=part.options)


def _rule(part: Part, policy: str, calculator: bool, topic: str, rule: PartRule) -> str:
    """How an answer to the part is compared, in words (the audit log shows it when it changes)."""
    kind = part.kind
    if kind in ("integer", "number", "vector", "matrix", "list", "table"):
        where = "per cell, " if kind not in ("integer", "number") else ""
        return where + _tolerance(part, calculator, rule.tolerance)
    if kind == "shape":
        return "exact, per size"
    if kind == "choices":
        return f"choices: {policy}"
    if kind in ("choice", "true_false"):
        return "exact"
    if kind == "design":
        return f"design check: {topic}"
    rubric = rule.rubric or part.rubric
    return "rubric " + "+".join(str(c.points) for c in rubric) if rubric else "rubric"


def _tolerance(part: Part, calculator: bool, given: Tolerance | None) -> str:
    if given is not None:
        return f"tolerance: {given.describe()}"
    if part.kind not in ("integer", "number"):
        return "tolerance: default"
    try:
        tolerance = default_tolerance(part.answer, calculator=calculator)
    except (ValueError, TypeError, ArithmeticError):
        return "exact"
    return "exact" if tolerance.kind == "exact" else f"tolerance: default, {tolerance.describe()}"


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
