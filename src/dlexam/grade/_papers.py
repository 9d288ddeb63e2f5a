"""The students' papers of a build, read one at a time and checked against the manifest.

    refs = paper_refs(manifest)                   # where each student's paper is, in manifest order
    paper = load_paper(built, refs[0])            # Paper, or DlexamError: missing, changed, not a paper
    papers = BuiltPapers(built, refs)             # a read-only Mapping: student id → Paper, read on use
    papers["s001"], papers.get("s002"), "s003" in papers
    rubrics = PaperRubrics(papers)                # (student, question, part) → the text part's rubric

A paper is 40 KB of JSON and 10,000 of them are 2 GB in memory, so the grader never holds them
all: marking reads, marks and drops each one, and `Grading.papers` is a `BuiltPapers` that reads
a student's paper (and checks its sha256 again) only when asked, e.g. by a feedback page. It
pickles as the build folder and the list of files, so a worker process reads its own students'
papers instead of being sent them. `load_paper` raises `DlexamError` with one line naming the
file and the fix; `BuiltPapers[...]` raises `PaperUnavailable` (a `KeyError` as well, so
`.get` gives None) when a file went missing or changed after grading.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..model import Criterion, Paper

__all__ = ["BuiltPapers", "PaperRef", "PaperRubrics", "PaperUnavailable", "load_paper", "paper_refs"]

_CACHED = 16  # papers kept after reading: a feedback page and its PDF ask for the same one twice


@dataclass(frozen=True)
class PaperRef:
    """Where one student's paper is in the build and the sha256 the manifest gives it."""

    student: str
    path: str  # relative to the build folder, as the manifest writes it
    sha256: str
    problem: str = ""  # why the manifest gives no file to read ("" when it does)


class PaperUnavailable(DlexamError, KeyError):
    """A paper `BuiltPapers` cannot give: missing or changed since the build."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def paper_refs(manifest: dict[str, Any]) -> list[PaperRef]:
    """Each student's variant file, in manifest order (with a `problem` when the manifest names
    none: `load_paper` then refuses it)."""
    refs = []
    for student in manifest.get("students", ()):
        sid = str(student.get("id", "?")) if isinstance(student, dict) else "?"
        try:
            entry = student["files"]["variant"]
            refs.append(PaperRef(str(student["id"]), str(entry["path"]), str(entry["sha256"])))
        except (KeyError, TypeError):
            refs.append(PaperRef(sid, "", "", "the manifest names no variant file for this student; "
                                              "rebuild the exam"))
    return refs


def load_paper(built: Path, ref: PaperRef) -> Paper:
    """The student's whole paper, refused if the file differs from the one the build wrote."""
    if ref.problem:
        raise DlexamError(ref.problem)
    path = built / ref.path
    try:
        data = path.read_bytes()
    except OSError:
        raise DlexamError(f"{path} is missing; rebuild the exam with `dlexam build`") from None
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise DlexamError(f"{path} changed since the build (sha256 differs); rebuild rather than edit it")
    try:
        paper = Paper.from_dict(json.loads(data))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        why = type(e).__name__
        raise DlexamError(f"{path} cannot be read as a paper ({why}); rebuild the exam") from None
    if paper.student_id != ref.student:
        raise DlexamError(f"{path} is the paper of {paper.student_id!r}, not of this student; "
                          "rebuild the exam")
    return paper


class BuiltPapers(Mapping[str, Paper]):
    """The graded students' papers, read from the build on first use (the last few are kept)."""

    def __init__(self, built: str | Path, refs: Sequence[PaperRef]) -> None:
        self.built = Path(built)
        self._refs = {r.student: r for r in refs}
        self._cache: dict[str, Paper] = {}

    def ref(self, student: str) -> PaperRef:
        """Where the student's paper is (KeyError for a student not graded)."""
        return self._refs[student]

    def __getitem__(self, student: str) -> Paper:
        paper = self._cache.get(student)
        if paper is not None:
            return paper
        try:
            paper = load_paper(self.built, self._refs[student])
        except DlexamError as e:
            raise PaperUnavailable(f"{student}: {e}") from None
        if len(self._cache) >= _CACHED:
            del self._cache[next(iter(self._cache))]
        self._cache[student] = paper
        return paper

    def __contains__(self, student: object) -> bool:  # no reading: the manifest names the file
        return student in self._refs

    def __iter__(self) -> Iterator[str]:
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BuiltPapers):
            return self.built == other.built and self._refs == other._refs
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # a mapping: equal by content

    def __getstate__(self) -> dict[str, Any]:  # the papers read so far stay behind
        return {"built": self.built, "_refs": self._refs, "_cache": {}}

    def __repr__(self) -> str:
        return f"BuiltPapers({str(self.built)!r}, {len(self)} students)"


class PaperRubrics(Mapping[tuple[str, str, str], tuple[Criterion, ...]]):
    """The rubric of each short-answer part, by (student, question key, part id), read from the
    student's paper when asked (a TA scores file names a few hundred cells, not every paper)."""

    def __init__(self, papers: Mapping[str, Paper]) -> None:
        self._papers = papers

    def __getitem__(self, cell: tuple[str, str, str]) -> tuple[Criterion, ...]:
        paper = self._papers.get(cell[0])
        for entry in paper.entries if paper is not None else ():
            if entry.key == cell[1]:
                for part in entry.question.parts:
                    if part.id == cell[2] and part.kind == "text":
                        return part.rubric
        raise KeyError(cell)

    def __iter__(self) -> Iterator[tuple[str, str, str]]:  # reads every paper: for completeness only
        for sid in self._papers:
            paper = self._papers.get(sid)
            for entry in paper.entries if paper is not None else ():
                yield from ((sid, entry.key, p.id) for p in entry.question.parts if p.kind == "text")

    def __len__(self) -> int:
        return sum(1 for _ in self)
