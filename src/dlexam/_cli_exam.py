"""The exam commands of `dlexam`: build, export and demo, thin layers over `dlexam.exam`.

    dlexam build exam.toml --roster roster.csv --out DIR   papers, keys, HTML, Markdown, manifest
    dlexam export exam.toml --moodle quiz.xml --qti quiz.zip
    dlexam grade DIR --answers answers.csv --out GRADES [--scores ta.csv]   grade books, parts, report
    dlexam demo                                            builds the bundled midterm and grades
                                                           its sample answers
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .errors import DlexamError

__all__ = ["add_commands", "run"]

DEMO_OUT = "dlexam-demo"


def add_commands(sub: Any) -> None:
    b = sub.add_parser("build", help="a paper per student: papers, keys, HTML, Markdown and a manifest")
    b.add_argument("spec", help="the exam spec (TOML; see docs/exam-spec.md)")
    b.add_argument("--roster", required=True, help="CSV with a header row and columns id, name")
    b.add_argument("--out", required=True, help="the folder to write (replaced if it holds an earlier build)")
    b.add_argument("--workers", type=int, default=None, help="processes to render with (default: every core)")
    b.add_argument("--quiet", action="store_true", help="no progress bar and no report")

    e = sub.add_parser("export", help="the exam for an LMS: Moodle XML and/or Canvas QTI 1.2")
    e.add_argument("spec", help="the exam spec (TOML)")
    e.add_argument("--moodle", metavar="FILE", help="write Moodle XML here (e.g. quiz.xml)")
    e.add_argument("--qti", metavar="FILE", help="write a Canvas QTI 1.2 zip here (e.g. quiz.zip)")
    e.add_argument("--variants", type=int, default=20,
                   help="pre-generated variants per drawn question (default 20)")

    g = sub.add_parser("grade", help="score a built exam's answers: grade books for Moodle and Canvas, "
                       "parts.csv, report.txt")
    g.add_argument("built", help="the folder `dlexam build` wrote (it holds manifest.json)")
    g.add_argument("--answers", required=True, help="CSV or JSON lines: student, question, part, answer")
    g.add_argument("--out", required=True, help="the folder to write the grades into")
    g.add_argument("--scores", metavar="TA.csv", help="TAs' rubric scores for short answers: CSV or JSON "
                   "lines with student, question, part and points or c1, c2, … (see docs/grading.md)")
    g.add_argument("--rules", metavar="grading.toml", help="grading rules: tolerances, key corrections, "
                   "follow-through credit, rubric changes (see docs/grading-rules.md)")
    g.add_argument("--feedback", default="html,pdf", metavar="FORMATS",
                   help="each student's feedback page: html, pdf, both (html,pdf, the default) or none")
    g.add_argument("--no-report", action="store_true", help="skip the item-analysis report (analysis.html)")
    g.add_argument("--workers", type=int, default=None, help="processes for marking a large class and for "
                   "the feedback PDFs (default: every core)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")

    d = sub.add_parser("demo", help="build the bundled example midterm for 30 students and say where it is")
    d.add_argument("--out", default=DEMO_OUT, help=f"the folder to write (default ./{DEMO_OUT})")


def run(args: argparse.Namespace, out: Any) -> int:
    """Run one exam command; the exit code (0, or 1 when `grade` left a student out)."""
    if args.command == "build":
        _build(args.spec, args.roster, args.out, args.workers, quiet=args.quiet, out=out)
    elif args.command == "export":
        _export(args, out)
    elif args.command == "grade":
        return _grade(args, out)
    else:
        return _demo(args.out, out)
    return 0


def _demo(target: str, out: Any) -> int:
    """Build the bundled midterm, then grade the bundled sample answers (and the TAs' rubric
    scores for its short answers) into <target>/grades."""
    from .examples import example_path
    from .grade.feedback import FORMATS
    from .grade.run import grade_exam

    built = _build(str(example_path("midterm.toml")), str(example_path("roster.csv")), target, None,
                   quiet=False, out=out)
    with _StagedBar(enabled=True) as bar:
        result = grade_exam(built, answers=example_path("answers.csv"), scores=example_path("ta-scores.csv"),
                            out=built / "grades", feedback=FORMATS, progress=bar.progress)
    grades = result.out
    out.write(f"\nOpen {built / 'papers'} for the papers, {built / 'keys'} for the keys and "
              f"{built / 'ta-key.pdf'} for the TAs' key; {built / 'manifest.json'} lists every file.\n"
              f"Graded {result.students} students' sample answers and TA scores: "
              f"{grades / 'grades.csv'}, the item analysis {grades / 'analysis.html'}, the answers file's "
              f"problems in {grades / 'report.txt'} and each student's feedback in {grades / 'feedback'}.\n")
    return 0


def _build(spec: str, roster: str, target: str, workers: int | None, *, quiet: bool, out: Any) -> Path:
    from .exam.build import build

    if workers is not None and workers < 1:
        raise DlexamError(f"--workers must be a positive integer, got {workers}")
    if quiet:
        result = build(spec, roster=roster, out=target, workers=workers)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("rendering papers", total=None)
            result = build(spec, roster=roster, out=target, workers=workers,
                           progress=lambda done, total: bar.update(task, completed=done, total=total))
    if not quiet:
        for line in [*result.warnings, *result.report.lines()]:
            out.write(line + "\n")
        out.write(f"built {result.students} students' papers ({result.files} files) "
                  f"in {result.seconds:.1f} s into {result.out}\n")
    return result.out.resolve()


def _grade(args: argparse.Namespace, out: Any) -> int:
    """Grade, print the counts and the files; 1 (after writing) when a student could not be graded."""
    from .grade.run import grade_exam

    formats = _feedback_formats(args.feedback)
    if args.workers is not None and args.workers < 1:
        raise DlexamError(f"--workers must be a positive integer, got {args.workers}")
    with _StagedBar(enabled=_terminal(out) and not args.quiet) as bar:
        result = grade_exam(args.built, answers=args.answers, out=args.out, scores=args.scores,
                            rules=args.rules, feedback=formats, report=not args.no_report,
                            workers=args.workers, progress=bar.progress if bar.enabled else None)
    sheet, ta = result.sheet, result.ta
    out.write(f"graded {result.students} students: {sheet.rows_read} answer rows read, {sheet.rows_used} "
              f"used, {sheet.rows_refused} refused (see report.txt); {result.awaiting_ta} answers await "
              "a TA\n")
    if ta is not None:
        out.write(f"TA scores: {ta.rows_read} rows read, {ta.rows_used} used, {ta.rows_refused} refused\n")
    if result.changed:
        out.write(f"{result.changed} marks changed since the last grading (see audit.log)\n")
    for sid, why in result.not_graded:
        out.write(f"not graded: {sid}: {why}\n")
    for sid, why in result.feedback_failed:
        out.write(f"no feedback page: {sid}: {why}\n")
    out.write(f"wrote {', '.join(f.name for f in result.files)} into {result.out}\n")
    return 1 if result.not_graded or result.feedback_failed else 0


_STAGES = {"marking": "grading students", "feedback": "feedback pages"}


class _StagedBar:
    """A rich progress bar with a line per stage of `grade_exam` ("marking", "feedback"),
    started only when the first progress arrives, so bad input stays one line."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _StagedBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def progress(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            self._bar = Progress(*columns, transient=True)
            self._bar.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(_STAGES.get(stage, stage), total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)


def _feedback_formats(text: str) -> tuple[str, ...]:
    """`--feedback html,pdf` → ("html", "pdf"); "none" → ()."""
    from .grade.feedback import FORMATS

    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    if names in (["none"], []):
        return ()
    if names == ["both"]:
        return tuple(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise DlexamError(f"--feedback {text}: unknown format {unknown[0]!r}; "
                          "give html, pdf, html,pdf or none")
    return tuple(dict.fromkeys(names))


def _terminal(out: Any) -> bool:
    """Whether a progress bar can be drawn: a pipe or a file gets the summary lines only."""
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def _export(args: argparse.Namespace, out: Any) -> None:
    if not (args.moodle or args.qti):
        raise DlexamError("export needs --moodle FILE, --qti FILE or both")
    if args.variants < 1:
        raise DlexamError(f"--variants must be a positive integer, got {args.variants}")
    from .exam import load_spec, pools
    from .render.moodle import moodle_xml
    from .render.qti import qti_zip

    spec = load_spec(args.spec)
    lms = pools(spec, args.variants)
    for flag, path, make in (("--moodle", args.moodle, moodle_xml), ("--qti", args.qti, qti_zip)):
        if path:
            _write_atomically(flag, Path(path), make(spec.info, lms))
            out.write(f"wrote {path} ({len(lms)} questions, up to {args.variants} variants each)\n")


def _write_atomically(flag: str, path: Path, data: bytes) -> None:
    if not path.parent.is_dir():
        raise DlexamError(f"{flag} {path}: the folder {path.parent} does not exist; create it first")
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
