"""From a `Grading` to what `analysis.analyse` reads: a score matrix, variant labels, choices.

    data = analysis_input(grading)
    analyse(data.scores, data.max_marks, part_ids=data.part_ids, variants=data.variants,
            choices=data.choices)

Only the Grading itself is read, never `grading.papers` (papers may be loaded lazily from
disk, and 10,000 of them are not worth re-reading for statistics): each `PartResult` carries
the variant label and the option texts the student saw, `Grading.titles` the question titles
and `Grading.variant_params` each variant's params.

Decisions, so that an instructor can read the result:
- one column per (question, part), id "<question key>.<part>" ("s1q3.b"): the key is the same
  for every student, while printed numbers move when a section shuffles its questions; the
  columns follow the spec's question order (`Grading.question_keys`), `Column.number` is that
  order and `Column.title` the question's title. Bonus parts are left out unless asked for:
  they are not part of the exam's total that α and discrimination are about;
- marks stay Fractions. A part awaiting a TA is None (missing); a blank answer is 0, because
  the student chose not to answer. A mark that is not a number in 0…out-of is None and noted;
- a question has variants when students had different variant labels (`results.variant_label`:
  a bank item's id, else a hash of the params). A student's label is that of their first part
  of the question; an empty label is unknown. A bank pick's title is its item id, so when
  several items were drawn the title says "varies" and names a few of them;
- choice parts: the letters a student checked are read with `parse.read` (unreadable → no
  answer) and turned into the option TEXT of that student's own order (`PartResult.options`),
  since options may be shuffled per student; the text is the option's identity, so counts add
  up across students, and the key's letters (`PartResult.key`) are turned into text the same
  way. True/false parts have no option texts: their options are "true" and "false". A choice
  part that carries no options is counted by letter, and a note says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..model import CHOICE_KINDS
from .analysis import Responses
from .parse import read
from .results import Grading, PartResult

__all__ = ["AnalysisInput", "Column", "analysis_input"]

_EXAMPLES = 3  # student ids (or items) named in one note

Cells = list[dict[tuple[str, str], PartResult]]  # per student: (question, part) → result


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


def _as_fraction(value: object) -> Fraction | None:
    if type(value) is Fraction:
        return value
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


def analysis_input(grading: Grading, *, include_bonus: bool = False) -> AnalysisInput:
    """The analysis' input, and notes on anything in the grading it had to leave out."""
    notes: list[str] = []
    cells: Cells = []
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
    columns, matrix_columns = [], []
    for question, part in cell_order:
        column, values = _column(grading, cells, question, part, order[question, part].kind, notes)
        if column is not None:
            columns.append(replace(column, number=spec_place.get(question, 0)))
            matrix_columns.append(values)
    scores = tuple(zip(*matrix_columns, strict=True)) if matrix_columns else tuple(() for _ in cells)
    variants, params = _variants(grading, cells, columns)
    titles = grading.titles if isinstance(grading.titles, dict) else {}
    columns = [replace(c, title=_title(titles.get(c.question), params.get(c.question))) for c in columns]
    choices = {c.id: _responses(grading, cells, c, notes) for c in columns if c.kind in CHOICE_KINDS}
    return AnalysisInput(tuple(columns), scores, variants, params, choices, tuple(notes))


def _column(grading: Grading, cells: Cells, question: str, part: str, kind: str,
            notes: list[str]) -> tuple[Column | None, list[Fraction | None]]:
    """The column's marks, scaled to one maximum if papers differ in what the part is out of.
    Fractions are compared through their integer numerators and denominators (hashing and
    comparing 250,000 Fractions costs seconds)."""
    part_id = f"{question}.{part}"
    results = [cell.get((question, part)) for cell in cells]
    limits = [_as_fraction(r.out_of) if r is not None else None for r in results]
    out_of = {(f.numerator, f.denominator): f for f in limits if f is not None and f.numerator > 0}
    if not out_of:
        notes.append(f"part {part_id} is out of 0 marks on every paper, so it is left out of the analysis")
        return None, []
    top = max(out_of.values())
    if len(out_of) > 1:
        shown = ", ".join(str(v) for v in sorted(out_of.values()))
        notes.append(f"part {part_id} is out of different marks on different papers ({shown}); "
                     f"its marks are scaled to {top}")
    values: list[Fraction | None] = []
    bad: list[str] = []
    awaiting = 0
    for student, result, limit in zip(grading.students, results, limits, strict=True):
        if result is None:
            values.append(None)
        elif result.status == "awaiting_ta":
            awaiting += 1
            values.append(None)
        elif (mark := _as_fraction(result.marks)) is None or limit is None or not _within(mark, limit):
            bad.append(student.student_id)
            values.append(None)
        elif limit.numerator == top.numerator and limit.denominator == top.denominator:
            values.append(mark)
        else:
            values.append(mark * top / limit)
    if bad:
        notes.append(f"part {part_id}: {len(bad)} mark(s) are not a number from 0 to the part's marks "
                     f"(students {_named(bad)}); they are left out as missing")
    return Column(part_id, question, part, kind, 0, "", top, awaiting), values


def _within(mark: Fraction, limit: Fraction) -> bool:
    """0 ≤ mark ≤ limit and limit > 0, in integers (denominators are positive)."""
    return (limit.numerator > 0 and mark.numerator >= 0
            and mark.numerator * limit.denominator <= limit.numerator * mark.denominator)


def _title(title: object, params: dict[str, Any] | None) -> str:
    """The question's title; for a bank pick of several items (title = item id) "varies"."""
    text = title if isinstance(title, str) else ""
    items = sorted(params or {})
    if len(items) > 1 and all(isinstance(p, dict) and set(p) == {"item"} and p["item"] == label
                              for label, p in (params or {}).items()):
        return f"varies ({len(items)} items: {_named(items)})"
    return text


Labels = dict[str, tuple[str | None, ...]]


def _variants(grading: Grading, cells: Cells,
              columns: Sequence[Column]) -> tuple[Labels, dict[str, dict[str, Any]]]:
    """Each student's variant label per question that has more than one, and their params."""
    parts_of: dict[str, list[str]] = {}
    for c in columns:
        parts_of.setdefault(c.question, []).append(c.part)
    known = grading.variant_params if isinstance(grading.variant_params, dict) else {}
    by_question: Labels = {}
    params: dict[str, dict[str, Any]] = {}
    for question, parts in parts_of.items():
        labels = tuple(_label(mine, question, parts) for mine in cells)
        seen = sorted({label for label in labels if label is not None})
        if len(seen) > 1:
            given = known.get(question)
            given = given if isinstance(given, dict) else {}
            by_question[question] = labels
            params[question] = {label: given.get(label) for label in seen}
    return {c.id: by_question[c.question] for c in columns if c.question in by_question}, params


def _label(mine: dict[tuple[str, str], PartResult], question: str, parts: list[str]) -> str | None:
    for part in parts:
        result = mine.get((question, part))
        if result is not None:
            return result.variant if isinstance(result.variant, str) and result.variant else None
    return None


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


def _responses(grading: Grading, cells: Cells, column: Column, notes: list[str]) -> Responses:
    """Each student's checked options of a choice part, by option text, with the key's texts."""
    picks: list[frozenset[str] | None] = []
    offered: dict[str, None] = {"true": None, "false": None} if column.kind == "true_false" else {}
    key: dict[str, None] = {}
    by_letter: list[str] = []
    reader = _Reader(column.kind)
    for student, cell in zip(grading.students, cells, strict=True):
        result = cell.get((column.question, column.part))
        if result is None:
            picks.append(None)
            continue
        options = reader.options(result.options)
        if column.kind == "true_false":
            truth = _truth(result.key)
            key.update(dict.fromkeys([truth] if truth else []))
        else:
            offered.update(dict.fromkeys(options))
            key.update(dict.fromkeys(reader.key(result.key, options)))
            if not options and isinstance(result.answer, str) and result.answer.strip():
                by_letter.append(student.student_id)
        picks.append(reader.pick(result.answer, options))
    if by_letter:
        notes.append(f"part {column.id}: no options recorded for students {_named(by_letter)}, so their "
                     "choices are counted by letter, not by option text")
    return Responses(tuple(picks), tuple(offered), tuple(key))


class _Reader:
    """Reads one choice part's answers and keys as option texts, each distinct (answer, option
    order) once: 10,000 students write a few dozen distinct answers in a hundred orders."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._keys: dict[tuple[Any, tuple[str, ...]], list[str]] = {}
        self._picks: dict[tuple[str, tuple[str, ...]], frozenset[str] | None] = {}

    @staticmethod
    def options(given: Any) -> tuple[str, ...]:
        """The option texts a student saw (anything that is not text is dropped)."""
        if not isinstance(given, tuple | list):
            return ()
        return tuple(o for o in given if isinstance(o, str))

    def key(self, given: Any, options: tuple[str, ...]) -> list[str]:
        letters = _letters(given)
        at = (tuple(letters), options)
        if at not in self._keys:
            self._keys[at] = _texts(letters, options)
        return self._keys[at]

    def pick(self, answer: Any, options: tuple[str, ...]) -> frozenset[str] | None:
        if not isinstance(answer, str):
            return None
        at = (answer, options)
        if at not in self._picks:
            reading = read(self.kind, answer, options=len(options) or None)
            value = reading.value if reading.ok else None  # unreadable: no letters, so no answer
            self._picks[at] = (frozenset({"true" if value else "false"}) if isinstance(value, bool)
                               else frozenset(_texts(_letters(value), options)) or None)
        return self._picks[at]
