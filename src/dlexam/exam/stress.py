"""The stress test run before a build: draw every paper and check each drawn variant.

    report = stress_test(spec, students)
    print("\n".join(report.lines()))          # spread per question, redraws, problems
    if report.ok: build(report.papers)       # the papers drawn here are the ones to print

For every drawn question of every paper: the variant builds; its key keeps the topic's
hand-computable promise (at most `DECIMALS` decimal places, irrational values only where
the topic allows a calculator); a design key passes the topic's own check; and no two
students next to each other in the roster share its numbers (`draw_roster` redraws the
later one and the redraw is listed). The spread says how many distinct variants each
question has across the class. Checks run once per distinct variant, so a class of 1,000
costs little more than drawing it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine import decimal_places
from ..model import Paper, Question
from ..topics import get_topic
from .roster import Student
from .spec import Spec
from .variants import Redraw, draw_independent, keep_apart

__all__ = ["Report", "Spread", "check_variant", "stress_test"]


@dataclass(frozen=True)
class Spread:
    """How many distinct variants (params, or items for picks) one question has."""

    key: str
    label: str
    distinct: int
    students: int


@dataclass(frozen=True)
class Report:
    papers: tuple[Paper, ...]
    redraws: tuple[Redraw, ...]
    spread: tuple[Spread, ...]
    problems: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report as text, one finding a line, for the CLI to print."""
        n = len(self.papers)
        out = [f"drew {n} paper{'s' if n != 1 else ''} in {self.seconds:.2f} s"]
        out += [f"  {s.key:>7}  {s.label:<40} {s.distinct:>5} distinct of {s.students}" for s in self.spread]
        out += [f"redrawn: {r.student_id} {r.key} (same numbers as {r.neighbour_id}; {r.tries} draws)"
                for r in self.redraws]
        out += [f"problem: {p}" for p in self.problems]
        return out


def stress_test(spec: Spec, students: Sequence[Student], *, workers: int = 1) -> Report:
    """Draw every student's paper (in roster order, neighbours kept apart, over `workers`
    processes) and check it."""
    start = time.perf_counter()
    drawn = draw_independent(spec, students, workers=workers)
    problems = [p for p in drawn if isinstance(p, str)]
    papers, redraws = keep_apart(spec, [p for p in drawn if isinstance(p, Paper)])
    variants = [{e.key: json.dumps(e.question.params, sort_keys=True) for e in p.entries} for p in papers]
    problems += _check_variants(spec, papers)
    problems += _check_neighbours(spec, papers, variants)
    spread = tuple(Spread(slot.key, slot.label, len({v[slot.key] for v in variants}), len(papers))
                   for slot in spec.slots)
    return Report(tuple(papers), tuple(redraws), spread, tuple(problems), time.perf_counter() - start)


def _check_variants(spec: Spec, papers: Sequence[Paper]) -> list[str]:
    drawn = {s.key for s in spec.slots if s.source == "drawn"}
    checked: set[str] = set()
    problems: list[str] = []
    for paper in papers:
        for entry in paper.entries:
            if entry.key not in drawn:
                continue
            seen = entry.question.topic + json.dumps(entry.question.params, sort_keys=True)
            if seen in checked:
                continue
            checked.add(seen)
            problems += [f"{paper.student_id} {entry.key}: {p}" for p in check_variant(entry.question)]
    return problems


def check_variant(q: Question) -> list[str]:
    """What is wrong with a drawn variant: keys beyond the topic's promised decimals, an
    irrational key without a calculator, a design key its own check refuses."""
    topic = get_topic(q.topic)
    problems = []
    for part in q.parts:
        for x in _numbers(part.answer):
            places = None if x is None else decimal_places(x)
            if x is None or places is None:
                if not topic.calculator:
                    problems.append(f"{q.topic} (seed {q.seed}) part '{part.id}' has an irrational or "
                                    "non-terminating key but the topic promises no calculator")
            elif topic.decimals is not None and places > topic.decimals:
                problems.append(f"{q.topic} (seed {q.seed}) part '{part.id}' needs {places} decimals, "
                                f"more than the {topic.decimals} the topic promises")
        if part.kind == "design":
            verdict = topic.check(q.params, part.answer)
            if not verdict.ok:
                problems.append(f"{q.topic} (seed {q.seed}) part '{part.id}': the key fails its own check: "
                                f"{verdict.message}")
    return problems


def _numbers(answer: Any) -> list[Fraction | None]:
    """Every number of a JSON answer, exact (None for an irrational or float one)."""
    if isinstance(answer, dict) and "exact" in answer:
        try:
            return [Fraction(str(answer["exact"]))]
        except (ValueError, ZeroDivisionError):
            return [None]
    if isinstance(answer, dict):
        return [x for v in answer.values() for x in _numbers(v)]
    if isinstance(answer, list):
        return [x for v in answer for x in _numbers(v)]
    if isinstance(answer, bool) or answer is None or isinstance(answer, str):
        return []
    if isinstance(answer, int):
        return [Fraction(answer)]
    return [None]


def _check_neighbours(spec: Spec, papers: Sequence[Paper], variants: Sequence[dict[str, str]]) -> list[str]:
    drawn = [s.key for s in spec.slots if s.source == "drawn"]
    problems = []
    for k in range(1, len(papers)):
        before, after = papers[k - 1], papers[k]
        for key in drawn:
            if variants[k - 1][key] == variants[k][key]:
                problems.append(f"{before.student_id} and {after.student_id} sit next to each other and "
                                f"share the numbers of {key}")
    return problems

