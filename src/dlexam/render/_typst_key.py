"""Typst source for answer keys: one variant's key, and the combined key for TAs.

    key_body(paper)       one student's variant: per question the key answer of every part
                          (exact and decimal), its marks, grading notes, the worked solution
    ta_key_body(papers)   question by question: grading notes once, then each distinct
                          variant once with the students who have it

Answers and grading notes use the words of the Markdown and HTML keys (`_key_text`:
`number`, `grading_notes` — tolerance or exactness, method marks per step, a share per
dimension or entry, the section's choice policy, rubric points), so every key a TA may
hold says the same. The TA key prints the full worked solution when a question has few
variants (pinned params, concept items) and otherwise a table of answers per variant; the
worked solutions of those are in each variant's own key.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import CHOICE_KINDS, Entry, Paper, Part, Question
from ._key_text import grading_notes, number, options, right_letters
from ._lms import is_number
from ._typst_paper import doc_frame, lit, md, part_label, plural, question_heading, text
from .typst_markup import markup

__all__ = ["FULL_SOLUTIONS_UP_TO", "TABLE_UP_TO", "answer_content", "key_body", "ta_key_body"]

#: A TA key question with at most this many distinct variants shows each worked solution.
FULL_SOLUTIONS_UP_TO = 3
# A question drawn per student in a class of 300 has 300 variants: a table of them all is
# hundreds of rows a TA never reads (and costs gigabytes to lay out); past this many the
# TA key shows the first variant worked out and points to each student's own key.
TABLE_UP_TO = 40


def _scalar(value: Any, *, both: bool = True) -> str:
    """One value: `number` of the Markdown key (0.1875 = 3/16, log(9) ≈ 2.19722); in a
    list or table cell only the decimal when it is exact."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not is_number(value):
        return str(value)
    shown = number(value)
    return shown if both or "≈" in shown else shown.split(" = ")[0]


def _nested(value: Any) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(_nested(v) for v in value) + ")"
    if isinstance(value, dict) and not is_number(value):
        return "; ".join(f"{k}: {_nested(v)}" for k, v in value.items())
    return _scalar(value, both=False)


def _json(value: Any) -> Any:
    """A design as the student would write it: numbers as JSON numbers, exact strings
    ("1/3") only where no decimal is exact."""
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict) and not is_number(value):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, dict):
        shown = _scalar(value, both=False)
        return shown.split(" ≈ ")[0] if "≈" in shown else value["value"]
    return value


def _cell(v: Any) -> str:
    if isinstance(v, list) and all(isinstance(x, int) for x in v):
        return " × ".join(map(str, v))
    return _nested(v)


def answer_content(part: Part) -> str:
    """The key answer of a part as Typst content: the boxes to check, a grid for a matrix,
    a table for rows, one valid design as code, the model answer of a short answer."""
    kind, a = part.kind, part.answer
    if kind in CHOICE_KINDS:
        right = set(right_letters(part))
        rows = [f"#block(above: 0.4em, [{'#dl-crossed' if part_label(i) in right else '#dl-tick'} #h(1mm) "
                f"*{part_label(i)})* {md(o)[1:-1]}])" for i, o in enumerate(options(part))]
        return "[" + "\n".join(rows) + "]"
    if kind == "text":
        return f"[_Model answer:_ {md(str(a))[1:-1]}]"
    if kind == "design":
        return f"[One valid design: #raw({lit(json.dumps(_json(a), ensure_ascii=False))})]"
    if kind == "shape":
        return f"[{text(' × '.join(map(str, a)))}]"
    if is_number(a) or not isinstance(a, list | dict):
        return f"[{text(_scalar(a))}]"
    if kind == "matrix" and a and all(isinstance(r, list) for r in a):
        cells = ", ".join(lit(_scalar(v, both=False)) for row in a for v in row)
        return f"[#table(columns: {len(a[0])}, align: right, {cells})]"
    if isinstance(a, list) and a and all(isinstance(r, dict) and not is_number(r) for r in a):
        cols = list(a[0])
        head = ", ".join(f"[*{text(c)}*]" for c in cols)
        cells = ", ".join(lit(_cell(r.get(c))) for r in a for c in cols)
        return f"[#table(columns: {len(cols)}, {head}, {cells})]"
    if isinstance(a, dict):
        return "[" + " \\ ".join(f"#raw({lit(str(k))}): {text(_nested(v))}" for k, v in a.items()) + "]"
    return f"[{text(_nested(a))}]"


def notes_content(part: Part, policy: str, calculator: bool) -> str:
    """The grading notes (shared with the Markdown and HTML keys) as one content block."""
    return "[" + " ".join(markup(n) + " " for n in grading_notes(part, policy, calculator)).strip() + "]"


def _origin(q: Question) -> str:
    if q.topic == "bank":
        return f"concept item {q.title}"
    return f"{q.topic}, seed {q.seed}" if q.seed is not None else f"{q.topic}, pinned params"


def key_parts(q: Question, policy: str, end: str | None = None) -> list[str]:
    out = []
    for i, part in enumerate(q.parts):
        prompt = md(part.prompt, end=end if i == len(q.parts) - 1 else None)
        notes = notes_content(part, policy, q.calculator)
        marks = lit(plural(part.marks, "mark"))
        out.append(f"#dl-key-part({lit(part_label(i))}, {marks}, {prompt}, {answer_content(part)}, "
                   f"{notes})")
    return out


def solution(q: Question, end: str | None = None) -> list[str]:
    out = ["#block(above: 1.2em, below: 0.4em, sticky: true, text(weight: \"bold\", [Worked solution]))"]
    last = len(q.solution) - 1
    out += [f"#dl-step({lit(s.title)}, {md(s.text, end=end if i == last else None)})"
            for i, s in enumerate(q.solution)]
    return out


def key_question(entry: Entry, policy: str, prompt: bool = True) -> str:
    q = entry.question
    out = [question_heading(entry, _origin(q))]
    out.append(f"#dl-meta([{text('Calculator allowed.' if q.calculator else 'No calculator.')}])")
    if prompt:
        out.append(f"#block(above: 0.5em, width: 100%, {md(q.prompt)})")
    out += key_parts(q, policy, end=None if q.solution else entry.number)
    out += solution(q, end=entry.number)
    return "\n".join(out)


def key_body(paper: Paper) -> str:
    info = paper.exam
    total = info.total_marks or paper.marks
    marks = plural(total, "mark")
    out = [doc_frame(paper, "answer key"),
           f"#align(center, text(size: 16pt, weight: \"bold\", {lit('Answer key: ' + info.title)}))",
           f"#align(center, text(size: 10pt, {lit(f'{info.course} · {info.date}'.strip(' ·'))}))",
           f"#dl-meta([{text(f'Variant of {paper.student_name} ({paper.student_id}), seed {paper.seed}; ')}"
           f"{text(f'{marks} in all.')}])"]
    for section in paper.sections:
        if section.title:
            out.append(f"#dl-section({lit(section.title)}, none)")
        out += [key_question(e, section.policy) for e in section.entries]
    return "\n".join(out) + "\n"


def _variant_id(q: Question) -> str:
    d = q.to_dict()
    d.pop("seed")
    return json.dumps(d, sort_keys=True)


def ta_key_body(papers: list[Paper]) -> tuple[str, int]:
    """The TA key's source, and its size in question-variants printed (for the page guess).
    Questions follow the first paper (lined up by `Entry.key`, so shuffled papers group
    right); variants are numbered in roster order of their first student, so the tables
    read like the roster."""
    first = papers[0]
    order = [(e, s.policy) for s in first.sections for e in s.entries]
    variants: dict[str, dict[str, tuple[Question, list[str]]]] = {e.key: {} for e, _ in order}
    for paper in papers:
        for e in paper.entries:
            bucket = variants.setdefault(e.key, {})
            student = paper.student_id + ("" if e.number == _number(first, e.key) else f" (Q{e.number})")
            bucket.setdefault(_variant_id(e.question), (e.question, []))[1].append(student)
    info = first.exam
    intro = (f"{plural(len(papers), 'paper')}. Question by question, each distinct variant once with the "
             "students who have it (a student's question number is given when it differs). Questions with "
             f"more than {FULL_SOLUTIONS_UP_TO} variants show a table of answers, and past {TABLE_UP_TO} "
             "variants the first one worked out; every variant's worked solution is in its student's "
             "own answer key.")
    out = [doc_frame(Paper(info, "all students", "", "", ()), "TA key"),
           f"#align(center, text(size: 16pt, weight: \"bold\", {lit('TA answer key: ' + info.title)}))",
           f"#dl-meta([{text(intro)}])"]
    units = 1
    for entry, policy in order:
        bucket = variants[entry.key]
        out.append(question_heading(entry, plural(len(bucket), "variant")))
        if len(bucket) <= FULL_SOLUTIONS_UP_TO:
            for i, (q, who) in enumerate(bucket.values(), 1):
                label = f"Variant {entry.number}.{i} ({_origin(q)}): {', '.join(who)}"
                out.append(f"#block(above: 1.2em, sticky: true, text(weight: \"bold\", {lit(label)}))")
                out.append(f"#block(above: 0.5em, width: 100%, {md(q.prompt)})")
                end = entry.number if i == len(bucket) else None
                out += key_parts(q, policy, end=None if q.solution else end) + solution(q, end=end)
                units += 1
        else:
            q0 = next(iter(bucket.values()))[0]
            out.append(f"#block(above: 0.5em, text(weight: \"bold\", {lit('Grading notes')}))")
            worded = (f"Worded for variant {entry.number}.1; every variant is marked alike against its own "
                      "key.")
            out.append(f"#dl-meta([{text(worded)}])")
            out += [f"#dl-meta([*({part_label(i)})* {notes_content(p, policy, q0.calculator)[1:-1]}])"
                    for i, p in enumerate(q0.parts)]
            if len(bucket) <= TABLE_UP_TO:
                out.append(_variant_table(entry.number, q0, bucket))
                units += 1 + len(bucket) // 25
            else:
                many = (f"{len(bucket)} variants, too many to list: variant {entry.number}.1 below shows the "
                        "method; each student's answer key (keys/<id>.pdf) has their own numbers.")
                who = next(iter(bucket.values()))[1]
                out.append(f"#dl-meta([{text(many)}])")
                out.append(f"#block(above: 1.2em, sticky: true, text(weight: \"bold\", "
                           f"{lit(f'Variant {entry.number}.1 ({_origin(q0)}): ' + ', '.join(who))}))")
                out.append(f"#block(above: 0.5em, width: 100%, {md(q0.prompt)})")
                out += key_parts(q0, policy, end=None) + solution(q0, end=None)
                units += 2
            out.append(f"#dl-end({lit(entry.number)})")
    return "\n".join(out) + "\n", units


def _number(paper: Paper, key: str) -> str:
    return next((e.number for e in paper.entries if e.key == key), "")


def _variant_table(number: str, q0: Question, bucket: dict[str, tuple[Question, list[str]]]) -> str:
    head = ["[*Variant*]", "[*Students*]"] + [f"[*({part_label(i)})*]" for i in range(len(q0.parts))]
    cells: list[str] = []
    for i, (q, who) in enumerate(bucket.values(), 1):
        cells += [lit(f"{number}.{i}"), lit(", ".join(who))]
        cells += [answer_content(p) for p in q.parts]
    cols = "(auto, 24mm" + ", auto" * len(q0.parts) + ")"
    return (f"#table(columns: {cols}, inset: 4pt, table.header({', '.join(head)}), {', '.join(cells)})")
