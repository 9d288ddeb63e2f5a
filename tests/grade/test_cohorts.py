"""Simulated cohorts: grading the bundled midterm must give exactly the marks the simulation assigned.

The papers are drawn without rendering (`write_dry_run` writes only what the grader reads),
so a class of 25 costs well under a second to set up. The expected marks come from the
simulator's own account of the rules (grade/_sim_values.py), never from the scorer.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from dlexam.exam import load_spec, read_roster, stress_test
from dlexam.examples import example_path
from dlexam.grade.answers import REFUSED, read_answers
from dlexam.grade.run import GradeResult, grade_exam
from dlexam.grade.simulate import Cohort, sample_answers, simulate, write_dry_run
from dlexam.model import Paper

REGENERATE = "python -m dlexam.grade.simulate --sample src/dlexam/examples/answers.csv"


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Paper], Path]:
    spec = load_spec(example_path("midterm.toml"))
    papers = list(stress_test(spec, read_roster(example_path("roster.csv"))[:25]).papers)
    return papers, write_dry_run(spec, papers, tmp_path_factory.mktemp("midterm") / "built")


def grade(cohort: Cohort, built: Path, tmp_path: Path) -> GradeResult:
    return grade_exam(built, answers=cohort.write_csv(tmp_path / "answers.csv"), out=tmp_path / "grades")


def mismatches(cohort: Cohort, result: GradeResult) -> list[str]:
    graded = {(s.student_id, p.question, p.part): p for s in result.grading.students for p in s.parts}
    assert graded.keys() == cohort.expected.keys(), "every part of every paper is marked once"
    return [f"{cell}: simulated {e.how!r} → {e.marks} {e.status}; graded {g.marks} {g.status} "
            f"({g.feedback}); answer {g.answer!r}"
            for cell, e in cohort.expected.items()
            if ((g := graded[cell]).marks, g.status) != (e.marks, e.status)]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_grading_recovers_exactly_the_marks_the_simulation_assigned(
        exam: tuple[list[Paper], Path], tmp_path: Path, seed: int) -> None:
    papers, built = exam
    cohort = simulate(papers, random.Random(seed))
    result = grade(cohort, built, tmp_path)
    wrong = mismatches(cohort, result)
    assert not wrong, f"{len(wrong)} parts differ:\n" + "\n".join(wrong[:15])
    assert {s.student_id: s.total for s in result.grading.students} == cohort.totals
    with (tmp_path / "grades" / "grades.csv").open(encoding="utf-8") as f:
        written = {r["student"]: r["total"] for r in csv.DictReader(f)}
    for sid, total in cohort.totals.items():  # the grade book rounds repeating marks to 3 places
        assert abs(Fraction(written[sid]) - total) < Fraction(1, 1000), sid


def test_the_cohorts_cover_every_kind_of_answer_and_every_status(exam: tuple[list[Paper], Path]) -> None:
    papers, _ = exam
    seen: Counter[str] = Counter()
    for seed in (1, 2, 3, 4):
        for e in simulate(papers, random.Random(seed)).expected.values():
            seen[e.status] += 1
            seen[e.how] += 1
    assert {"right", "partial", "wrong", "unreadable", "blank", "awaiting_ta"} <= set(seen)
    for how in ("right, odd format", "slip", "garbage", "wrong options", "mistake: ceil instead of floor",
                "mistake: forgot the ½ of the MSE", "mistake: the biases left out of the total"):
        assert seen[how] > 0, how
    assert sum(n for how, n in seen.items() if how.startswith("mistake")) > 50


def test_abler_students_score_more(exam: tuple[list[Paper], Path]) -> None:
    papers, _ = exam
    cohort = simulate(papers, random.Random(5))
    ranked = sorted(cohort.abilities, key=cohort.abilities.__getitem__)
    low, high = ranked[:8], ranked[-8:]
    assert sum(cohort.totals[s] for s in high) > sum(cohort.totals[s] for s in low)


def test_every_row_is_accounted_for_and_each_bad_row_is_reported_on_its_line(
        exam: tuple[list[Paper], Path], tmp_path: Path) -> None:
    papers, built = exam
    cohort = simulate(papers, random.Random(7), odd=0.6).with_problems(
        random.Random(8), duplicates=3, unknown_students=2, unknown_questions=1, unknown_parts=1)
    assert any("\n" in row.answer for row in cohort.rows), "multi-line answers shift the line numbers"
    result = grade(cohort, built, tmp_path)
    sheet = result.sheet
    assert sheet.rows_read == len(cohort.rows) == sheet.rows_used + sheet.rows_refused
    assert sheet.rows_refused == 7 == sum(row.problem in REFUSED for row in cohort.rows)
    assert [(issue.line, issue.kind) for issue in sheet.issues] == cohort.issues()
    assert not mismatches(cohort, result), "a duplicate after a row never replaces it"


def test_the_bundled_sample_answers_resolve_against_the_bundled_exam(tmp_path: Path) -> None:
    spec = load_spec(example_path("midterm.toml"))
    papers = stress_test(spec, read_roster(example_path("roster.csv"))).papers
    built = write_dry_run(spec, papers, tmp_path / "built")
    sheet = read_answers(example_path("answers.csv"), __import__("json").loads(
        (built / "manifest.json").read_text(encoding="utf-8")))
    refused = Counter(issue.kind for issue in sheet.issues if issue.kind in REFUSED)
    assert refused == {"duplicate": 1, "unknown student": 1, "unknown question": 1}, (
        f"the bundled answers no longer fit the bundled exam ({dict(refused)}); regenerate: {REGENERATE}")
    assert sheet.rows_used > 1500 and {s for s, _, _ in sheet.answers} == {p.student_id for p in papers}


def test_the_bundled_sample_answers_are_the_simulators_and_grade_to_its_marks(tmp_path: Path) -> None:
    cohort = sample_answers()
    regenerated = cohort.write_csv(tmp_path / "answers.csv").read_text(encoding="utf-8")
    assert example_path("answers.csv").read_text(encoding="utf-8") == regenerated, (
        f"src/dlexam/examples/answers.csv is stale; regenerate: {REGENERATE}")
    spec = load_spec(example_path("midterm.toml"))
    built = write_dry_run(spec, stress_test(spec, read_roster(example_path("roster.csv"))).papers,
                          tmp_path / "built")
    result = grade_exam(built, answers=example_path("answers.csv"), out=tmp_path / "grades")
    assert not mismatches(cohort, result)
    statuses = Counter(e.status for e in cohort.expected.values())
    assert statuses["blank"] > 10 and statuses["partial"] > 10 and statuses["unreadable"] > 5
