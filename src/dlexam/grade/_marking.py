"""Marking students: one part (`mark_part`), one paper, the build's papers read one at a time,
or the whole build shared among worker processes. No file is written here.

    result = mark_part(part, "2x3", Context("s001", entry, "all_or_nothing", {"shape": "2x3"}))
    marked = mark_build(pool, built, refs, sheet, ta, rules, workers=2, progress=None)
    marked.students, marked.not_graded, marked.parts, marked.records     # roster order

`mark_build` marks in this process when `pool` is None, else in chunks of students shared
between `pool`'s workers (`_pool.Pool` started with `start_worker`) and this process: each reads
and checks its chunk's papers (`_papers.load_paper`), marks them, formats their rows of
parts.csv and graded.jsonl, and a worker sends back only that (a Paper is never pickled). The
chunks' `Marked` are put together in roster order, exactly as marking them here in one go would
give them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from ..errors import DlexamError
from ..model import Entry, Paper, Part
from ._papers import PaperRef, load_paper
from ._pool import Pool, settle
from ._records import record_text
from ._write import parts_text
from .answers import AnswerSheet
from .carry import carry_forward
from .results import Grading, PartResult, StudentResult, variant_label
from .rubric import TaScore, TaSheet, mark_text
from .rules import UNCHANGED, PartRule, Rules
from .score import Tolerance, default_tolerance, score

__all__ = ["CHUNK", "NO_RULE", "NO_RULES", "Context", "Marked", "by_student", "mark_build", "mark_paper",
           "mark_part", "start_worker"]

NO_RULES = Rules()
NO_RULE = NO_RULES.for_part("", "", "")  # what a part with no grading rule is marked under
CHUNK = (20, 200)  # students per task, at least and at most: ~8 tasks per worker balance the load
Answers = Mapping[tuple[str, str], str]  # one student's answers: (question key, part id) → text
Scores = Mapping[tuple[str, str], TaScore]  # one student's TA scores
T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """What marking one part may need beyond the part and the answer: who, which question (its
    topic, params and every part), the section's choice policy, the student's answers to every
    part of that question (for follow-through) and the TA's score, if any."""

    student: str
    entry: Entry
    policy: str
    answers: Mapping[str, str]  # part id → answer text, "" when none
    ta: TaScore | None = None
    rule: PartRule = NO_RULE
    locale: str = "en"
    variant: str = ""  # results.variant_label of the question


@dataclass
class Marked:
    """What marking some students found: their results (roster order), who could not be marked,
    the questions' titles and variants' params, the short answers' rubric points (for
    awaiting-ta.csv) and the students' rows of parts.csv and graded.jsonl, formatted."""

    students: list[StudentResult] = field(default_factory=list)
    not_graded: list[tuple[str, str]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    variant_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    rubrics: dict[tuple[str, str, str], tuple[int, ...]] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)

    def add(self, other: Marked) -> None:
        """`other`'s students after these, as if marked in one go."""
        self.students += other.students
        self.not_graded += other.not_graded
        for key, title in other.titles.items():
            self.titles.setdefault(key, title)
        for key, variants in other.variant_params.items():
            mine = self.variant_params.setdefault(key, {})
            for label, params in variants.items():
                mine.setdefault(label, params)
        self.rubrics |= other.rubrics
        self.parts += other.parts
        self.records += other.records

    def grading(self, exam_id: str, title: str, question_keys: Iterable[str],
                papers: Mapping[str, Paper]) -> Grading:
        keys = list(dict.fromkeys(question_keys))
        keys += [k for k in self.titles if k not in keys]  # titles are keyed in paper order
        return Grading(exam_id, title, tuple(keys), tuple(self.students), papers, self.titles,
                       self.variant_params)


def mark_paper(paper: Paper, answers: Answers, scores: Scores, rules: Rules,
               marked: Marked) -> StudentResult:
    """One student's paper marked; its questions' titles, variants and rubrics noted in `marked`."""
    sid, parts = paper.student_id, []
    for section in paper.sections:
        for entry in section.entries:
            q = entry.question
            label = variant_label(q)
            marked.titles.setdefault(entry.key, q.title)
            marked.variant_params.setdefault(entry.key, {}).setdefault(label, q.params)
            given = {p.id: answers.get((entry.key, p.id), "") for p in q.parts}
            for part in q.parts:
                if part.kind == "text":
                    marked.rubrics[(sid, entry.key, part.id)] = tuple(c.points for c in part.rubric)
                rule = rules.for_part(entry.key, part.id, sid)
                context = Context(sid, entry, section.policy, given, scores.get((entry.key, part.id)), rule,
                                  rules.locale, label)
                parts.append(mark_part(part, given[part.id], context))
    total = sum((p.marks for p in parts), Fraction(0))
    return StudentResult(sid, paper.student_name, tuple(parts), total, Fraction(paper.marks))


def by_student(cells: Mapping[tuple[str, str, str], Any],
               value: Callable[[Any], T]) -> dict[str, dict[Any, T]]:
    """Cells (student, question, part) grouped by student: {student: {(question, part): value}}."""
    found: dict[str, dict[Any, T]] = {}
    for (sid, key, part), item in cells.items():
        found.setdefault(sid, {})[(key, part)] = value(item)
    return found


def _mark_refs(built: Path, rules: Rules, refs: Sequence[PaperRef], answers: Mapping[str, Answers],
               scores: Mapping[str, Scores], progress: Callable[[int], None] | None = None) -> Marked:
    """Read, check and mark each student's paper (one at a time), then format their rows."""
    marked = Marked()
    for done, ref in enumerate(refs, 1):
        try:
            paper = load_paper(built, ref)
        except DlexamError as e:
            marked.not_graded.append((ref.student, str(e)))
        else:
            sid = ref.student
            marked.students.append(mark_paper(paper, answers.get(sid, {}), scores.get(sid, {}), rules,
                                              marked))
        if progress is not None:
            progress(done)
    marked.parts.append(parts_text(marked.students))
    marked.records.append(record_text(marked.students))
    return marked


_WORKER: dict[str, Any] = {}  # a worker process's build folder and rules


def start_worker(built: Path, rules: Rules) -> None:
    _WORKER.update(built=built, rules=rules)
    settle()


def _mark_chunk(refs: Sequence[PaperRef], answers: Mapping[str, Answers],
                scores: Mapping[str, Scores]) -> Marked:
    return _mark_refs(_WORKER["built"], _WORKER["rules"], refs, answers, scores)


def mark_build(pool: Pool | None, built: Path, refs: Sequence[PaperRef], sheet: AnswerSheet,
               ta: TaSheet | None, rules: Rules, workers: int,
               progress: Callable[[int, int], None] | None) -> Marked:
    """Every student of the build marked, here or in `pool`'s processes by chunks (roster order)."""
    answers = by_student(sheet.answers, lambda a: a.text)
    scores = by_student(ta.scores, lambda s: s) if ta is not None else {}
    total = len(refs)
    if pool is None:
        return _mark_refs(built, rules, refs, answers, scores,
                          (lambda done: progress(done, total)) if progress else None)
    size = max(CHUNK[0], min(CHUNK[1], math.ceil(total / (workers * 8))))
    chunks = []
    for i in range(0, total, size):
        mine = refs[i:i + size]
        chunks.append((mine, {r.student: answers[r.student] for r in mine if r.student in answers},
                       {r.student: scores[r.student] for r in mine if r.student in scores}))
    marked, count = Marked(), [0]

    def done(found: Marked) -> None:
        count[0] += len(found.students) + len(found.not_graded)
        if progress is not None:
            progress(count[0], total)

    for found in pool.map(_mark_chunk, chunks, here=functools.partial(_mark_refs, built, rules), done=done):
        marked.add(found)
    return marked


def mark_part(part: Part, answer: str, context: Context) -> PartResult:
    """One part of one student's paper, marked under its grading rule (a corrected key, a
    tolerance, a policy or rubric change): the TA's rubric score for a short answer that has
    one, else `score.score` (design parts run by their topic), then error carried forward for a
    part that depends on earlier ones."""
    entry, q, r = context.entry, context.entry.question, context.rule
    if r.key is not UNCHANGED:
        part = replace(part, answer=r.key)
    policy = r.policy or context.policy
    carried: tuple[str, ...] = ()
    points: tuple[Fraction, ...] | None = None
    if part.kind == "text" and context.ta is not None:
        s, ta = mark_text(part, context.ta, rubric=r.rubric), context.ta
        points = ta.criteria if ta.criteria is not None else (ta.points,)
    else:
        s = score(part, answer, policy=policy, tolerance=r.tolerance,
                  topic=q.topic if part.kind == "design" else None, params=q.params, locale=context.locale,
                  calculator=q.calculator)
        if part.depends_on:
            s, carried = carry_forward(q, part, context.answers, s, policy=policy, credit=r.carried_credit,
                                       locale=context.locale, calculator=q.calculator, tolerance=r.tolerance)
    rule = _rule(part, policy, q.calculator, q.topic, r)
    if points is not None and context.ta is not None and context.ta.marker:
        rule += f", marked by {context.ta.marker}"
    return PartResult(entry.key, entry.number, part.id, part.kind, answer, s.marks, Fraction(part.marks),
                      s.status, s.feedback, key=part.answer, rule=rule, ta_points=points,
                      carried_from=carried, bonus=entry.bonus, variant=context.variant, options=part.options)


def _rule(part: Part, policy: str, calculator: bool, topic: str, rule: PartRule) -> str:
    """How an answer to the part is compared, in words (the audit log shows it when it changes)."""
    kind = part.kind
    if kind in ("integer", "number", "vector", "matrix", "list", "table"):
        where = "per cell, " if kind not in ("integer", "number") else ""
        return where + _tolerance(part, calculator, rule.tolerance)
    if kind == "shape":
        return "exact, per size"
    if kind == "choices":
        return f"choices: {policy}"
    if kind in ("choice", "true_false"):
        return "exact"
    if kind == "design":
        return f"design check: {topic}"
    rubric = rule.rubric or part.rubric
    return "rubric " + "+".join(str(c.points) for c in rubric) if rubric else "rubric"


def _tolerance(part: Part, calculator: bool, given: Tolerance | None) -> str:
    if given is not None:
        return f"tolerance: {given.describe()}"
    if part.kind not in ("integer", "number"):
        return "tolerance: default"
    try:
        tolerance = default_tolerance(part.answer, calculator=calculator)
    except (ValueError, TypeError, ArithmeticError):
        return "exact"
    return "exact" if tolerance.kind == "exact" else f"tolerance: default, {tolerance.describe()}"



