"""What an answer key says, as Markdown: each part's answer (exact and decimal) and the
grading notes a TA marks by. The HTML and Markdown keys print the same words.

    number(x)                      7 · 0.1875 = 3/16 · 1/3 ≈ 0.333333 · log(9) ≈ 2.19722
    answer_markdown(part)          the whole answer: 2 × 12 × 8, (0.5, 1.5), [[1, 2], [3, 4]], "(b) …"
    grading_notes(part, policy, calculator)   one Markdown line per note
    policy_text(policy)            a section's multiple-choice rule in words
    MARKING_RULE                   how a student checks, cancels and re-checks a box on paper

Tolerances are the exports' (`_lms.num`): an integer is exact; a terminating decimal accepts
half a unit in its last decimal (on a calculator question at least 0.1 % of the key); an
irrational or repeating value accepts 0.1 %. Choice policies match the Moodle export:
all-or-nothing, per option (a share per right box, a share off per wrong box) and negative
(the same share off per wrong box), never below zero.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..model import CHOICE_KINDS, Part
from ._lms import is_number, num, plain

__all__ = ["MARKING_RULE", "answer_markdown", "blank_markdown", "escape", "grading_notes", "number",
           "options", "policy_text", "right_letters"]

MARKING_RULE = ("To check a box, put a cross (×) in it. To cancel a cross, fill the box in completely. To "
                "check a filled box again, draw a cross just beside it.")

_POLICIES = {
    "all_or_nothing": "all or nothing: full marks only when exactly the right boxes are checked, otherwise 0",
    "per_option": ("per option: each right box checked earns its share of the marks, each wrong box checked "
                   "takes a share away (checking every box earns nothing); never below 0"),
    "negative": ("negative marking: each right box checked earns its share of the marks and each wrong box "
                 "checked takes the same share away; never below 0"),
}


def policy_text(policy: str) -> str:
    """A section's multiple-choice scoring rule, in a sentence fragment."""
    return _POLICIES.get(policy, policy)


def number(x: Any) -> str:
    """A JSON number as a key shows it: exact and decimal when they differ."""
    if isinstance(x, bool) or not is_number(x):
        return str(x)
    if not isinstance(x, dict):
        return str(x) if isinstance(x, int) else repr(x)
    exact, value = str(x["exact"]).replace(" ", ""), float(x["value"])
    try:
        f: Fraction | None = Fraction(exact)
    except (ValueError, ZeroDivisionError):
        f = None
    if f is not None and f.denominator == 1:
        return str(f.numerator)
    decimal = num(x).text
    if f is not None and Fraction(Decimal(decimal)) == f:
        return f"{decimal} = {exact}"
    return f"{exact} ≈ {float(f'{value:.6g}')!r}"


def right_letters(part: Part) -> list[str]:
    """The letters a choice part wants checked (true/false: "a" is True, "b" False)."""
    if part.kind == "true_false":
        return ["a" if part.answer else "b"]
    return [part.answer] if part.kind == "choice" else [str(a) for a in part.answer]


def options(part: Part) -> tuple[str, ...]:
    """The boxes a choice part shows: its options, or True and False."""
    return ("True", "False") if part.kind == "true_false" else part.options


def _value(answer: Any, kind: str, leaf: Any = None) -> str:
    """`answer` as text: a shape as 2 × 3, a vector as (1, 2), other lists in brackets, a
    dict as `key: value` pairs; `leaf(x)` prints each number or string (default: `number`)."""
    show = leaf or (lambda x: number(x) if is_number(x) else str(x))
    if is_number(answer) or not isinstance(answer, list | dict):
        return str(show(answer))
    if isinstance(answer, list):
        flat = all(is_number(a) for a in answer)
        if kind == "shape" and flat:
            return " × ".join(show(a) for a in answer)
        inner = ", ".join(_value(a, kind, show) for a in answer)
        return f"({inner})" if flat else f"[{inner}]"
    return "; ".join(f"{k}: {_value(v, 'shape' if k == 'shape' else kind, show)}" for k, v in answer.items())


def blank_markdown(part: Part, givens: str) -> str:
    """The answer's layout with a box ☐ for every number (and every string the question does
    not show), for a Markdown paper: ☐ × ☐ × ☐, (☐, ☐), [(☐, ☐), (☐)]."""
    if part.kind in ("integer", "number", "text", "design") or part.kind in CHOICE_KINDS:
        return "☐" if part.kind in ("integer", "number") else ""

    def box(x: Any) -> str:
        return escape(x) if isinstance(x, str) and x and x in givens else "☐"

    return _value(part.answer, part.kind, box)


def _table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
    lines += ["| " + " | ".join(escape(_value(r[k], "shape" if k == "shape" else "")) for k in keys) + " |"
              for r in rows]
    return "\n".join(lines)


_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$#&"})


def escape(text: str) -> str:
    """Plain text as Markdown that prints it unchanged (no emphasis, math, code or HTML)."""
    return text.translate(_SPECIAL)


def answer_markdown(part: Part) -> str:
    """The part's answer as Markdown (a table for rows of a table part, code for a design)."""
    if part.kind in CHOICE_KINDS:
        opts = options(part)
        return "; ".join(f"({k}) {opts[ord(k) - ord('a')]}" for k in right_letters(part))
    if part.kind == "text":
        return str(part.answer)
    if part.kind == "design":
        return "`" + json.dumps(part.answer, ensure_ascii=False) + "`"
    a = part.answer
    if isinstance(a, list) and a and all(isinstance(r, dict) for r in a) and len({tuple(r) for r in a}) == 1:
        return _table(a)
    return escape(_value(a, part.kind))


def _marks(m: Fraction) -> str:
    s = str(m) if m.denominator == 1 else f"{float(m):.3g}"
    return f"{s} mark" + ("" if m == 1 else "s")


def _numbers(answer: Any) -> list[Any]:
    if is_number(answer):
        return [answer]
    if isinstance(answer, list):
        return [n for a in answer for n in _numbers(a)]
    if isinstance(answer, dict):
        return [n for a in answer.values() for n in _numbers(a)]
    return []


def _tolerance(x: Any, calculator: bool) -> str:
    """What a written answer may be: exact (equivalent forms named) when it is an integer or a
    terminating decimal without a calculator; else the key within its tolerance."""
    n = num(x, calculator)
    others = [s for s in n.spellings if "/" in s]
    also = f" (or {', '.join(others)})" if others else ""
    if n.tolerance == 0 or (not calculator and n.text in n.spellings):
        return f"exactly {n.text}{also}"
    return f"{n.text} ± {plain(n.tolerance)}{also}"


_METHOD = ("If the result is wrong, give method marks for each correct step of the worked solution; "
           "an error carried forward from an earlier part costs marks only once.")


def grading_notes(part: Part, policy: str, calculator: bool) -> list[str]:
    """What earns the part's marks, and what earns some of them."""
    marks = Fraction(part.marks)
    values = _numbers(part.answer)
    if part.kind in CHOICE_KINDS:
        k, n = len(right_letters(part)), len(options(part))
        share = f"{_marks(marks / k)} per right box" if k else ""
        off = ""
        if policy == "negative" and k:
            off = f"; {_marks(marks / k)} off per wrong box"
        elif policy == "per_option" and n > k:
            off = f"; {_marks(marks / (n - k))} off per wrong box"
        detail = f" ({share}{off})" if policy != "all_or_nothing" and share else ""
        return [f"Section rule — {policy_text(policy)}{detail}."]
    if part.kind == "text":
        notes = [f"[{c.points}] {c.text}" for c in part.rubric]
        return [*notes, "Each rubric point is earned on its own; any wording that makes the point earns it."]
    if part.kind == "design":
        return ["Any design that passes the check earns full marks: run it (or trace it row by row); the key "
                "shows one valid design.",
                "Partial marks: the right structure (e.g. one unit per boundary line) with a sign or bias "
                "slip earns up to half."]
    if part.kind == "shape":
        each = _marks(marks / len(values)) if values else ""
        return [f"Per dimension: each of the {len(values)} sizes right earns {each}; batch and channels "
                "count.",
                "A size that is off by the rounding (floor vs ceil) is wrong."]
    if part.kind == "integer" and len(values) == 1:
        return [f"Full marks for {_tolerance(values[0], calculator)}: no rounding is involved.", _METHOD]
    if len(values) == 1:
        return [f"Full marks for {_tolerance(values[0], calculator)}.", _METHOD]
    integers = all(num(v).tolerance == 0 for v in values)
    rule = ("each must be exact" if integers else "each within its tolerance: integers exact, a terminating "
            "decimal within half a unit in its last place" + (" or 0.1 %" if calculator else "")
            + ", any other value within 0.1 %")
    return [f"{len(values)} numbers, {rule}; marks in proportion to the entries right "
            f"({_marks(marks / len(values))} each), rounded to the nearest half mark." if values else
            "Compare with the key entry by entry.", _METHOD]
