"""Typst source for a student's paper: the cover, then each question with its answer boxes.

    paper_body(paper)  ->  "#show: dl-doc.with(...)\\n#dl-cover…\\n#dl-question(…)…"

The layout functions (dl-doc, dl-question, dl-part, dl-cell, …) live in typst/exam.typ;
this module only decides *what* goes on the page. Text from the model goes through
`markup()` (Markdown + LaTeX → Typst markup); our own strings go in as Typst string
literals (`lit`), so nothing a topic writes can break the document. Answer boxes are
sized from the part's kind and the shape of its answer (cells per dimension of a shape,
a grid for a matrix), never from its values.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import CHOICE_KINDS, Entry, Paper, Part, Question
from ._key_text import MARKING_RULE, options, policy_text
from .figures import figure
from .typst_markup import markup

__all__ = ["answer_box", "lit", "md", "paper_body", "plural", "text"]

_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_TABLE = re.compile(r"^\s*\|[\s:|-]*-{3}[\s:|-]*\|\s*$", re.M)
_WORKED_KINDS = frozenset({"integer", "number", "shape", "vector", "matrix", "list", "table"})
_SVG_HEIGHT = re.compile(r'height="([0-9.]+)(?:pt)?"')
#: A question estimated shorter than this (mm) is kept on one page.
KEEP_TOGETHER_MM = 170


def lit(s: str) -> str:
    """A Typst string literal: our own text and identifiers, never read as markup."""
    return '"' + s.translate(_TEXT_ESCAPES) + '"'


def text(s: str) -> str:
    """Plain text inside markup (`#"…";` — the semicolon ends the embedded expression)."""
    return "#" + lit(s) + ";"


def md(source: str, end: str | None = None) -> str:
    """Model text (Markdown with LaTeX math) as a Typst content block. `end` marks the end
    of question `end` there (for the "Question 7 (continued)" header), inside the last part
    so that the mark lands on the page where the question really ends."""
    mark = "" if end is None else f" #dl-end({lit(end)})"
    return "[" + markup(source) + mark + "]"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def part_label(i: int) -> str:
    return chr(ord("a") + i)


def question_title(q: Question) -> str:
    """Concept items are titled by their id, which a student need not see."""
    return "" if q.topic == "bank" else q.title


def paper_body(paper: Paper) -> str:
    """The whole paper after the template: page frame, cover, sections and questions."""
    out = [doc_frame(paper, "")]
    out += cover(paper)
    out.append("#pagebreak(weak: true)")
    for i, section in enumerate(paper.sections, 1):
        if len(paper.sections) > 1 or section.title:
            out.append(section_heading(i, section.title, section.policy, section.entries))
        for entry in section.entries:
            out.append(question(entry, section.policy))
    return "\n".join(out) + "\n"


def doc_frame(paper: Paper, kind: str) -> str:
    who = f"{paper.student_name} · {paper.student_id}" if paper.student_name else paper.student_id
    title = paper.exam.title + (f" — {kind}" if kind else "")
    return f"#show: dl-doc.with(title: {lit(title)}, who: {lit(who)}, qrs: dl-qrs)"


def has_choices(entries: list[Entry] | tuple[Entry, ...]) -> bool:
    return any(p.kind in CHOICE_KINDS for e in entries for p in e.question.parts)


def section_heading(i: int, title: str, policy: str, entries: tuple[Entry, ...]) -> str:
    head = f"Section {i}" + (f": {title}" if title else "")
    note = "none"
    if any(p.kind == "choices" for e in entries for p in e.question.parts):
        note = lit("Questions with several correct options: " + policy_text(policy) + ".")
    return f"#dl-section({lit(head)}, {note})"


def cover(paper: Paper) -> list[str]:
    """Course, title, date, duration, who, instructions, aids, the marks table and the rules."""
    info = paper.exam
    facts = [s for s in (info.date, f"{info.duration_minutes} minutes" if info.duration_minutes else "") if s]
    out = [
        f"#align(center, block(above: 4mm, below: 6mm, {{ text(size: 12pt, {lit(info.course)}); linebreak();"
        f" v(1mm); text(size: 18pt, weight: \"bold\", {lit(info.title)}); linebreak(); v(1mm);"
        f" text(size: 11pt, {lit(' · '.join(facts))}) }}))",
        "#table(columns: (32mm, 1fr), inset: 7pt, stroke: 0.7pt,"
        f" [Name], strong({lit(paper.student_name)}), [Student id], strong({lit(paper.student_id)}),"
        " [Signature], [])",
        "#v(2mm)",
        "#block(above: 4mm, below: 2mm, text(weight: \"bold\", [Instructions]))",
    ]
    if info.instructions:
        out.append(f"#block(above: 1mm, {md(info.instructions)})")
    out.append("#list(tight: true, [Write each answer in the box below its part; answers elsewhere are not "
               "marked.], [Show your working in the space given: a correct method earns marks even when "
               "a number is wrong.], [Every page carries your id and a code: do not fold, tear or swap "
               "pages.])")
    calc = [e.number for e in paper.entries if e.question.calculator]
    aids = info.aids or "none"
    out.append(f"#block(above: 3mm, [*Allowed aids:* {text(aids)}])")
    out.append("#block(above: 1.5mm, [*Calculator:* " + text(
        ("allowed in question" + ("s " if len(calc) > 1 else " ") + ", ".join(calc) + " only (marked on the "
         "question); not in the others.") if calc else "not allowed.") + "])")
    out.append(marks_table(paper))
    if has_choices(paper.entries):
        out.append(choice_rules(paper))
    return out


def marks_table(paper: Paper) -> str:
    """Question, marks and an empty "scored" cell per question, then the total; split into
    side-by-side columns when there are many questions so the cover stays one page."""
    rows = [(e.number, f"{e.marks} (bonus)" if e.bonus else str(e.marks)) for e in paper.entries]
    rows.append(("Total", str(paper.exam.total_marks or paper.marks)))
    columns = 1 if len(rows) <= 12 else 2 if len(rows) <= 28 else 3
    per = -(-len(rows) // columns)
    tables = []
    for c in range(columns):
        cells = ", ".join(f"{lit(n)}, {lit(m)}, []" for n, m in rows[c * per:(c + 1) * per])
        tables.append("table(columns: (1.3fr, 1.5fr, 1.2fr), rows: 6.5mm, inset: (x: 3pt, y: 0pt), align: "
                      "center + horizon, table.header([*Question*], [*Marks*], [*Scored*]), " + cells + ")")
    bonus = any(e.bonus for e in paper.entries)
    caption = "Marks" + (" (bonus marks count beyond the total)" if bonus else "")
    return (f"#block(above: 5mm, breakable: false, {{ text(weight: \"bold\", {lit(caption)}); v(-1mm); "
            f"grid(columns: ({', '.join(['1fr'] * columns)}), column-gutter: 5mm, "
            + ", ".join(tables) + ") })")


def choice_rules(paper: Paper) -> str:
    """The marking rule with a picture of each mark, and each section's policy in words."""
    policies = []
    for i, s in enumerate(paper.sections, 1):
        if any(p.kind == "choices" for e in s.entries for p in e.question.parts):
            name = f"Section {i}" + (f" ({s.title})" if s.title else "")
            policies.append(f"[{text(name)}: {text(policy_text(s.policy))}.]")
    policy = ("#list(tight: true, " + ", ".join(policies) + ")") if policies else ""
    single = ("Choose-one and true/false questions: check exactly one box; the right box alone earns the "
              "marks.")
    return ("#block(above: 5mm, breakable: false, width: 100%, inset: 8pt, stroke: 0.7pt, radius: 2pt, [\n"
            "*Multiple-choice boxes.* " + text(MARKING_RULE + " Only the boxes are read.") + "\n\n"
            "#dl-crossed #h(1mm) checked #h(8mm) #dl-filled #h(1mm) cancelled #h(8mm) "
            "#dl-cross-mark #h(0.5mm) #dl-filled #h(1mm) checked again\n\n"
            + text(single) + "\n" + policy + "])")


def question(entry: Entry, policy: str) -> str:
    """A question: heading, prompt, figure, working space, then its parts with answer boxes.
    A question that fits in about half a page is kept on one page; a longer one may break
    between its blocks, never inside a part."""
    q = entry.question
    height = 14 + prompt_height(q.prompt)
    out = [question_heading(entry, "calculator allowed" if q.calculator else "no calculator")]
    table_in_prompt = bool(_TABLE.search(q.prompt))
    fill = "true" if table_in_prompt and any(p.kind == "table" for p in q.parts) else "false"
    givens = [f"#dl-prompt(fill: {fill}, {md(q.prompt)})"]
    svg = figure(q)
    if svg is not None:
        givens.append(f"#align(center, block(breakable: false, image(bytes({lit(svg)}), format: \"svg\")))")
        found = _SVG_HEIGHT.search(svg)
        height += float(found.group(1)) * 0.353 + 4 if found else 60
    if height < KEEP_TOGETHER_MM:  # the givens on one page, even when the parts follow overleaf
        givens = ["#block(breakable: false, width: 100%)[", *givens, "]"]
    out += givens
    worked = sum(p.marks for p in q.parts if p.kind in _WORKED_KINDS)
    if worked:
        room = min(8 * worked + 8, 56)
        out.append(f"#dl-working({room}mm)")
        height += room + 4
    for i, part in enumerate(q.parts):
        box, box_height = answer_box(part, table_in_prompt)
        prompt = md(part.prompt, end=entry.number if i == len(q.parts) - 1 else None)
        out.append(f"#dl-part({lit(part_label(i))}, {lit(plural(part.marks, 'mark'))}, {prompt}, {box})")
        height += 10 + len(part.prompt) / 100 * 5 + box_height
    if height < KEEP_TOGETHER_MM:
        out = ["#block(breakable: false, width: 100%)[", *out, "]"]
    return "\n".join(out)


def prompt_height(prompt: str) -> float:
    """A rough height in mm of a prompt on the page: lines of text, table rows, display math."""
    lines = sum(1 + len(par) // 100 for par in prompt.split("\n"))
    return 5.0 * lines + 8.0 * prompt.count("$$") / 2 + 4.0 * prompt.count(r"\\")


def question_heading(entry: Entry, aside: str) -> str:
    marks = plural(entry.marks, "mark") + (", bonus" if entry.bonus else "")
    title = question_title(entry.question)
    return f"#dl-question({lit(entry.number)}, {lit(title)}, {lit(marks)}, {lit(aside)})"


def _leaves(value: Any) -> int:
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    if isinstance(value, dict) and "exact" not in value:
        return sum(_leaves(v) for v in value.values())
    return 1


def answer_box(part: Part, table_in_prompt: bool = False) -> tuple[str, float]:
    """The box a student answers one part in, as a Typst expression, and its height in mm."""
    kind, answer = part.kind, part.answer
    if kind in ("integer", "number"):
        return "dl-line()", 11
    if kind == "shape":
        return f"dl-shape({len(answer)})", 11
    if kind == "vector" and isinstance(answer, list) and len(answer) <= 16:
        return f"dl-vector({len(answer)})", 11 * (1 + len(answer) // 7)
    if kind == "matrix" and isinstance(answer, list) and answer and isinstance(answer[0], list):
        return f"dl-matrix({len(answer)}, {len(answer[0])})", 9 * len(answer) + 3
    if kind == "table" and isinstance(answer, dict):
        return "dl-named((" + "".join(lit(str(k)) + ", " for k in answer) + "))", 11 * len(answer)
    if kind == "table" and table_in_prompt:
        return "[#v(1mm) _Fill in the table above._]", 6
    if kind in CHOICE_KINDS:
        options = 2 if kind == "true_false" else len(part.options)
        return choice_box(part), 6.5 * options + sum(len(o) // 90 * 5 for o in part.options)
    if kind == "text":
        lines = max(4, 2 * part.marks + 2)
        return f"dl-lines({lines})", 7.5 * lines + 2
    if kind == "design":
        return "dl-area(48mm)", 50
    height = min(12 + 5 * ((_leaves(answer) + 3) // 4), 70)
    return f"dl-area({height}mm)", height + 2


def choice_box(part: Part) -> str:
    """A box per option, lettered a, b, … (true/false: a) True, b) False, as the grader reads)."""
    boxes = " ".join(f"#dl-option({lit(part_label(i))}, {md(o)})" for i, o in enumerate(options(part)))
    return "[" + boxes + "]"
