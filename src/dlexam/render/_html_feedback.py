"""A student's marked paper as one self-contained HTML page: what they wrote, what it earned, why.

    page = feedback_page(paper, marked)   # marked: anything shaped like grade.results.StudentResult

The render layer does not import the grader (DESIGN.md: grade calls render, never the other
way), so the marks arrive as any object with the attributes `Marked` / `MarkedPart` name —
`StudentResult` and `PartResult` fit as they are.

Layout: a summary (course, exam, student, total / max and percent, marks per question), then
each section and question in paper order with the number the student saw: prompt and figure;
per part its prompt, the answer as written (escaped, verbatim), the key laid out as the answer
key lays it out (`_html_boxes.key`), the marks, a status badge and the one-line reason; then
the worked solution of the student's own variant. Like the paper, the page loads nothing:
the stylesheet is inline, math is MathML, figures are inline SVG.

`STATUS_LABELS`, `marks_text`, `printable`, `visible`, `keyed_part` and `by_part` are shared with the
PDF (`_typst_feedback`) so both say the same words.
"""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from functools import cache
from importlib.resources import files
from typing import Any, Protocol

from ..model import Entry, Paper, Part
from . import _html_boxes
from ._key_text import policy_text
from ._md_html import block, inline
from .html import figure_html, page_css

__all__ = ["MAX_SHOWN", "STATUS_LABELS", "Marked", "MarkedPart", "by_part", "feedback_page", "keyed_part",
           "marks_text", "printable", "rubric_points", "visible"]

#: The badge each status of `grade.score.STATUSES` (and "carried") shows; others show as written.
STATUS_LABELS = {"right": "right", "partial": "partial", "wrong": "wrong", "unreadable": "unreadable",
                 "blank": "blank", "awaiting_ta": "awaiting a TA",
                 "carried": "carried (error carried forward)", "missing": "not marked"}
#: An answer longer than this (characters) is cut, saying how much was left out: the page is for
#: reading, and a pasted essay in a number box must not make a 1 MB page.
MAX_SHOWN = 4000


class MarkedPart(Protocol):
    @property
    def question(self) -> str: ...
    @property
    def part(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def marks(self) -> Fraction: ...
    @property
    def out_of(self) -> Fraction: ...
    @property
    def status(self) -> str: ...
    @property
    def feedback(self) -> str: ...
    @property
    def key(self) -> Any: ...
    @property
    def ta_points(self) -> tuple[Fraction, ...] | None: ...
    @property
    def carried_from(self) -> tuple[str, ...]: ...
    @property
    def bonus(self) -> bool: ...


class Marked(Protocol):
    @property
    def student_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def parts(self) -> Sequence[MarkedPart]: ...
    @property
    def total(self) -> Fraction: ...
    @property
    def max(self) -> Fraction: ...
    @property
    def percent(self) -> Fraction: ...


def marks_text(x: Fraction | int) -> str:
    """Marks as the grade book writes them: 3, 2.5, 0.333."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{float(x):.3f}".rstrip("0")


def printable(text: str) -> str:
    """Control characters (but newline and tab) and lone surrogates, which neither HTML nor Typst
    can carry, as U+FFFD; everything else unchanged."""
    if text.isprintable():
        return text
    return "".join(c if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs") else "\ufffd"
                   for c in text)


def visible(text: str) -> str:
    """A student's answer as printed: `printable`, and cut at MAX_SHOWN characters."""
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + f" … ({len(text) - MAX_SHOWN} more characters not shown)"
    return printable(text)


def keyed_part(part: Part, marked: MarkedPart | None) -> Part:
    """The part with the key it was marked against (a corrected key replaces the paper's)."""
    if marked is None or marked.key is None or marked.key == part.answer:
        return part
    return replace(part, answer=marked.key)


def by_part(results: Sequence[MarkedPart]) -> dict[tuple[str, str], MarkedPart]:
    """The marks by (question key, part id)."""
    return {(r.question, r.part): r for r in results}


def feedback_page(paper: Paper, marked: Marked) -> str:
    """The whole feedback page as an HTML document."""
    info = paper.exam
    lookup = by_part(marked.parts)
    title = f"{info.title} — {marked.student_id} — Feedback"
    running = (f'<header class="running"><span>{_e(info.course)} · {_e(info.title)}</span>'
               f"<span>{_e(marked.name)} · {_e(marked.student_id)}</span></header>")
    body = [running, _summary(paper, marked, lookup)]
    for section in paper.sections:
        questions = "\n".join(_question(e, section.policy, lookup) for e in section.entries)
        body.append(f'<section class="exam-section">\n<h2>{_e(section.title)}</h2>\n{questions}\n</section>')
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="dlexam">\n<title>{_e(title)}</title>\n'
            f"<style>\n{page_css()}{_feedback_css()}</style>\n</head>\n"
            '<body class="key feedback">\n' + "\n".join(body) + "\n</body>\n</html>\n")


@cache
def _feedback_css() -> str:
    return files("dlexam.render").joinpath("static/feedback.css").read_text(encoding="utf-8")


def _e(text: object) -> str:
    return html.escape(printable(str(text)))


def _entry_marks(entry: Entry, lookup: dict[tuple[str, str], MarkedPart]) -> tuple[Fraction, Fraction]:
    got = [lookup.get((entry.key, p.id)) for p in entry.question.parts]
    return (sum((r.marks for r in got if r is not None), Fraction(0)),
            sum((Fraction(p.marks) for p in entry.question.parts), Fraction(0)))


def _summary(paper: Paper, marked: Marked, lookup: dict[tuple[str, str], MarkedPart]) -> str:
    info = paper.exam
    total = (f"{marks_text(marked.total)} / {marks_text(marked.max)} marks "
             f"({float(marked.percent):.1f} %)")
    rows = [("Student", _e(marked.name) or "&nbsp;"), ("Student id", _e(marked.student_id)),
            ("Total", f"<strong>{total}</strong>")]
    bonus = sum((r.marks for r in marked.parts if r.bonus), Fraction(0))
    if bonus:
        rows.append(("Bonus", f"the total includes {marks_text(bonus)} bonus marks"))
    waiting = sum(1 for r in marked.parts if r.status == "awaiting_ta")
    if waiting:
        many = waiting > 1
        rows.append(("Provisional", f"{waiting} answer{'s' if many else ''} still await{'' if many else 's'} "
                     "a TA's marks; the total may rise"))
    meta = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    table = []
    for e in paper.entries:
        got, of = _entry_marks(e, lookup)
        tag = ' <span class="bonus">bonus</span>' if e.bonus else ""
        table.append(f"<tr><td>{_e(e.number)}{tag}</td><td>{marks_text(got)} / {marks_text(of)}</td></tr>")
    return (f'<section class="cover summary">\n<h1>{_e(info.title)}</h1>\n<p class="course">{_e(info.course)}'
            f" — your marked paper</p>\n<dl>{meta}</dl>\n"
            '<table class="marks"><thead><tr><th>Question</th><th>Marks</th></tr></thead>'
            f"<tbody>{''.join(table)}</tbody></table>\n</section>")


def _question(entry: Entry, policy: str, lookup: dict[tuple[str, str], MarkedPart]) -> str:
    q = entry.question
    got, of = _entry_marks(entry, lookup)
    tags = '<span class="tag bonus">bonus</span>' if entry.bonus else ""
    unit = "mark" if of == 1 else "marks"
    head = (f"<header><h3>Question {_e(entry.number)}</h3>{tags}"
            f'<span class="marks">{marks_text(got)} / {marks_text(of)} {unit}</span></header>')
    rule = ""
    if any(p.kind == "choices" for p in q.parts):
        rule = f'<p class="origin">Boxes are marked {_e(policy_text(policy))}.</p>'
    parts = "".join(_part(entry, i, lookup.get((entry.key, p.id))) for i, p in enumerate(q.parts))
    body = [head, rule, f'<div class="prompt">{block(q.prompt)}</div>', figure_html(q),
            f'<ol class="parts">{parts}</ol>']
    if q.solution:
        steps = "".join(f'<div class="step">{block(f"**{s.title}.** {s.text}")}</div>' for s in q.solution)
        body.append(f'<section class="solution" id="sol-{_e(entry.key)}">'
                    f"<h4>Worked solution (your variant)</h4>{steps}</section>")
    return f'<article class="question" id="q-{_e(entry.key)}">' + "".join(b for b in body if b) + "</article>"


def _label(entry: Entry, part_id: str) -> str:
    ids = [p.id for p in entry.question.parts]
    return f"({chr(ord('a') + ids.index(part_id))})" if part_id in ids else part_id


def _key(part: Part, name: str) -> str:
    try:
        return _html_boxes.key(part, name)
    except Exception:  # a corrected key the layout does not know: show it as it is rather than fail
        return f"<code>{_e(json.dumps(part.answer, ensure_ascii=False))}</code>"


def _part(entry: Entry, i: int, marked: MarkedPart | None) -> str:
    part = entry.question.parts[i]
    status = marked.status if marked is not None else "missing"
    badge = STATUS_LABELS.get(status, status.replace("_", " "))
    many = len(entry.question.parts) > 1
    got = ("—" if status in ("awaiting_ta", "missing") or marked is None else marks_text(marked.marks))
    marks = f"{got} / {marks_text(part.marks)}"
    label_html = f'<span class="label">({chr(ord("a") + i)})</span>' if many else ""
    head = (f'<div class="part-head">{label_html}'
            f'<span class="ptext">{inline(part.prompt)}</span>'
            f'<span class="badge status-{_e(status)}">{_e(badge)}</span>'
            f'<span class="pmarks">{marks}</span></div>')
    answer = marked.answer if marked is not None else ""
    written = (f'<pre class="written">{_e(visible(answer))}</pre>' if answer.strip()
               else '<p class="none">no answer</p>')
    what = "Model answer" if part.kind == "text" else "One valid design" if part.kind == "design" else "Key"
    rows = [("Your answer", written), (what, _key(keyed_part(part, marked), f"{entry.key}.{part.id}")),
            ("Marks", marks)]
    if marked is not None and marked.feedback:
        rows.append(("Why", f'<span class="why">{_e(visible(marked.feedback))}</span>'))
    if marked is not None and marked.carried_from:
        sources = ", ".join(_label(entry, p) for p in marked.carried_from)
        rows.append(("Followed through", f"marked against the key recomputed from your answer to "
                                         f"{_e(sources)}"))
    if part.rubric:
        rows.append(("Rubric", _rubric(part, marked)))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<li class="part kind-{part.kind} status-{_e(status)}" id="p-{_e(entry.key)}-{_e(part.id)}">'
            f'{head}<dl class="marked">{dl}</dl></li>')


def rubric_points(part: Part, marked: MarkedPart | None) -> list[tuple[str, str]]:
    """Per rubric criterion: the points shown ("1 / 2" when a TA marked it per criterion, else
    what it is worth) and its text."""
    points = marked.ta_points if marked is not None else None
    if points is not None and len(points) != len(part.rubric):
        points = None
    return [(f"{marks_text(points[j])} / {c.points}" if points is not None else f"{c.points}", c.text)
            for j, c in enumerate(part.rubric)]


def _rubric(part: Part, marked: MarkedPart | None) -> str:
    items = "".join(f"<li><span class=\"pts\">[{got}]</span> {inline(text)}</li>"
                    for got, text in rubric_points(part, marked))
    return f'<ul class="rubric">{items}</ul>'
