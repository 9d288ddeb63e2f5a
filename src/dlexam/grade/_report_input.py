"""From a `Grading` to what `analysis.analyse` reads: a score matrix, variant labels, choices.

    data = analysis_input(grading)
    analyse(data.scores, data.max_marks, part_ids=data.part_ids, variants=data.variants,
            choices=data.choices)

Decisions, so that an instructor can read the result:
- one column per (question, part), id "<question key>.<part>" ("s1q3.b"): the key is the same
  for every student, while printed numbers move when a section shuffles its questions; the
  columns follow the spec's question order (`Grading.question_keys`), `Column.number` is that
  order and `Column.title` the question's title. Bonus parts are left out unless asked for:
  they are not part of the exam's total that α and discrimination are about;
- marks stay Fractions. A part awaiting a TA is None (missing); a blank answer is 0, because
  the student chose not to answer. A mark that is not a number in 0…out-of is None and noted;
- a question has variants when its params differ between students (drawn topics; bank picks,
  whose params name the item). The label is the bank item's id, else the first 8 hex digits
  of the SHA-256 of the params as JSON with sorted keys: short and the same in every run;
- choice parts: the letters a student checked are read with `parse.read` (unreadable → no
  answer) and turned into the option TEXT of that student's own paper, since options may be
  shuffled per student; the text is the option's identity, so counts add up across students.
  A student without a paper is counted by letter, and a note says so.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..model import CHOICE_KINDS, Entry, Part
from .analysis import Responses
from .parse import read
from .results import Grading, PartResult

__all__ = ["AnalysisInput", "Column", "analysis_input", "variant_label"]

_EXAMPLES = 3  # student ids named in one note


@dataclass(frozen=True)
class Column:
    """One (question, part) cell of the exam, as a column of the score matrix."""

    id: str  # "s1q3.b"
    question: str  # the entry key
    part: str
    kind: str
    number: int  # the question's place in the spec, 1-based (0 if it is not in question_keys)
    title: str
    max_marks: Fraction
    awaiting_ta: int = 0  # students whose mark for it is still to come


@dataclass(frozen=True)
class AnalysisInput:
    columns: tuple[Column, ...]
    scores: tuple[tuple[Fraction | None, ...], ...]  # students × columns
    variants: dict[str, tuple[str | None, ...]] = field(default_factory=dict)  # by column id
    variant_params: dict[str, dict[str, Any]] = field(default_factory=dict)  # question → label → params
    choices: dict[str, Responses] = field(default_factory=dict)  # by column id
    notes: tuple[str, ...] = ()  # what the instructor should know about the input

    @property
    def part_ids(self) -> list[str]:
        return [c.id for c in self.columns]

    @property
    def max_marks(self) -> list[Fraction]:
        return [c.max_marks for c in self.columns]


def variant_label(params: Any, topic: str = "") -> str:
    """A short, stable name for one variant of a question."""
    if topic == "bank" and isinstance(params, dict) and isinstance(params.get("item"), str):
        return params["item"]
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _as_fraction(value: object) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, float | Decimal) and math.isfinite(value):
        return Fraction(value)
    return None


def _named(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_EXAMPLES])
    return shown + (f" and {len(ids) - _EXAMPLES} more" if len(ids) > _EXAMPLES else "")


def _entries(grading: Grading) -> list[dict[str, Entry]]:
    """Each student's paper entries by question key (empty when the paper is not there)."""
    papers = grading.papers if isinstance(grading.papers, dict) else {}
    out = []
    for student in grading.students:
        paper = papers.get(student.student_id)
        out.append({e.key: e for e in paper.entries} if paper is not None else {})
    return out


def analysis_input(grading: Grading, *, include_bonus: bool = False) -> AnalysisInput:
    """The analysis' input, and notes on anything in the grading it had to leave out."""
    notes: list[str] = []
    cells: list[dict[tuple[str, str], PartResult]] = []
    order: dict[tuple[str, str], PartResult] = {}  # first result seen per cell, for its kind
    for student in grading.students:
        mine: dict[tuple[str, str], PartResult] = {}
        for result in student.parts:
            cell = (result.question, result.part)
            if result.bonus and not include_bonus:
                continue
            if cell in mine:
                notes.append(f"student {student.student_id}: part {result.question}.{result.part} is "
                             "listed twice; the first mark is used")
                continue
            mine[cell] = result
            order.setdefault(cell, result)
        cells.append(mine)
    spec_place = {key: i + 1 for i, key in enumerate(grading.question_keys)}
    cell_order = sorted(order, key=lambda c: (spec_place.get(c[0], len(spec_place) + 1)))
    entries = _entries(grading)
    columns, matrix_columns = [], []
    for question, part in cell_order:
        column, values = _column(grading, cells, question, part, order[question, part].kind, notes)
        if column is None:
            continue
        columns.append(replace(column, number=spec_place.get(question, 0), title=_title(entries, question)))
        matrix_columns.append(values)
    scores = tuple(zip(*matrix_columns, strict=True)) if matrix_columns else tuple(() for _ in cells)
    variants, params = _variants(entries, columns)
    choices = {c.id: _responses(grading, cells, entries, c, notes) for c in columns if c.kind in CHOICE_KINDS}
    return AnalysisInput(tuple(columns), scores, variants, params, choices, tuple(notes))


def _column(grading: Grading, cells: list[dict[tuple[str, str], PartResult]], question: str, part: str,
            kind: str, notes: list[str]) -> tuple[Column | None, list[Fraction | None]]:
    """The column's marks, scaled to one maximum if papers differ in what the part is out of."""
    part_id = f"{question}.{part}"
    out_of = Counter(f for cell in cells if (r := cell.get((question, part))) is not None
                     and (f := _as_fraction(r.out_of)) is not None and f > 0)
    if not out_of:
        notes.append(f"part {part_id} is out of 0 marks on every paper, so it is left out of the analysis")
        return None, []
    top = max(out_of)
    if len(out_of) > 1:
        shown = ", ".join(str(v) for v in sorted(out_of))
        notes.append(f"part {part_id} is out of different marks on different papers ({shown}); "
                     f"its marks are scaled to {top}")
    values: list[Fraction | None] = []
    bad: list[str] = []
    awaiting = 0
    for student, cell in zip(grading.students, cells, strict=True):
        result = cell.get((question, part))
        if result is None:
            values.append(None)
            continue
        if result.status == "awaiting_ta":
            awaiting += 1
            values.append(None)
            continue
        mark, limit = _as_fraction(result.marks), _as_fraction(result.out_of)
        if mark is None or limit is None or limit <= 0 or not 0 <= mark <= limit:
            bad.append(student.student_id)
            values.append(None)
            continue
        values.append(mark * top / limit)
    if bad:
        notes.append(f"part {part_id}: {len(bad)} mark(s) are not a number from 0 to the part's marks "
                     f"(students {_named(bad)}); they are left out as missing")
    return Column(part_id, question, part, kind, 0, "", top, awaiting), values


def _title(entries: list[dict[str, Entry]], question: str) -> str:
    titles = Counter(e[question].question.title for e in entries if question in e)
    if len(titles) <= 1:
        return next(iter(titles), "")
    names = sorted(titles)
    return f"varies ({len(names)} titles: {_named(names)})"


Labels = dict[str, tuple[str | None, ...]]


def _variants(entries: list[dict[str, Entry]],
              columns: Sequence[Column]) -> tuple[Labels, dict[str, dict[str, Any]]]:
    by_question: Labels = {}
    params: dict[str, dict[str, Any]] = {}
    for question in dict.fromkeys(c.question for c in columns):
        labels: list[str | None] = []
        seen: dict[str, Any] = {}
        for mine in entries:
            entry = mine.get(question)
            if entry is None:
                labels.append(None)
                continue
            label = variant_label(entry.question.params, entry.question.topic)
            seen.setdefault(label, entry.question.params)
            labels.append(label)
        if len(seen) > 1:
            by_question[question], params[question] = tuple(labels), dict(sorted(seen.items()))
    return {c.id: by_question[c.question] for c in columns if c.question in by_question}, params


def _paper_part(mine: dict[str, Entry], column: Column) -> Part | None:
    entry = mine.get(column.question)
    if entry is None:
        return None
    return next((p for p in entry.question.parts if p.id == column.part), None)


def _letters(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if isinstance(v, str)]
    return []


def _texts(letters: list[str], options: Sequence[str]) -> list[str]:
    """Letters as option texts; a letter beyond the options stays a letter."""
    out = []
    for letter in letters:
        index = ord(letter[0]) - ord("a") if len(letter) == 1 else -1
        out.append(options[index] if 0 <= index < len(options) else letter)
    return out


def _truth(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower()
    return None


def _responses(grading: Grading, cells: list[dict[tuple[str, str], PartResult]],
               entries: list[dict[str, Entry]], column: Column, notes: list[str]) -> Responses:
    """Each student's checked options of a choice part, by option text, with the key's texts."""
    picks: list[frozenset[str] | None] = []
    offered: dict[str, None] = {"true": None, "false": None} if column.kind == "true_false" else {}
    key: dict[str, None] = {}
    by_letter: list[str] = []
    for student, cell, mine in zip(grading.students, cells, entries, strict=True):
        result = cell.get((column.question, column.part))
        part = _paper_part(mine, column)
        options = part.options if part is not None else ()
        if column.kind == "true_false":
            truth = _truth(part.answer if part is not None else result.key if result else None)
            key.update(dict.fromkeys([truth] if truth else []))
        else:
            offered.update(dict.fromkeys(options))
            key.update(dict.fromkeys(_texts(_letters(part.answer if part is not None
                                                     else result.key if result else None), options)))
            if result is not None and not options and result.answer.strip():
                by_letter.append(student.student_id)
        picks.append(_pick(result, column.kind, options))
    if by_letter:
        notes.append(f"part {column.id}: no options on the paper of students {_named(by_letter)}, so their "
                     "choices are counted by letter, not by option text")
    return Responses(tuple(picks), tuple(offered), tuple(key))


def _pick(result: PartResult | None, kind: str, options: Sequence[str]) -> frozenset[str] | None:
    if result is None or not isinstance(result.answer, str):
        return None
    reading = read(kind, result.answer, options=len(options) or None)
    if not reading.ok:
        return None
    if isinstance(reading.value, bool):
        return frozenset({"true" if reading.value else "false"})
    chosen = _texts(_letters(reading.value), options)
    return frozenset(chosen) or None
