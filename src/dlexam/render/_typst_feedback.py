"""A student's marked paper as PDF (Typst): the same content as the HTML feedback page.

    pdf = feedback_pdf_bytes(paper, marked)   # marked: shaped like grade.results.StudentResult
    source = feedback_body(paper, marked)     # the Typst body, after exam.typ and feedback.typ

The question blocks reuse the answer key's pieces (`_typst_key.answer_content` for the key of
each part, `solution` for the worked solution, `_typst_paper` for headings, prompts, figures and
string literals), so a key reads the same in the key PDF, the HTML page and here. Every text a
student wrote goes in as a Typst string literal shown with `raw`: nothing in it is markup.
Output is byte-identical for identical input (timestamp 0, deterministic source).
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import typst

from ..model import Entry, Paper, Part
from ._html_feedback import (
    STATUS_LABELS,
    Marked,
    MarkedPart,
    by_part,
    keyed_part,
    marks_text,
    printable,
    rubric_points,
    visible,
)
from ._key_text import policy_text
from ._typst_key import answer_content, solution
from ._typst_paper import lit, md, part_label, question_title, text
from .figures import figure

__all__ = ["feedback_body", "feedback_pdf_bytes"]

_HERE = Path(__file__).parent / "typst"
TEMPLATE = (_HERE / "exam.typ").read_bytes() + b"\n" + (_HERE / "feedback.typ").read_bytes() + b"\n"
_compiler: typst.Compiler | None = None
_LONG_RUN = re.compile(r"\S{48,}")


def _breakable(answer: str) -> str:
    """A run of 48+ characters without a space gets a zero-width space every 40 characters, so a
    pasted line wraps instead of running off the page (Typst breaks words at spaces only)."""
    return _LONG_RUN.sub(lambda m: "\u200b".join(m[0][i:i + 40] for i in range(0, len(m[0]), 40)), answer)


def feedback_pdf_bytes(paper: Paper, marked: Marked) -> bytes:
    """Compile the feedback page; one Typst compiler per process (loading fonts is the slow part)."""
    global _compiler
    if _compiler is None:
        _compiler = typst.Compiler()
    pdf = _compiler.compile(input=TEMPLATE + feedback_body(paper, marked).encode(), format="pdf", timestamp=0)
    assert isinstance(pdf, bytes)
    return pdf


def feedback_body(paper: Paper, marked: Marked) -> str:
    info = paper.exam
    lookup = by_part(marked.parts)
    name, sid = printable(marked.name), printable(marked.student_id)
    who = f"{name} · {sid}" if name else sid
    out = [f"#show: dl-fb-doc.with(title: {lit(info.title + ' — feedback')}, who: {lit(who)})"]
    out += _summary(paper, marked, lookup)
    for section in paper.sections:
        choices = any(p.kind == "choices" for e in section.entries for p in e.question.parts)
        note = lit("Questions with several correct options: " + policy_text(section.policy) + ".")
        if section.title or choices:
            out.append(f"#dl-section({lit(section.title)}, {note if choices else 'none'})")
        out += [_question(e, lookup) for e in section.entries]
    return "\n".join(out) + "\n"


def _totals(entry: Entry, lookup: dict[tuple[str, str], MarkedPart]) -> str:
    got = sum((r.marks for p in entry.question.parts if (r := lookup.get((entry.key, p.id)))), Fraction(0))
    return f"{marks_text(got)} / {entry.marks}"


def _summary(paper: Paper, marked: Marked, lookup: dict[tuple[str, str], MarkedPart]) -> list[str]:
    info = paper.exam
    name, sid = printable(marked.name), printable(marked.student_id)
    total = f"{marks_text(marked.total)} / {marks_text(marked.max)} marks ({float(marked.percent):.1f} %)"
    strap = lit("Your marked paper, with the key and worked solution of your variant")
    out = [f"#align(center, block(above: 2mm, below: 5mm, {{ text(size: 12pt, {lit(info.course)}); "
           f"linebreak(); v(1mm); text(size: 18pt, weight: \"bold\", {lit(info.title)}); linebreak(); v(1mm);"
           f" text(size: 11pt, {strap}) }}))",
           "#table(columns: (32mm, 1fr), inset: 6pt, stroke: 0.7pt,"
           f" [Name], strong({lit(name)}), [Student id], strong({lit(sid)}),"
           f" [Total], strong({lit(total)}))"]
    bonus = sum((r.marks for r in marked.parts if r.bonus), Fraction(0))
    if bonus:
        out.append(f"#dl-meta([{text(f'The total includes {marks_text(bonus)} bonus marks.')}])")
    waiting = sum(1 for r in marked.parts if r.status == "awaiting_ta")
    if waiting:
        many = waiting > 1
        line = (f"Provisional: {waiting} answer{'s' if many else ''} still await{'' if many else 's'} "
                "a TA's marks; the total may rise.")
        out.append(f"#dl-meta([{text(line)}])")
    cells = [(e.number + (" (bonus)" if e.bonus else ""), _totals(e, lookup)) for e in paper.entries]
    groups = 1 if len(cells) <= 10 else 2 if len(cells) <= 24 else 3 if len(cells) <= 45 else 4
    flat = ", ".join(f"{lit(n)}, {lit(m)}" for n, m in cells)
    out.append(f"#block(above: 5mm, {{ text(weight: \"bold\", {lit('Marks per question')}); v(-1mm); "
               f"table(columns: {groups * 2}, inset: (x: 5pt, y: 3pt), align: center + horizon, "
               f"table.header({', '.join(['[*Question*], [*Marks*]'] * groups)}), {flat}) }})")
    return out


def _question(entry: Entry, lookup: dict[tuple[str, str], MarkedPart]) -> str:
    q = entry.question
    marks = _totals(entry, lookup) + (" mark" if entry.marks == 1 else " marks")
    marks += ", bonus" if entry.bonus else ""
    aside = "calculator allowed" if q.calculator else "no calculator"
    out = [f"#dl-question({lit(entry.number)}, {lit(question_title(q))}, {lit(marks)}, {lit(aside)})",
           f"#block(above: 0.5em, width: 100%, {md(q.prompt)})"]
    svg = figure(q)
    if svg is not None:
        out.append(f"#align(center, block(breakable: false, image(bytes({lit(svg)}), format: \"svg\")))")
    many = len(q.parts) > 1
    for i, part in enumerate(q.parts):
        out.append(_part(entry, part, part_label(i) if many else None, lookup.get((entry.key, part.id))))
    out += solution(q, end=entry.number) if q.solution else [f"#dl-end({lit(entry.number)})"]
    return "\n".join(out)


def _key(part: Part) -> str:
    try:
        return answer_content(part)
    except Exception:  # a corrected key the layout does not know: show it as it is rather than fail
        return f"[#raw({lit(json.dumps(part.answer, ensure_ascii=False))})]"


def _part(entry: Entry, part: Part, label: str | None, marked: MarkedPart | None) -> str:
    status = marked.status if marked is not None else "missing"
    badge = STATUS_LABELS.get(status, status.replace("_", " "))
    got = "—" if marked is None or status == "awaiting_ta" else marks_text(marked.marks)
    marks = f"{got} / {part.marks}"
    answer = marked.answer if marked is not None else ""
    written = f"dl-fb-written({lit(_breakable(visible(answer))) if answer.strip() else 'none'})"
    what = "One valid design" if part.kind == "design" else "Key"  # a text key says "Model answer:" itself
    rows = [("Your answer", written), (what, f"dl-fb-key({_key(keyed_part(part, marked))})"),
            ("Marks", lit(marks))]
    if marked is not None and marked.feedback:
        rows.append(("Why", f"emph({lit(visible(marked.feedback))})"))
    if marked is not None and marked.carried_from:
        ids = [p.id for p in entry.question.parts]
        sources = ", ".join(f"({part_label(ids.index(p))})" if p in ids else p for p in marked.carried_from)
        why = f"marked against the key recomputed from your answer to {sources}"
        rows.append(("Followed through", lit(why)))
    if part.rubric:
        rows.append(("Rubric", _rubric(part, marked)))
    cells = "".join(f"({lit(name)}, {body}), " for name, body in rows)
    label_arg = lit(label) if label is not None else "none"
    return (f"#dl-fb-part({label_arg}, {md(part.prompt)}, {lit(status)}, {lit(badge)}, {lit(marks)}, "
            f"({cells}))")


def _rubric(part: Part, marked: MarkedPart | None) -> str:
    items = [f"[#strong({lit(f'[{got}]')}) {md(criterion)[1:-1]}]"
             for got, criterion in rubric_points(part, marked)]
    return f"list(tight: true, {', '.join(items)})"
