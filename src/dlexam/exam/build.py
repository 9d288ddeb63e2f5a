"""`build`: from an exam spec and a roster to every file a course prints, in one call.

    result = build("examples/midterm.toml", roster="examples/roster.csv", out="build/midterm")

Order: read and check the spec and the roster (a mistake is reported before anything is
written) → stress test (draw every paper, check every drawn variant) → render each
student's paper, key, HTML and Markdown in worker processes → the TA key and
`manifest.json` → move the finished directory into place with one rename. A failed build
leaves no `out` behind, or leaves the previous build there untouched.

    out/manifest.json           student → seed, files, sha256, per-question params and keys
    out/ta-key.pdf              every variant's key, question by question
    out/papers/<id>.pdf         out/keys/<id>.pdf
    out/html/<id>.html          out/html/<id>-key.html
    out/markdown/<id>.md        out/markdown/<id>-key.md
    out/variants/<id>.json      the student's whole Paper (prompts, keys, solutions)
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Paper
from .roster import Student, read_roster
from .spec import Spec, load_spec
from .stress import Report, stress_test

__all__ = ["BuildResult", "build", "manifest_entry"]

CHUNK = 8  # papers per task: large enough to amortise the hand-off, small enough to balance 2 cores
Progress = Callable[[int, int], None]  # (papers done, papers in all)


@dataclass(frozen=True)
class BuildResult:
    out: Path
    students: int
    files: int
    seconds: float
    report: Report
    warnings: tuple[str, ...]


def build(spec_path: str | Path, *, roster: str | Path, out: str | Path, workers: int | None = None,
          progress: Progress | None = None) -> BuildResult:
    """Build every student's files into `out` (replacing an earlier build there)."""
    start = time.perf_counter()
    spec, students = load_spec(spec_path), read_roster(roster)
    if not students:
        raise DlexamError(f"{roster}: the roster has no students; add one row per student under the header")
    out = Path(out)
    _check_out(out)
    report = stress_test(spec, students)
    if not report.ok:
        raise DlexamError(f"{spec_path}: {len(report.problems)} drawn variant(s) failed the stress test, "
                          f"first: {report.problems[0]}")
    workers = workers or os.cpu_count() or 1
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for folder in ("papers", "keys", "html", "markdown", "variants"):
            (staging / folder).mkdir(parents=True)
        entries = _render_all(list(report.papers), staging, workers, progress)
        from ..render.pdf import ta_key_pdf

        files = {"ta_key": _write(staging, "ta-key.pdf", ta_key_pdf(list(report.papers)))}
        manifest = _manifest(spec, students, report, entries, files)
        _write(staging, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    n_files = sum(len(e["files"]) for e in entries) + 2
    return BuildResult(out, len(students), n_files, time.perf_counter() - start, report, spec.warnings)


def _check_out(out: Path) -> None:
    if out.exists() and not (out.is_dir() and (out / "manifest.json").is_file()):
        raise DlexamError(f"--out {out} exists and is not an earlier dlexam build; choose a new directory")
    if not out.parent.is_dir():
        raise DlexamError(f"--out {out}: the folder {out.parent} does not exist; create it first")


def _swap_into_place(staging: Path, out: Path) -> None:
    """The finished build takes `out`'s place; an earlier build there goes only after."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _render_all(papers: list[Paper], staging: Path, workers: int, progress: Progress | None) -> list[dict]:
    chunks = [papers[i:i + CHUNK] for i in range(0, len(papers), CHUNK)]
    done, results = 0, []
    if workers <= 1 or len(chunks) < 2:
        outcomes = (_render_chunk(chunk, staging) for chunk in chunks)
        for entries in outcomes:
            results += entries
            done += len(entries)
            if progress:
                progress(done, len(papers))
        return results
    # spawn, not fork: a forked process can hang once typst has run in the parent
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=spawn) as pool:
        for entries in pool.map(_render_chunk, chunks, [staging] * len(chunks)):
            results += entries
            done += len(entries)
            if progress:
                progress(done, len(papers))
    return results


def _render_chunk(papers: Sequence[Paper], staging: Path) -> list[dict[str, Any]]:
    """Write each paper's files; return what the manifest says about them."""
    from ..render.html import paper_html
    from ..render.markdown import paper_markdown
    from ..render.pdf import key_pdf, paper_pdf

    entries = []
    for paper in papers:
        sid = paper.student_id
        files = {
            "paper": _write(staging, f"papers/{sid}.pdf", paper_pdf(paper)),
            "key": _write(staging, f"keys/{sid}.pdf", key_pdf(paper)),
            "html": _write(staging, f"html/{sid}.html", paper_html(paper).encode()),
            "html_key": _write(staging, f"html/{sid}-key.html", paper_html(paper, key=True).encode()),
            "markdown": _write(staging, f"markdown/{sid}.md", paper_markdown(paper).encode()),
            "markdown_key": _write(staging, f"markdown/{sid}-key.md",
                                   paper_markdown(paper, key=True).encode()),
            "variant": _write(staging, f"variants/{sid}.json",
                              json.dumps(paper.to_dict(), ensure_ascii=False).encode()),
        }
        entries.append(manifest_entry(paper, files))
    return entries


def _write(root: Path, name: str, data: bytes) -> dict[str, str]:
    (root / name).write_bytes(data)
    return {"path": name, "sha256": hashlib.sha256(data).hexdigest()}


def manifest_entry(paper: Paper, files: dict[str, dict[str, str]]) -> dict[str, Any]:
    """One student in the manifest: seed, files with hashes, and per question the params
    and keys a grader needs (the whole paper is in variants/<id>.json)."""
    return {
        "id": paper.student_id,
        "name": paper.student_name,
        "seed": paper.seed,
        "files": files,
        "questions": [{
            "key": e.key,
            "number": e.number,
            "bonus": e.bonus,
            "topic": e.question.topic,
            "seed": e.question.seed,
            "params": e.question.params,
            "parts": [{"id": p.id, "kind": p.kind, "marks": p.marks, "answer": p.answer}
                      for p in e.question.parts],
        } for e in paper.entries],
    }


def _manifest(spec: Spec, students: list[Student], report: Report, entries: list[dict[str, Any]],
              files: dict[str, dict[str, str]]) -> dict[str, Any]:
    from .. import __version__

    return {
        "format": 1,
        "dlexam": __version__,
        "exam": spec.info.to_dict(),
        "spec": {"file": Path(spec.path).name,
                 "sha256": hashlib.sha256(Path(spec.path).read_bytes()).hexdigest()},
        "sections": [{"title": s.title, "policy": s.policy, "questions": [slot.key for slot in s.slots]}
                     for s in spec.sections],
        "files": files,
        "stress": {
            "spread": [{"key": s.key, "label": s.label, "distinct": s.distinct} for s in report.spread],
            "redraws": [r.__dict__ for r in report.redraws],
        },
        "students": entries,
    }
