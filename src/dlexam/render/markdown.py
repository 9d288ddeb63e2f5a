"""A Question as Markdown with LaTeX math: the prompt, the parts to answer, and (for a
key) the answers and the worked solution. Reads the model only."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from ..bank import Item
from ..model import Question

__all__ = ["answer_text", "item_to_markdown", "to_markdown"]


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
