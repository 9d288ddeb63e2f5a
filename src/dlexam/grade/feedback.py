"""Per-student feedback: each student's marked paper as HTML and PDF, to learn from.

    page = feedback_html(paper, result)       # one self-contained HTML page (str)
    pdf = feedback_pdf(paper, result)         # the same as an A4 PDF (bytes)
    done = write_feedback(grading, Path("grades/feedback"), workers=2)
    done.written                              # paths of out_dir/<id>.html and <id>.pdf, roster order
    done.failed                               # (student id, one-line reason) per page that could not be made

A page shows the header (course, exam, student, total / max and percent, bonus marks counted
as the exam counts them), then every question in paper order with the number the student saw:
prompt and figure, and per part what the student wrote (verbatim, escaped; "no answer" when
blank), the key as the answer key shows it, the marks ("2 / 3"), a status badge (right,
partial, wrong, unreadable, blank, awaiting a TA, carried) and the one-line reason; then the
worked solution of the student's own variant. Nothing is scored here: the page is a view of
the `StudentResult`. The renderers live in render/ (`_html_feedback`, `_typst_feedback`).

`write_feedback` renders in worker processes (spawn, chunks, as `exam.build` does: a PDF costs
~0.2 s). When `grading.papers` is the build's (`grade_exam` gives a `_papers.BuiltPapers`), each
worker reads its own students' papers from the build rather than being sent them. One student's
failure never stops the others: an exception while rendering a page is caught, the page is not
written (an earlier run's file of that name is removed) and `(student id, "pdf: <reason>")` is
in `failed`; a student without a paper in `grading.papers` (or whose paper can no longer be read:
"paper: <reason>"), or with an id that cannot name a file, is in `failed` too.
Output is byte-identical for identical input.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import DlexamError
from ..model import Paper
from ._papers import BuiltPapers, PaperRef, load_paper
from .results import Grading, StudentResult

__all__ = ["FORMATS", "FeedbackResult", "feedback_html", "feedback_pdf", "write_feedback"]

FORMATS = ("html", "pdf")
CHUNK = 8  # students per task at most: amortises the hand-off, still balances two cores
Progress = Callable[[int, int], None]  # (students done, students in all)
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FeedbackResult:
    """What `write_feedback` did: the files written (student by student, in the grading's
    order, html before pdf) and the pages it could not make, each with a one-line reason."""

    written: tuple[Path, ...]
    failed: tuple[tuple[str, str], ...]

    @property
    def ok(self) -> bool:
        return not self.failed


def _check(paper: Paper, result: StudentResult) -> None:
    if paper.student_id != result.student_id:
        raise DlexamError(f"feedback for {result.student_id!r} was given the paper of {paper.student_id!r}; "
                          "pass the student's own paper (grading.papers[student_id])")


def feedback_html(paper: Paper, result: StudentResult) -> str:
    """The student's feedback page as one HTML document (no URL, MathML for math)."""
    from ..render._html_feedback import feedback_page

    _check(paper, result)
    return feedback_page(paper, result)


def feedback_pdf(paper: Paper, result: StudentResult) -> bytes:
    """The student's feedback as an A4 PDF (Typst); the header names them, "page i of n"."""
    from ..render._typst_feedback import feedback_pdf_bytes

    _check(paper, result)
    return feedback_pdf_bytes(paper, result)


_RENDER = {"html": lambda p, r: feedback_html(p, r).encode("utf-8"), "pdf": feedback_pdf}


def write_feedback(grading: Grading, out_dir: Path, *, formats: Sequence[str] = FORMATS,
                   workers: int | None = None, progress: Progress | None = None) -> FeedbackResult:
    """Write out_dir/<id>.html and/or <id>.pdf for every graded student (see the module doc)."""
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        got = ", ".join(unknown) or "none"
        raise DlexamError(f"feedback formats must be among {', '.join(FORMATS)}, got {got}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[Paper | _Ref, StudentResult]] = []
    failed: list[tuple[str, str]] = []
    papers = grading.papers
    for student in grading.students:
        sid = student.student_id
        paper = _paper_or_ref(papers, sid)
        if _UNSAFE.search(sid) or sid in ("", ".", ".."):
            failed.append((sid, "the student id cannot name a file (it holds '/', '\\' or a control "
                                "character)"))
        elif paper is None:
            failed.append((sid, "no paper for this student in the grading; grade from the built exam"))
            for fmt in formats:  # an earlier run's page must not pass for this run's
                (out_dir / f"{sid}.{fmt}").unlink(missing_ok=True)
        else:
            jobs.append((paper, student))
    workers = max(1, workers or os.cpu_count() or 1)
    size = max(1, min(CHUNK, math.ceil(len(jobs) / workers)))
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    written: list[Path] = []
    done = 0
    for chunk, outcome in zip(chunks, _run(chunks, out_dir, formats, workers), strict=True):
        if isinstance(outcome, BaseException):  # the worker process itself died
            failed += [(r.student_id, f"worker failed: {_one_line(outcome)}") for _, r in chunk]
        else:
            written += outcome[0]
            failed += outcome[1]
        done += len(chunk)
        if progress:
            progress(done, len(jobs))
    order = {s.student_id: i for i, s in enumerate(grading.students)}
    failed.sort(key=lambda f: order.get(f[0], -1))
    return FeedbackResult(tuple(written), tuple(failed))


_Outcome = tuple[list[Path], list[tuple[str, str]]]
_Ref = tuple[Path, PaperRef]  # a paper a worker reads itself: the build folder, the file


def _paper_or_ref(papers: Mapping[str, Paper], sid: str) -> Paper | _Ref | None:
    """The student's paper, or where a worker reads it (a build's papers are not read here)."""
    if isinstance(papers, BuiltPapers):
        return (papers.built, papers.ref(sid)) if sid in papers else None
    return papers.get(sid)


def _run(chunks: list[list[tuple[Paper | _Ref, StudentResult]]], out_dir: Path, formats: tuple[str, ...],
         workers: int) -> Iterator[_Outcome | BaseException]:
    """Each chunk's outcome, in order, as soon as it is ready (so progress moves)."""
    if workers <= 1 or len(chunks) < 2:
        for c in chunks:
            yield _render_chunk(c, out_dir, formats)
        return
    # spawn, not fork: a forked process can hang once typst has run in the parent
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=spawn) as pool:
        futures: list[Future[_Outcome]] = [pool.submit(_render_chunk, c, out_dir, formats) for c in chunks]
        for f in futures:
            try:
                yield f.result()
            except Exception as e:  # BrokenProcessPool and the like: the chunk's students fail, not the run
                yield e


def _render_chunk(chunk: Sequence[tuple[Paper | _Ref, StudentResult]], out_dir: Path,
                  formats: tuple[str, ...]) -> _Outcome:
    written: list[Path] = []
    failed: list[tuple[str, str]] = []
    for given, result in chunk:
        try:
            paper = given if isinstance(given, Paper) else load_paper(*given)
        except DlexamError as e:  # the file went missing or changed since grading
            failed.append((result.student_id, f"paper: {_one_line(e)}"))
            for fmt in formats:
                (out_dir / f"{result.student_id}.{fmt}").unlink(missing_ok=True)
            continue
        for fmt in formats:
            path = out_dir / f"{result.student_id}.{fmt}"
            try:
                path.write_bytes(_RENDER[fmt](paper, result))
                written.append(path)
            except Exception as e:  # one page's failure is reported, the batch goes on
                failed.append((result.student_id, f"{fmt}: {_one_line(e)}"))
                path.unlink(missing_ok=True)  # an earlier run's page must not pass for this run's
    return written, failed


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or "no message"
    return f"{type(e).__name__}: {text[:300]}"
