"""PDF papers and answer keys, typeset with Typst (the `typst` package, fonts bundled).

    pdf = paper_pdf(paper)          # one student's paper: cover, questions, answer boxes
    key = key_pdf(paper)            # that variant's key: answers, grading notes, worked solutions
    ta = ta_key_pdf(papers)         # one key for the TAs: question by question, each variant once

    renderer = PdfRenderer()        # batch builds: one Typst compiler reused for every paper
    for paper in papers: renderer.paper(paper); renderer.key(paper)

The flow: `_typst_paper` / `_typst_key` turn a Paper into Typst source (model text through
`typst_markup.markup`), the layout lives in `typst/exam.typ`, and this module adds a QR code
per page and compiles. Every page's header carries a QR code (segno, always a full QR —
never Micro QR) whose payload `qr_payload` writes and `parse_qr_payload` reads back:

    dlexam:<exam id>:<student id>:<page>        a student's paper
    dlexam-key:<exam id>:<student id>:<page>    that student's answer key
    dlexam-key:<exam id>:*:<page>               the combined TA key

Typst places pages itself, so the page count is known only after compiling: the source is
compiled with QR codes for an estimated number of pages and compiled again, with one code
per page, only when the estimate fell short. Output is byte-identical for the same Paper
(timestamp 0, no dates, deterministic source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import segno
import typst

from ..model import Paper
from ._typst_key import key_body, ta_key_body
from ._typst_paper import lit, paper_body

__all__ = ["PdfRenderer", "QrPayload", "key_pdf", "paper_pdf", "parse_qr_payload", "qr_payload",
           "ta_key_pdf"]

TEMPLATE = (Path(__file__).parent / "typst" / "exam.typ").read_bytes()
_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
TA = "*"


@dataclass(frozen=True)
class QrPayload:
    """What a page's QR code says: which exam, whose paper (or "*" for the TA key), which page."""

    exam_id: str
    student_id: str
    page: int
    key: bool = False


def qr_payload(exam_id: str, student_id: str, page: int, *, key: bool = False) -> str:
    return f"{'dlexam-key' if key else 'dlexam'}:{exam_id}:{student_id}:{page}"


def parse_qr_payload(text: str) -> QrPayload | None:
    """A payload read from a scan, or None when it is not one of ours. A student id may
    contain ':'; the exam id may not (the spec keeps ids to letters, digits, - and _)."""
    head, _, rest = text.partition(":")
    if head not in ("dlexam", "dlexam-key"):
        return None
    who, _, page = rest.rpartition(":")
    exam_id, sep, student_id = who.partition(":")
    if not sep or not exam_id or not page.isdigit():
        return None
    return QrPayload(exam_id, student_id, int(page), head == "dlexam-key")


def qr_svg(payload: str) -> str:
    """A QR code as SVG: one path of dark runs, a 2-module quiet zone (the header keeps white
    space around it). Always a full QR (`make_qr`), error level M, mask fixed: segno's
    search over eight masks costs ~2 ms a code and any decoder reads any mask; writing the
    path ourselves halves segno's own SVG writer's time."""
    matrix = segno.make_qr(payload, error="m", mask=0, boost_error=False).matrix
    n, quiet = len(matrix), 2
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start + quiet} {y + quiet}h{x - start}v1h{start - x}z")
            else:
                x += 1
    size = n + 2 * quiet
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
            f'height="{size}" shape-rendering="crispEdges"><path d="{"".join(runs)}"/></svg>')


def page_count(pdf: bytes) -> int:
    return len(_PAGE.findall(pdf))


class PdfRenderer:
    """Renders papers and keys with one Typst compiler, reused for every document (creating
    a compiler loads the bundled fonts, far slower than compiling a paper). Remembers how
    many pages per question the last documents took to guess the next page count."""

    def __init__(self) -> None:
        self._compiler = typst.Compiler()
        self._pages_per_unit = {"paper": 0.7, "key": 0.9, "ta": 1.0}

    def paper(self, paper: Paper) -> bytes:
        return self._render("paper", paper_body(paper), qr_payload(paper.exam.id, paper.student_id, 0),
                            len(paper.entries))

    def key(self, paper: Paper) -> bytes:
        return self._render("key", key_body(paper), qr_payload(paper.exam.id, paper.student_id, 0, key=True),
                            len(paper.entries))

    def ta_key(self, papers: list[Paper]) -> bytes:
        if not papers:
            raise ValueError("ta_key_pdf needs at least one paper")
        body, units = ta_key_body(papers)
        return self._render("ta", body, qr_payload(papers[0].exam.id, TA, 0, key=True), units)

    def _render(self, kind: str, body: str, payload: str, units: int) -> bytes:
        """Compile with a QR code for each page expected; again if more pages came out.
        Unused codes are not embedded, so the PDF does not depend on the guess."""
        prefix = payload[:-1]
        guess = max(2, round(2 + units * self._pages_per_unit[kind]))  # a spare page: a QR code costs
        # ~0.5 ms, compiling again 50-100 ms
        qrs = [qr_svg(prefix + str(p)) for p in range(1, guess + 1)]
        while True:
            source = b"".join([b"#let dl-qrs = (", ", ".join(map(lit, qrs)).encode(), b",)\n",
                               TEMPLATE, body.encode()])
            pdf = self._compiler.compile(input=source, format="pdf", timestamp=0)
            assert isinstance(pdf, bytes)
            pages = page_count(pdf)
            if units:
                rate = self._pages_per_unit[kind]
                self._pages_per_unit[kind] = max(0.8 * rate + 0.2 * (pages - 1) / units, (pages - 1) / units)
            if pages <= len(qrs):
                return pdf
            qrs += [qr_svg(prefix + str(p)) for p in range(len(qrs) + 1, pages + 1)]


_DEFAULT: PdfRenderer | None = None


def _renderer() -> PdfRenderer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = PdfRenderer()
    return _DEFAULT


def paper_pdf(paper: Paper) -> bytes:
    """One student's paper as PDF (A4): cover with the marks table, then every question."""
    return _renderer().paper(paper)


def key_pdf(paper: Paper) -> bytes:
    """The answer key of this student's variant: answers, grading notes, worked solutions."""
    return _renderer().key(paper)


def ta_key_pdf(papers: list[Paper]) -> bytes:
    """One key for the TAs over all papers: question by question, each distinct variant
    once with the students who have it (see `_typst_key.ta_key_body`)."""
    return _renderer().ta_key(papers)
