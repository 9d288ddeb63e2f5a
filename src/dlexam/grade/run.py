"""`grade_exam`: a built exam's answers (and TA rubric scores) in, a `Grading` and its files out.

    result = grade_exam("build/midterm", answers="answers.csv", out="grades", scores="ta.csv",
                        rules="grading.toml", feedback=("html", "pdf"), workers=2)
    result.grading.students[0].total        # every output is a view of result.grading
    result.not_graded                       # (student, reason): a paper missing or changed since the build

    grading = mark(papers, sheet, ta=ta, rules=rules, exam_id="dl-midterm", title="Midterm",
                   question_keys=keys)

`grade_exam` reads the build's `manifest.json`, the answers file (`answers.read_answers`), the TA
scores (`rubric.read_ta_scores`) and the grading rules (`rules.load_rules`: tolerances, key
corrections, follow-through credit), then marks each student's paper (`variants/<id>.json`,
checked against the manifest's sha256; a student whose paper is missing or changed is left out,
listed in `not_graded` and in report.txt, and the others are graded). `mark` is the pure core:
it scores every part of every paper with `mark_part`, the one place a part gets its marks — the
part's rule applied, then error carried forward (`carry.carry_forward`) for a part that depends
on earlier ones. Then, in `out`: the tables (`_write.write_outputs`: grades.csv, the Moodle and
Canvas grade books, parts.csv, awaiting-ta.csv, report.txt), the regrade audit (`audit.audit_run`:
graded.jsonl, audit.log), the item analysis (`report.write_report`: analysis.html, analysis.json)
and, when asked, each student's feedback page (`feedback.write_feedback`: feedback/<id>.html, .pdf).
A bad answers, scores or rules file raises `DlexamError` before anything is written.

Speed (issue 5: 10,000 students × 25 parts in ≤ 30 s on two cores; benchmarks/bench_grade.py):
from `PARALLEL_FROM` parts on, `workers` processes (every core by default: this one and
`workers - 1` started for it) each read, check and mark chunks of students and format their rows
of parts.csv and graded.jsonl; only the results come back, in roster order, identical to
marking here alone. No paper is held longer than it is
marked: `Grading.papers` reads a paper again when asked (`_papers.BuiltPapers`). The cyclic
garbage collector is paused while the grader builds its millions of small objects (it would
walk them all again and again, for nothing: they are not garbage).
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Paper
from ._marking import NO_RULES, Context, Marked, by_student, mark_build, mark_paper, mark_part, start_worker
from ._papers import BuiltPapers, PaperRef, PaperRubrics, load_paper, paper_refs
from ._pool import Pool
from ._rows import Index
from ._write import write_outputs
from .answers import AnswersError, AnswerSheet, read_answers
from .audit import audit_run
from .results import Grading
from .rubric import TaSheet, read_ta_scores
from .rules import Rules, load_rules

__all__ = ["PARALLEL_FROM", "Context", "GradeResult", "grade_exam", "load_papers", "mark", "mark_part"]

Progress = Callable[[str, int, int], None]  # (stage: "marking" or "feedback", done, total)
#: Parts (students × parts a paper) from which marking is shared among worker processes. Each
#: worker imports the grader (0.6 s) and fills its own caches before it marks anything, which
#: only about 30,000 parts' marking pays back on two cores (measured on the benchmark's cases:
#: 800 students × 25 parts, 1.5 s here and 1.8 s on two workers; 1,000 × 14 closed forms, 3-4 s
#: here and 5.5 s on two workers; 10,000 × 25 parts, ~30 s here and 17 s on two workers).
PARALLEL_FROM = 30_000


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


def grade_exam(built: str | Path, *, answers: str | Path, out: str | Path, scores: str | Path | None = None,
               rules: str | Path | None = None, feedback: Sequence[str] = (), report: bool = True,
               workers: int | None = None, progress: Progress | None = None) -> GradeResult:
    """Grade the build in `built` into `out`, marking in `workers` processes (default: every core;
    1: here). `feedback` names the page formats to write per student ("html", "pdf"; none by
    default here, both in the CLI: a PDF costs ~0.3 s a student)."""
    built, out = Path(built), Path(out)
    workers = max(1, workers or os.cpu_count() or 1)
    marking = (lambda done, total: progress("marking", done, total)) if progress else None
    with _gc_paused():
        manifest = _manifest(built)
        rule_set = load_rules(rules) if rules is not None else NO_RULES
        problems = rule_set.check(manifest) if rule_set.entries else []  # no rules: nothing to check
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise DlexamError(f"{rules}: {problems[0]}{more}")
        refs = paper_refs(manifest)
        share = workers > 1 and _parts(manifest) >= PARALLEL_FROM  # they start while the answers are read
        pool = Pool(workers - 1, initializer=start_worker, initargs=(built, rule_set)) if share else None
        with pool or nullcontext():
            sheet, ta = _read(built, refs, manifest, answers, scores)
            exam = manifest.get("exam") or {}
            keys = [str(k) for s in manifest.get("sections", ()) for k in s.get("questions", ())]
            del manifest  # the biggest thing held: every student's questions and keys
            marked = mark_build(pool, built, refs, sheet, ta, rule_set, workers, marking)
        graded = {s.student_id for s in marked.students}
        grading = marked.grading(str(exam.get("id", "")), str(exam.get("title", "")), keys,
                                 BuiltPapers(built, [r for r in refs if r.student in graded]))
        files, book_problems = write_outputs(out, grading, sheet=sheet, ta=ta, not_graded=marked.not_graded,
                                             rubrics=marked.rubrics, parts="".join(marked.parts))
        audit = audit_run(out, grading, reasons=_reasons(grading, rule_set), text="".join(marked.records))
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
    return GradeResult(out, len(grading.students), sheet, awaiting, grading, ta, tuple(marked.not_graded),
                       tuple(files), tuple(book_problems), len(audit.changes), failed)


def _parts(manifest: dict[str, Any]) -> int:
    """How many parts the manifest's papers hold (0 for a manifest `Index` will refuse)."""
    try:
        return sum(len(q["parts"]) for student in manifest["students"] for q in student["questions"])
    except (KeyError, TypeError, AttributeError):
        return 0


def _read(built: Path, refs: Sequence[PaperRef], manifest: dict[str, Any], answers: str | Path,
          scores: str | Path | None) -> tuple[AnswerSheet, TaSheet | None]:
    """The answers and the TA scores (checked against the rubrics of the papers they name)."""
    index = Index(manifest, str(answers), AnswersError)  # made once for both files
    sheet = read_answers(answers, manifest, index=index)
    if scores is None:
        return sheet, None
    rubrics = PaperRubrics(BuiltPapers(built, refs))
    return sheet, read_ta_scores(scores, manifest, rubrics=rubrics, index=index)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: the grader's objects are alive, not garbage. On the way
    out, what was made inside joins the oldest generation (freeze then unfreeze: two list splices),
    so the collector does not walk millions of fresh results at the next allocation."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():  # the caller froze nothing we would thaw
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()


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
    answers = by_student(sheet.answers, lambda a: a.text)
    scores = by_student(ta.scores, lambda s: s) if ta is not None else {}
    marked = Marked()
    for done, paper in enumerate(papers, 1):
        sid = paper.student_id
        marked.students.append(mark_paper(paper, answers.get(sid, {}), scores.get(sid, {}), rules, marked))
        if progress is not None:
            progress(done, len(papers))
    return marked.grading(exam_id, title, question_keys, {p.student_id: p for p in papers})


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


def load_papers(built: Path, manifest: dict[str, Any]) -> tuple[list[Paper], list[tuple[str, str]]]:
    """Every student's paper that is there as the build wrote it, and (student, why) for the others
    (all held at once: `grade_exam` reads them one at a time instead)."""
    papers, missing = [], []
    for ref in paper_refs(manifest):
        try:
            papers.append(load_paper(built, ref))
        except DlexamError as e:
            missing.append((ref.student, str(e)))
    return papers, missing
