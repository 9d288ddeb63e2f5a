"""Scoring one answer to one part: the student's text in, marks, a status and one line of
feedback out.

    score(part, "3/16", policy="per_option")                    -> Score(1, "right", "right")
    score(part, "2x12x248x82", policy="all_or_nothing")         -> Score(3/2, "partial", "3 of 4 sizes right")
    score(part, "b, d", policy="negative")                      -> marks by the section's policy
    score(part, '{"w": [1, 1], "b": 0}', policy=…, topic="design.logic_gate", params=q.params)

The answer is read by `parse.read` (never re-parsed here). Then, by the part's kind:

  * integer, number: right or wrong, within the part's tolerance (default: `default_tolerance`,
    the rule the LMS exports and the printed key state; `calculator=True` for a calculator
    question). An explicit `tolerance` applies to every number of the part;
  * shape, vector, matrix, list, table: per-cell credit (`_score_cells`): marks × cells right /
    cells, to the nearest half mark, full marks only when every cell is right. A shape is
    always compared exactly; a table's text cells (layer names) are not marked;
  * choice, true_false: the right letter (or truth value) earns the marks;
  * choices, by the section's policy (the Moodle export's fractions, render/moodle.py), k right
    options of n, floored at 0, never above the part's marks, not rounded:
      all_or_nothing  exactly the right set → full marks, else 0;
      per_option      +marks/k per right box checked, −marks/(n−k) per wrong box checked;
      negative        +marks/k per right box checked, −marks/k per wrong box checked;
    a part whose key is no box at all is marked all or nothing under every policy;
  * design: the topic's `check(params, design)` decides: full marks or 0, its message as
    feedback. Without a topic the answer awaits a TA;
  * text (short answer): status "awaiting_ta" and 0 marks until a TA marks the rubric.

An empty answer is "blank" (0); an answer that cannot be read is "unreadable" (0) with the
reader's one-line message. No student text raises. What the caller controls does: an unknown
policy, a key that is not a number, an unknown topic raise ValueError / DlexamError.

Speed (a class is 250,000 parts): numbers are compared on `_score_tolerance`'s fast path, and
a design topic's verdict is remembered per (topic, params, design), since a check is a pure
function of those and can cost milliseconds. tests/grade/test_score_fast.py checks every
shortcut against the plain code it replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..model import POLICIES, Part
from ..topics import get_topic
from ._score_cells import Tally, half_marks, is_key_number, tally
from ._score_tolerance import EXACT, RELATIVE, TOLERANCE_KINDS, Tolerance, default_accepts, default_tolerance
from .parse import Reading, exact_key, read

__all__ = ["RELATIVE", "STATUSES", "TOLERANCE_KINDS", "Score", "Tolerance", "default_tolerance", "score"]

STATUSES = ("right", "partial", "wrong", "unreadable", "blank", "awaiting_ta",
            "carried")  # carried: marked against a key recomputed from earlier answers (grade/carry.py)
_CELLS = {"shape": "sizes", "table": "cells"}  # what a cell is called in feedback; else "entries"
_SPACE = re.compile(r"\s+")
MAX_FEEDBACK = 300  # characters
_ZERO = Fraction(0)
_ATOMS = frozenset({str, int, bool, type(None), Fraction})


@dataclass(frozen=True)
class Score:
    """What one answer to one part earns: `marks` (0 … the part's marks), a `status` from
    STATUSES, and `feedback`, one line a student can read."""

    marks: Fraction
    status: str
    feedback: str


def _one_line(text: str) -> str:
    return _short_line(text) if len(text) <= MAX_FEEDBACK else _line(text)


@lru_cache(maxsize=2048)  # most feedback is one of a few lines ("right", "3 of 4 sizes right")
def _short_line(text: str) -> str:
    return _line(text)


def _line(text: str) -> str:
    line = _SPACE.sub(" ", text).strip()
    return line if len(line) <= MAX_FEEDBACK else line[:MAX_FEEDBACK - 1] + "…"


def _make(marks: Fraction, full: Fraction, status: str, feedback: str) -> Score:
    if marks is not full and marks is not _ZERO:  # those two need no clamping (full ≥ 0)
        marks = max(_ZERO, min(marks, full))
    return Score(marks, status, _one_line(feedback))


def _graded(marks: Fraction, full: Fraction, feedback: str) -> Score:
    if marks is full or marks is _ZERO:  # the usual two, decided without comparing Fractions
        status = "right" if marks is full or full.numerator == 0 else "wrong"
    else:
        status = "right" if marks == full else "partial" if marks > 0 else "wrong"
    return _make(marks, full, status, feedback)


def score(part: Part, text: Any, *, policy: str, tolerance: Tolerance | None = None, topic: str | None = None,
          params: dict[str, Any] | None = None, locale: str = "en", calculator: bool = False) -> Score:
    """Score one answer (`text`, or a JSON value from a JSON-lines export) to `part`, under the
    section's multiple-choice `policy` (one of model.POLICIES). `topic` and `params` are the
    question's, needed for a design part; `calculator` is the question's flag (it widens the
    default tolerance of terminating decimals). See the module's rules."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    full = Fraction(max(part.marks, 0))
    checker = get_topic(topic) if part.kind == "design" and topic is not None else None
    if checker is not None and not checker.checks_designs:
        raise ValueError(f"topic {topic} has no design check, so it cannot mark part {part.id!r}")
    if checker is not None and params is None:
        raise ValueError(f"part {part.id!r}: a design is checked against the question's params; give params")
    if part.kind == "text" and isinstance(text, str) and text.strip():
        return _make(_ZERO, full, "awaiting_ta", "awaiting a TA's marks against the rubric")
    options = len(part.options) if part.kind in ("choice", "choices") and part.options else None
    reading = read(part.kind, text, locale=locale, expected=part.answer, options=options)
    if reading.blank:
        return _make(_ZERO, full, "blank", "no answer given")
    if not reading.ok:
        return _make(_ZERO, full, "unreadable", f"could not read the answer: {reading.error}")
    try:
        return _judge(part, reading, full, policy, tolerance, checker, params, calculator)
    except Exception as e:  # a read value the comparison cannot handle must not crash the grader
        _check_key(part.answer)  # … but a broken key is ours, and must be loud
        why = f"the answer could not be compared ({type(e).__name__})"
        return _make(_ZERO, full, "unreadable", why)


def _judge(part: Part, reading: Reading, full: Fraction, policy: str, tolerance: Tolerance | None,
           checker: Any, params: dict[str, Any] | None, calculator: bool) -> Score:
    value, kind = reading.value, part.kind
    if kind == "text":
        return _make(_ZERO, full, "awaiting_ta", "awaiting a TA's marks against the rubric")
    if kind == "design":
        if checker is None:
            return _make(_ZERO, full, "awaiting_ta", "awaiting a TA: no topic given to run the design")
        verdict = _check(checker, params, value)
        return _graded(full if verdict.ok else _ZERO, full, verdict.message)
    if kind in ("choice", "true_false"):
        return _single(part, value, full)
    if kind == "choices":
        return _choices(part, value, full, policy)
    if kind in ("integer", "number"):
        rule = tolerance or default_tolerance(part.answer, calculator=calculator)
        if rule.accepts(value, part.answer):
            exactly = rule.kind == "exact" or EXACT.accepts(value, part.answer)
            return _graded(full, full, "right" if exactly else f"right: {rule.describe()}")
        how = "not equal to the key" if rule.kind == "exact" else f"not {rule.describe()}"
        return _graded(_ZERO, full, f"wrong: {how}")
    return _cells(part, value, full, tolerance, calculator)


_VERDICTS: dict[Any, Any] = {}  # (topic, params, design) frozen → the topic's Verdict
_MAX_VERDICTS, _MAX_NODES = 4096, 1000


def _check(checker: Any, params: Any, design: Any) -> Any:
    """`checker.check(params, design)`, remembered: a check is a pure function of its
    arguments, a class sends the same few designs, and a check can cost milliseconds."""
    try:
        size = [_MAX_NODES]
        key = (checker.id, _frozen(params, size), _frozen(design, size))
    except TypeError:  # not plain JSON, or large: not remembered
        return checker.check(params, design)
    verdict = _VERDICTS.get(key)
    if verdict is None:
        verdict = checker.check(params, design)
        if len(_VERDICTS) >= _MAX_VERDICTS:
            _VERDICTS.clear()
        _VERDICTS[key] = verdict
    return verdict


def _frozen(x: Any, size: list[int]) -> Any:
    """A hashable copy of plain JSON that tells apart what a check could: types (1, 1.0,
    True), order, and a float's exact spelling (-0.0). Raises TypeError past `size` nodes."""
    size[0] -= 1
    if size[0] < 0:
        raise TypeError("too large to remember")
    kind = type(x)
    if kind is dict:
        return kind, tuple((type(k), k, _frozen(v, size)) for k, v in x.items())
    if kind is list or kind is tuple:
        return kind, tuple(_frozen(v, size) for v in x)
    if kind is float:
        return kind, repr(x)
    if kind in _ATOMS:
        return kind, x
    raise TypeError(f"not plain JSON: {kind.__name__}")


def _accepts(kind: str, tolerance: Tolerance | None, calculator: bool) -> Any:
    if kind == "shape":
        return EXACT.accepts
    if tolerance is not None:
        return tolerance.accepts
    return default_accepts(calculator)


def _cells(part: Part, value: Any, full: Fraction, tolerance: Tolerance | None, calculator: bool) -> Score:
    counted: Tally = tally(value, part.answer, _accepts(part.kind, tolerance, calculator))
    noun = _CELLS.get(part.kind, "entries")
    if counted.total == 0:
        return _graded(full, full, "right")
    if counted.complete:
        return _graded(full, full, f"all {counted.total} {noun} right")
    return _graded(half_marks(full, counted), full, f"{counted.right} of {counted.total} {noun} right")


def _letters(part: Part) -> frozenset[str]:
    if part.kind == "true_false":
        return frozenset()
    answer = part.answer
    return frozenset([answer] if isinstance(answer, str) else [str(a) for a in answer])


def _single(part: Part, value: Any, full: Fraction) -> Score:
    if part.kind == "true_false":
        right = value == part.answer
        return _graded(full if right else _ZERO, full, "right" if right else "wrong")
    right = value == _letters(part)
    chosen = ", ".join(sorted(value)) if isinstance(value, frozenset) else str(value)
    feedback = "right" if right else f"({chosen}) is not the right option"
    return _graded(full if right else _ZERO, full, feedback)


def _choices(part: Part, value: frozenset[str], full: Fraction, policy: str) -> Score:
    right = _letters(part)
    n = max(len(part.options), len(right | value))
    hits, misses = len(value & right), len(value - right)
    k = len(right)
    summary = f"{hits} of {k} right boxes checked, {misses} wrong box{'es' if misses != 1 else ''} checked"
    if value == right:
        return _graded(full, full, "right: exactly the right boxes checked")
    if policy == "all_or_nothing" or k == 0:
        return _graded(_ZERO, full, f"{summary}; all or nothing")
    penalty = full / k if policy == "negative" else full / (n - k) if n > k else _ZERO
    marks = max(_ZERO, hits * full / k - misses * penalty)
    return _graded(marks, full, summary)


def _check_key(answer: Any) -> None:
    """Raise ValueError if a number of the key cannot be read (keys are ours)."""
    if is_key_number(answer):
        exact_key(answer)
    elif isinstance(answer, list):
        for a in answer:
            _check_key(a)
    elif isinstance(answer, dict):
        for a in answer.values():
            _check_key(a)
