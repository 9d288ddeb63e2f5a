"""One student's exam paper — or its answer key — as a single self-contained HTML file.

    page = paper_html(paper)             # the paper: cover, sections, questions, answer fields
    page = paper_html(paper, key=True)   # the key: answers, grading notes, worked solutions

The page carries everything inline — the stylesheet (static/exam.css), the figures (SVG from
`figures.figure`), the math (MathML from LaTeX, drawn natively by Chromium and Firefox) —
and refers to no URL, so it opens offline and prints on A4 the way it looks on screen.

Content mirrors the PDF: a cover with course, title, date, duration, the student's name
and id, instructions, allowed aids, a marks table (bonus questions marked, a blank column
for the scores) and, once, the rule for marking multiple-choice boxes on paper with each
section's scoring policy; then the sections with numbered questions (marks, calculator or
not, prompt, figure) and their parts (a), (b), … each with an answer field sized by kind
(`_html_boxes`). The key replaces each field by the answer (exact and decimal), adds the
grading notes per part (`_key_text`, the same words the Markdown key prints) and the worked
solution. All text goes through `_md_html`, which escapes it: a question or a student name
cannot inject markup.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files

from ..model import CHOICE_KINDS, Entry, Paper, PaperSection, Question
from . import _html_boxes
from ._key_text import MARKING_RULE, grading_notes, policy_text
from ._md_html import block, inline

__all__ = ["figure_html", "page_css", "paper_html"]


def paper_html(paper: Paper, *, key: bool = False) -> str:
    """The paper (or, with `key`, its answer key) as one HTML document."""
    info = paper.exam
    kind = "Answer key" if key else "Paper"
    title = f"{info.title} — {paper.student_id} — {kind}"
    running = (f'<header class="running"><span>{_e(info.course)} · {_e(info.title)}</span>'
               f"<span>{'<span class=keyflag>ANSWER KEY</span> ' if key else ''}"
               f"{_e(paper.student_name)} · {_e(paper.student_id)}</span></header>")
    body = [running, _cover(paper, key)]
    body += [_section(s, key) for s in paper.sections]
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="dlexam">\n<title>{_e(title)}</title>\n'
            f"<style>\n{page_css()}</style>\n</head>\n"
            f'<body class="{"key" if key else "paper"}">\n' + "\n".join(body) + "\n</body>\n</html>\n")


@cache
def page_css() -> str:
    return files("dlexam.render").joinpath("static/exam.css").read_text(encoding="utf-8")


def _e(text: object) -> str:
    return html.escape(str(text))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _has_choices(entries: tuple[Entry, ...] | list[Entry]) -> bool:
    return any(p.kind in CHOICE_KINDS for e in entries for p in e.question.parts)


def _cover(paper: Paper, key: bool) -> str:
    info = paper.exam
    rows = [("Student", _e(paper.student_name) or "&nbsp;"), ("Student id", _e(paper.student_id))]
    if info.date:
        rows.append(("Date", _e(info.date)))
    if info.duration_minutes:
        rows.append(("Duration", _plural(info.duration_minutes, "minute")))
    rows.append(("Allowed aids", _e(info.aids) or "none"))
    bonus = sum(e.marks for e in paper.entries if e.bonus)
    total = _plural(paper.marks, "mark") + (f" (+ {bonus} bonus)" if bonus else "")
    rows.append(("Total", total))
    if key:
        rows.append(("Variant seed", f"<code>{_e(paper.seed)}</code>"))
    meta = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    parts = [f'<section class="cover">\n<h1>{_e(info.title)}</h1>\n<p class="course">{_e(info.course)}</p>',
             f"<dl>{meta}</dl>"]
    if info.instructions:
        parts.append('<div class="instructions"><p><strong>Instructions</strong></p>'
                     f"{block(info.instructions)}</div>")
    parts.append(_rule(paper))
    parts.append(_marks_table(paper))
    return "\n".join(p for p in parts if p) + "\n</section>"


def _rule(paper: Paper) -> str:
    """The multiple-choice marking rule, printed once, with each section's scoring policy."""
    sections = [s for s in paper.sections if _has_choices(s.entries)]
    if not sections:
        return ""
    policies = "".join(f"<li><strong>{_e(s.title)}</strong> — {_e(policy_text(s.policy))}.</li>"
                       for s in sections)
    return (f'<div class="rule"><p><strong>Multiple choice.</strong> {_e(MARKING_RULE)} '
            f"Check every option you consider right; how the boxes are scored depends on the section:</p>"
            f"<ul>{policies}</ul></div>")


def _marks_table(paper: Paper) -> str:
    rows = []
    for s in paper.sections:
        for e in s.entries:
            tag = ' <span class="bonus">bonus</span>' if e.bonus else ""
            rows.append(f"<tr><td>{_e(e.number)}{tag}</td><td>{_e(s.title)}</td><td>{e.marks}</td>"
                        '<td class="scored"></td></tr>')
    bonus = sum(e.marks for e in paper.entries if e.bonus)
    total = f"{paper.marks}" + (f" + {bonus} bonus" if bonus else "")
    rows.append(f'<tr class="total"><td colspan="2">Total</td><td>{total}</td><td class="scored"></td></tr>')
    return ('<table class="marks"><thead><tr><th>Question</th><th>Section</th><th>Marks</th><th>Scored</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _section(section: PaperSection, key: bool) -> str:
    questions = "\n".join(_question(e, section.policy, key) for e in section.entries)
    return f'<section class="exam-section">\n<h2>{_e(section.title)}</h2>\n{questions}\n</section>'


def figure_html(q: Question) -> str:
    try:
        from .figures import figure
    except ImportError:  # pragma: no cover - figures are part of the package
        return ""
    svg = figure(q)
    return f'<figure class="figure">{svg}</figure>' if svg else ""


def _origin(q: Question) -> str:
    origin = f"seed {q.seed}" if q.seed is not None else "pinned params"
    if q.topic == "bank":
        origin = f"item <code>{_e(q.params.get('item', ''))}</code>"
        return f'<p class="origin">Concept {origin}</p>'
    return f'<p class="origin">Topic <code>{_e(q.topic)}</code>, {origin}</p>'


def _question(entry: Entry, policy: str, key: bool) -> str:
    q = entry.question
    tags = [f'<span class="tag">{"calculator allowed" if q.calculator else "no calculator"}</span>']
    if entry.bonus:
        tags.append('<span class="tag bonus">bonus</span>')
    head = (f"<header><h3>Question {_e(entry.number)}</h3>{''.join(tags)}"
            f'<span class="marks">{_plural(entry.marks, "mark")}</span></header>')
    givens = q.prompt + "\n" + "\n".join(p.prompt for p in q.parts)
    parts = [_part(entry, i, policy, key, givens) for i in range(len(q.parts))]
    body = [head, _origin(q) if key else "", f'<div class="prompt">{block(q.prompt)}</div>', figure_html(q),
            f'<ol class="parts">{"".join(parts)}</ol>']
    if key and q.solution:
        steps = "".join(f'<div class="step">{block(f"**{s.title}.** {s.text}")}</div>' for s in q.solution)
        body.append(f'<section class="solution"><h4>Worked solution</h4>{steps}</section>')
    return (f'<article class="question" id="q-{_e(entry.key)}">' + "".join(b for b in body if b)
            + "</article>")


def _part(entry: Entry, i: int, policy: str, key: bool, givens: str) -> str:
    q = entry.question
    part = q.parts[i]
    many = len(q.parts) > 1
    label = f'<span class="label">({chr(ord("a") + i)})</span>' if many else ""
    marks = f'<span class="pmarks">[{_plural(part.marks, "mark")}]</span>' if many else ""
    head = f'<div class="part-head">{label}<span class="ptext">{inline(part.prompt)}</span>{marks}</div>'
    name = f"{entry.key}.{part.id}"
    if not key:
        box = _html_boxes.box(part, name, givens)
        return f'<li class="part kind-{part.kind}">{head}<div class="answerbox">{box}</div></li>'
    notes = "".join(f"<li>{inline(n)}</li>" for n in grading_notes(part, policy, q.calculator))
    answer = _html_boxes.key(part, name)
    return (f'<li class="part kind-{part.kind}">{head}<div class="keyblock"><h4>Answer</h4>{answer}'
            f'<div class="notes"><h4>Grading</h4><ul>{notes}</ul></div></div></li>')
