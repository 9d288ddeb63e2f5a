"""A Question as Markdown with LaTeX math: the prompt, the parts to answer, and (for a
key) the answers and the worked solution; and a whole student's paper or answer key
(`paper_markdown`: cover, marks table, sections, questions with a ☐ per number to fill
in, and for the key the answers, grading notes and worked solutions — the same words as
the HTML key, from `_key_text`). Reads the model only."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from ..bank import Item
from ..model import CHOICE_KINDS, Entry, Paper, Question

__all__ = ["answer_text", "item_to_markdown", "paper_markdown", "to_markdown"]


def _exact_text(answer: dict[str, Any]) -> str:
    """A terminating fraction as its decimal (0.1875); anything else exact, with ≈."""
    exact, value = str(answer["exact"]), answer["value"]
    try:
        if Fraction(exact) == Fraction(repr(value)):
            return repr(value)
    except ValueError:
        pass  # symbolic, e.g. log(9)
    return f"{exact} (≈ {value:.10g})"


def answer_text(answer: Any, kind: str = "") -> str:
    """A JSON answer as a reader wants it: 0.1875, 1/3 (≈ 0.3333333333), a shape as 2 × 12 × 8."""
    if isinstance(answer, dict) and "exact" in answer:
        return _exact_text(answer)
    if kind == "shape":
        return " × ".join(map(str, answer))
    if isinstance(answer, list | dict):
        return "`" + json.dumps(_plain(answer), ensure_ascii=False) + "`"
    return str(answer)


def _plain(answer: Any) -> Any:
    if isinstance(answer, dict) and "exact" in answer:
        text = _exact_text(answer)
        return answer["value"] if text == repr(answer["value"]) else answer["exact"]
    if isinstance(answer, list):
        return [_plain(a) for a in answer]
    if isinstance(answer, dict):
        return {k: _plain(v) for k, v in answer.items()}
    return answer


def to_markdown(q: Question, *, solution: bool = True) -> str:
    lines = [f"## {q.title}", ""]
    aids = "a calculator is allowed" if q.calculator else "no calculator needed"
    origin = f"seed {q.seed}" if q.seed is not None else "pinned params"
    lines += [f"*Topic `{q.topic}`, {origin}; {aids}; {q.marks} marks.*", "", q.prompt, ""]
    for i, part in enumerate(q.parts):
        label = chr(ord("a") + i)
        marks = f"{part.marks} mark{'s' if part.marks != 1 else ''}"
        lines.append(f"**({label})** {part.prompt} *[{marks}]*")
        lines.append("")
    if solution:
        lines += ["### Answer key", ""]
        for i, part in enumerate(q.parts):
            lines.append(f"- **({chr(ord('a') + i)}) `{part.id}`:** {answer_text(part.answer, part.kind)}")
        lines += ["", "### Worked solution", ""]
        for step in q.solution:
            lines += [f"**{step.title}.** {step.text}", ""]
    return "\n".join(lines).rstrip() + "\n"


def item_to_markdown(item: Item, *, key: bool = True) -> str:
    """A concept item as Markdown: the question, its options and, for a key, the answer,
    the explanation and the rubric."""
    kind = {"true_false": "true or false", "single": "choose one", "multi": "choose all that apply",
            "short": "short answer"}[item.kind]
    marks = f"{item.marks} mark{'s' if item.marks != 1 else ''}"
    lines = [f"## `{item.id}`", "", f"*{item.level}, {kind}, {marks}; tags: {', '.join(item.tags)}.*", "",
             item.text, ""]
    lines += [f"- **{k})** {option}" for k, option in item.lettered_options()]
    if key:
        lines += ["", "### Key", "", item.key_text(), "", "### Explanation", "", item.explanation]
        if item.rubric:
            lines += ["", "### Rubric", ""]
            lines += [f"- [{r.points}] {r.text}" for r in item.rubric]
    return "\n".join(lines).rstrip() + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _keys() -> Any:
    """`_key_text`, imported on first use: it builds on `_lms`, which imports this module."""
    from . import _key_text

    return _key_text


def _figure_markdown(q: Question) -> list[str]:
    """The question's SVG figure as an inline data-URI image (no file, no URL to fetch)."""
    try:
        from .figures import figure
    except ImportError:  # pragma: no cover - figures are part of the package
        return []
    svg = figure(q)
    if not svg:
        return []
    import base64
    import re

    title = re.search(r"<title>(.*?)</title>", svg, re.S)
    alt = _keys().escape(title.group(1)) if title else "figure"
    return [f"![{alt}](data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()})", ""]


def _entry_markdown(entry: Entry, policy: str, key: bool) -> list[str]:
    k_ = _keys()
    escape = k_.escape
    q = entry.question
    tags = ["calculator allowed" if q.calculator else "no calculator", _plural(entry.marks, "mark")]
    if entry.bonus:
        tags.append("bonus")
    lines = [f"### Question {escape(entry.number)}", "", f"*{' · '.join(tags)}*", ""]
    if key:
        origin = (f"concept item `{q.params.get('item', '')}`" if q.topic == "bank" else
                  f"topic `{q.topic}`, " + (f"seed {q.seed}" if q.seed is not None else "pinned params"))
        lines += [f"*Key for {origin}.*", ""]
    lines += [q.prompt, "", *_figure_markdown(q)]
    givens = q.prompt + "\n" + "\n".join(p.prompt for p in q.parts)
    for i, part in enumerate(q.parts):
        label = f"**({chr(ord('a') + i)})** " if len(q.parts) > 1 else ""
        marks = f" *[{_plural(part.marks, 'mark')}]*" if len(q.parts) > 1 else ""
        lines += [f"{label}{part.prompt}{marks}", ""]
        if part.kind in CHOICE_KINDS:
            right = set(k_.right_letters(part)) if key else set()
            letters = "abcdefghijklmnopqrstuvwxyz"
            lines += [f"- [{'x' if k in right else ' '}] **{k})** {o}"
                      for k, o in zip(letters, k_.options(part), strict=False)]
            lines.append("")
        if key:
            answer = k_.answer_markdown(part)
            lines += ([f"**Answer:** {answer}"] if "\n" not in answer else ["**Answer:**", "", answer]) + [""]
            notes = k_.grading_notes(part, policy, q.calculator)
            lines += ["**Grading:**", "", *(f"- {n}" for n in notes), ""]
        elif part.kind not in CHOICE_KINDS:
            blank = k_.blank_markdown(part, givens)
            lines += [f"*Answer:* {blank}" if blank else "*Answer:*", ""]
    if key and q.solution:
        lines += ["#### Worked solution", ""]
        for step in q.solution:
            lines += [f"**{step.title}.** {step.text}", ""]
    return lines


def paper_markdown(paper: Paper, *, key: bool = False) -> str:
    """One student's paper (or, with `key`, its answer key) as Markdown with LaTeX math."""
    k_ = _keys()
    escape = k_.escape
    info = paper.exam
    bonus = sum(e.marks for e in paper.entries if e.bonus)
    total = _plural(paper.marks, "mark") + (f" (+ {bonus} bonus)" if bonus else "")
    lines = [f"# {escape(info.title)}{' — answer key' if key else ''}", "", f"*{escape(info.course)}*", "",
             "| | |", "| --- | --- |", f"| Student | {escape(paper.student_name)} |",
             f"| Student id | {escape(paper.student_id)} |"]
    if info.date:
        lines.append(f"| Date | {escape(info.date)} |")
    if info.duration_minutes:
        lines.append(f"| Duration | {_plural(info.duration_minutes, 'minute')} |")
    lines += [f"| Allowed aids | {escape(info.aids) or 'none'} |", f"| Total | {total} |"]
    if key:
        lines.append(f"| Variant seed | `{paper.seed}` |")
    lines.append("")
    if info.instructions:
        lines += ["**Instructions.**", "", info.instructions, ""]
    choice_sections = [s for s in paper.sections
                       if any(p.kind in CHOICE_KINDS for e in s.entries for p in e.question.parts)]
    if choice_sections:
        lines += [f"**Multiple choice.** {k_.MARKING_RULE} How the boxes are scored depends on the section:",
                  ""]
        lines += [f"- **{escape(s.title)}**: {k_.policy_text(s.policy)}." for s in choice_sections] + [""]
    lines += ["| Question | Section | Marks | Scored |", "| --- | --- | --- | --- |"]
    for s in paper.sections:
        for e in s.entries:
            tag = " (bonus)" if e.bonus else ""
            lines.append(f"| {escape(e.number)}{tag} | {escape(s.title)} | {e.marks} | |")
    lines += [f"| **Total** | | **{paper.marks}{f' + {bonus} bonus' if bonus else ''}** | |", ""]
    for s in paper.sections:
        lines += [f"## {escape(s.title)}", ""]
        for e in s.entries:
            lines += _entry_markdown(e, s.policy, key)
    return "\n".join(lines).rstrip() + "\n"
