"""`grade_exam` and `mark`: a built exam and its answers in, a `Grading` and its tables out.

The oracles are the built papers themselves (variants/<id>.json read as JSON here), the
manifest's spec order, and sums of parts.csv done in the test with Fractions."""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from dlexam.exam import parse_spec
from dlexam.exam.build import build
from dlexam.exam.roster import Student
from dlexam.exam.variants import draw_papers
from dlexam.grade.answers import Answer, AnswerSheet, read_answers
from dlexam.grade.results import Grading
from dlexam.grade.run import GradeResult, grade_exam, mark
from dlexam.model import Paper, Part

SPEC = '''\
[exam]
id = "t-grade"
course = "Deep Learning"
title = "Grading quiz"
secret = "0123456789abcdef-test-secret"

[[sections]]
title = "One"
shuffle_questions = true
shuffle_options = true

[[sections.questions]]
topic = "conv.output_shape"
params = { input = [1, 3, 8, 8], out_channels = 4, kernel = 3 }

[[sections.questions]]
topic = "pool.output_shape"

[[sections.questions]]
item = "activations.dead-relu"

[[sections]]
title = "Two"
policy = "per_option"
shuffle_options = true

[[sections.questions]]
pick = { count = 1, kind = "multi" }

[[sections.questions]]
item = "activations.short-sigmoid-chain"

[[sections.questions]]
item = "activations.short-residual-gradient"

[[sections.questions]]
topic = "design.logic_gate"

[[sections.questions]]
topic = "relu.linear_regions"
bonus = true
'''
IDS = ("s01", "s02", "s03", "s04")
ROSTER = "id,name\n" + "".join(f"{s},Student {s}\n" for s in IDS)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exam")
    (root / "quiz.toml").write_text(SPEC, encoding="utf-8")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    build(root / "quiz.toml", roster=root / "roster.csv", out=root / "out", workers=1)
    return root / "out"


def papers(built: Path) -> dict[str, Paper]:
    return {s: Paper.from_dict(json.loads((built / "variants" / f"{s}.json").read_text(encoding="utf-8")))
            for s in IDS}


def written(part: Part) -> str:
    """The key as a student would write it."""
    a = part.answer
    if isinstance(a, dict) and "exact" in a:
        return str(a["exact"])
    if part.kind == "shape":
        return "x".join(map(str, a))
    if part.kind == "choices":
        return ", ".join(a)
    if part.kind == "true_false":
        return "true" if a else "false"
    return a if isinstance(a, str) else json.dumps(a)


def right_rows(paper: Paper) -> list[list[str]]:
    return [[paper.student_id, e.key, p.id, written(p)] for e in paper.entries for p in e.question.parts]


def write_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = ("student", "question", "part",
                                                                            "answer")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([list(header), *rows])
    return path


def table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def grade(built: Path, tmp_path: Path, rows: list[list[str]], **kw: Any) -> GradeResult:
    return grade_exam(built, answers=write_csv(tmp_path / "answers.csv", rows), out=tmp_path / "grades", **kw)


def close(cell: str, exact: Fraction) -> bool:
    """A grade-book cell is the exact mark to three decimals."""
    return abs(Fraction(cell) - exact) <= Fraction(1, 2000)


def test_every_part_of_every_paper_is_marked_in_paper_order_with_its_key_and_rule(
        built: Path, tmp_path: Path) -> None:
    ada = papers(built)["s01"]
    result = grade(built, tmp_path, right_rows(ada))
    student = next(s for s in result.grading.students if s.student_id == "s01")
    expected = [(e.key, e.number, p.id, p.kind, p.answer, e.bonus)
                for e in ada.entries for p in e.question.parts]
    assert [(p.question, p.number, p.part, p.kind, p.key, p.bonus) for p in student.parts] == expected
    for p in student.parts:
        assert p.status == ("awaiting_ta" if p.kind == "text" else "right"), p
        assert p.marks == (0 if p.kind == "text" else p.out_of)
    rules = {p.kind: p.rule for p in student.parts}
    assert rules["shape"] == "exact, per size" and rules["choices"] == "choices: per_option"
    text = next(p for e in ada.entries for p in e.question.parts if p.kind == "text")
    assert rules["design"] == "design check: design.logic_gate"
    assert rules["text"] == "rubric " + "+".join(str(c.points) for c in text.rubric)
    assert rules["integer"] == "exact" and rules["choice"] == "exact"
    assert student.max == sum(e.marks for e in ada.entries if not e.bonus)
    assert student.total == sum(p.marks for e in ada.entries for p in e.question.parts if p.kind != "text")
    assert result.awaiting_ta == 2 and result.not_graded == ()


def test_the_grade_books_follow_spec_order_and_equal_the_parts_summed(built: Path, tmp_path: Path) -> None:
    all_papers = papers(built)
    rows = right_rows(all_papers["s01"]) + right_rows(all_papers["s03"])[::2]
    rows += [["s02", e.key, p.id, "1"] for e in all_papers["s02"].entries for p in e.question.parts]
    rows += [[*row[:3], "b"] if "choice" in row[2] else row for row in right_rows(all_papers["s04"])]
    result = grade(built, tmp_path, rows)
    out = tmp_path / "grades"
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    keys = [k for section in manifest["sections"] for k in section["questions"]]
    sums: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for row in table(out / "parts.csv"):
        sums[(row["student"], row["question"])] += Fraction(row["exact_marks"])
    total = {s: sum((sums[(s, k)] for k in keys), Fraction(0)) for s in IDS}
    maxima = {s: sum(e.marks for e in all_papers[s].entries if not e.bonus) for s in IDS}
    assert len({total[s] for s in IDS}) > 1  # the cohort is not all alike

    grades = table(out / "grades.csv")
    assert list(grades[0]) == ["student", "name", *keys, "total", "max", "percent"]
    for row in grades:
        s = row["student"]
        assert all(close(row[k], sums[(s, k)]) for k in keys) and close(row["total"], total[s])
        assert Fraction(row["max"]) == maxima[s]
        assert row["percent"] == f"{float(100 * total[s] / maxima[s]):.1f}"

    with (out / "grades-moodle.csv").open(encoding="utf-8", newline="") as f:
        moodle = list(csv.reader(f))
    assert moodle[0] == ["ID number", "Full name", "Email address", *keys, "total"]
    for row in moodle[1:]:
        s = row[0]
        assert [close(c, sums[(s, k)]) for c, k in zip(row[3:-1], keys, strict=True)] == [True] * len(keys)
        assert close(row[-1], total[s])

    with (out / "grades-canvas.csv").open(encoding="utf-8", newline="") as f:
        canvas = list(csv.reader(f))
    title = manifest["exam"]["title"]
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         *(f"{title}: {k}" for k in keys), title]
    marks_of = {e.key: e.marks for p in all_papers.values() for e in p.entries}
    assert canvas[1][0] == "Points Possible"
    assert [Fraction(c) for c in canvas[1][5:]] == [*(marks_of[k] for k in keys), max(maxima.values())]
    assert sorted(row[2] for row in canvas[2:]) == list(IDS)
    for row in canvas[2:]:
        s = row[2]
        assert row[0] == f"Student {s}"
        assert all(close(c, sums[(s, k)]) for c, k in zip(row[5:-1], keys, strict=True))
        assert close(row[-1], total[s])
    assert result.gradebook_problems == ()


def test_a_bonus_question_counts_in_the_total_but_not_in_the_maximum(built: Path, tmp_path: Path) -> None:
    ada = papers(built)["s01"]
    bonus = next(e for e in ada.entries if e.bonus)
    part = bonus.question.parts[0]
    grades = {r["student"]: r for r in table_of(grade(built, tmp_path, [["s01", bonus.key, part.id,
                                                                         written(part)]]), "grades.csv")}
    assert Fraction(grades["s01"]["total"]) == part.marks
    assert Fraction(grades["s01"]["max"]) == sum(e.marks for e in ada.entries if not e.bonus)


def table_of(result: GradeResult, name: str) -> list[dict[str, str]]:
    return table(result.out / name)


def test_a_student_whose_paper_is_missing_or_changed_is_reported_and_the_others_are_graded(
        built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    (copy / "variants" / "s02.json").unlink()
    changed = copy / "variants" / "s03.json"
    changed.write_text(changed.read_text(encoding="utf-8") + " ", encoding="utf-8")
    rows = right_rows(papers(built)["s01"]) + right_rows(papers(built)["s02"])
    result = grade(copy, tmp_path, rows)
    assert [sid for sid, _ in result.not_graded] == ["s02", "s03"]
    reasons = dict(result.not_graded)
    assert "missing" in reasons["s02"] and "changed since the build" in reasons["s03"]
    assert [s.student_id for s in result.grading.students] == ["s01", "s04"]
    for name in ("grades.csv", "parts.csv"):
        assert {r["student"] for r in table_of(result, name)} == {"s01", "s04"}
    for name in ("grades-moodle.csv", "grades-canvas.csv"):
        text = (result.out / name).read_text(encoding="utf-8")
        assert "s02" not in text and "s03" not in text
    report = (result.out / "report.txt").read_text(encoding="utf-8")
    assert f"not graded: s02: {reasons['s02']}" in report and "not graded: s03: " in report


def test_every_answer_row_is_accounted_for_in_the_report(built: Path, tmp_path: Path) -> None:
    e = papers(built)["s01"].entries[0]
    rows = [["s01", e.key, e.question.parts[0].id, "1"], ["nobody", e.key, "x", "1"],
            ["s01", e.key, e.question.parts[0].id, "2"]]
    report = (grade(built, tmp_path, rows).out / "report.txt").read_text(encoding="utf-8")
    assert "rows read 3 = used 1 + refused 2" in report
    assert "line 3: unknown student" in report and "line 4: duplicate" in report


def texts(paper: Paper) -> list[tuple[str, Part]]:
    return [(e.key, p) for e in paper.entries for p in e.question.parts if p.kind == "text"]


def test_ta_scores_mark_short_answers_and_the_rest_still_await_a_ta(built: Path, tmp_path: Path) -> None:
    ada, alan = papers(built)["s01"], papers(built)["s02"]
    (key1, part1), (key2, _) = texts(ada)
    (alan_key, alan_part), _ = texts(alan)
    choice = next(e for e in ada.entries if e.question.parts[0].kind == "choice")
    scores = write_csv(tmp_path / "ta.csv", [
        ["s01", key1, "", "", "1", "0", "1", "AB", "Good   point\non depth"],
        ["s02", alan_key, "", "3", "", "", "", "", ""],
        ["s01", choice.key, "", "1", "", "", "", "", ""],
    ], header=("student", "question", "part", "points", "c1", "c2", "c3", "marker", "comment"))
    result = grade(built, tmp_path, right_rows(ada), scores=scores)
    parts = {(s.student_id, p.question): p for s in result.grading.students for p in s.parts}
    marked = parts[("s01", key1)]
    rubric_total = sum(c.points for c in part1.rubric)
    assert marked.marks == Fraction(part1.marks) * 2 / rubric_total and marked.status == "partial"
    assert marked.ta_points == (1, 0, 1) and marked.rule == "rubric 1+1+1, marked by AB"
    assert part1.rubric[0].text[:30] in marked.feedback and "(0/1)" in marked.feedback
    assert "TA: Good point on depth" in marked.feedback
    assert parts[("s01", key2)].status == "awaiting_ta"
    blank = parts[("s02", alan_key)]
    assert (blank.answer, blank.status, blank.marks) == ("", "right", alan_part.marks)
    ta = result.ta
    assert ta is not None and (ta.rows_read, ta.rows_used, ta.rows_refused) == (3, 2, 1)
    report = (result.out / "report.txt").read_text(encoding="utf-8")
    assert "line 5: not a text part" in report  # the comment above holds a line break
    assert f"s02 {alan_key}" in report and "a TA score for a blank answer is used" in report
    waiting = report.split("awaiting a TA (")[1].split("\n\n")[0]
    assert f"s01 {key2}" in waiting and f"s01 {key1}" not in waiting


def test_the_awaiting_ta_file_filled_in_and_given_back_marks_every_short_answer(
        built: Path, tmp_path: Path) -> None:
    rows = [[s, key, p.id, "Gradients shrink; use ReLU."] for s, paper in papers(built).items()
            for key, p in texts(paper)]
    first = grade(built, tmp_path, rows)
    template = table_of(first, "awaiting-ta.csv")
    assert sorted((r["student"], r["question"]) for r in template) == sorted((r[0], r[1]) for r in rows)
    for r in template:
        r["points"] = r["out_of"]
    with (tmp_path / "filled.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(template[0]))
        writer.writeheader()
        writer.writerows(template)
    second = grade(built, tmp_path, rows, scores=tmp_path / "filled.csv")
    assert second.awaiting_ta == 0 and second.ta is not None and second.ta.warnings == []
    assert second.ta.rows_used == len(template) and table_of(second, "awaiting-ta.csv") == []
    assert all(p.status == "right" for s in second.grading.students for p in s.parts if p.kind == "text")


def test_progress_is_reported_as_each_student_is_marked(built: Path, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    grade(built, tmp_path, [], progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert calls == [("marking", i, len(IDS)) for i in range(1, len(IDS) + 1)]


def test_mark_alone_writes_nothing_and_gives_what_grade_exam_gives(built: Path, tmp_path: Path) -> None:
    rows = right_rows(papers(built)["s03"])
    result = grade(built, tmp_path, rows)
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    sheet = read_answers(tmp_path / "answers.csv", manifest)
    before = set(tmp_path.rglob("*"))
    grading = mark(list(papers(built).values()), sheet, exam_id="t-grade", title="Grading quiz",
                   question_keys=result.grading.question_keys)
    assert set(tmp_path.rglob("*")) == before
    assert grading.students == result.grading.students and grading.papers == result.grading.papers


def test_an_answer_a_spreadsheet_would_run_is_written_as_text(built: Path, tmp_path: Path) -> None:
    e = next(e for e in papers(built)["s01"].entries if e.question.parts[0].kind == "shape")
    other = next(x for x in papers(built)["s01"].entries if x.question.parts[0].kind == "integer")
    rows = [["s01", e.key, e.question.parts[0].id, '=HYPERLINK("x")'],
            ["s01", other.key, other.question.parts[0].id, "-0.2"]]
    written_rows = table_of(grade(built, tmp_path, rows), "parts.csv")
    parts = {r["question"]: r for r in written_rows if r["student"] == "s01"}
    assert parts[e.key]["answer"] == "'=HYPERLINK(\"x\")" and parts[other.key]["answer"] == "-0.2"


def test_marking_keeps_well_above_the_grading_target_on_this_exam() -> None:
    spec = parse_spec(SPEC, path="quiz.toml")
    drawn = draw_papers(spec, [Student(f"x{i:03d}", f"X {i}") for i in range(150)])
    sheet = AnswerSheet("answers.csv")
    for paper in drawn:
        for e in paper.entries:
            for p in e.question.parts:
                sheet.answers[(paper.student_id, e.key, p.id)] = Answer(written(p), 2)
    n = sum(len(e.question.parts) for p in drawn for e in p.entries)
    start = time.perf_counter()
    grading: Grading = mark(drawn, sheet, exam_id="t", title="t", question_keys=[])
    rate = n / (time.perf_counter() - start)
    print(f"\nmark: {rate:,.0f} parts/s")
    assert len(grading.students) == 150
    assert rate > 2_000  # the target is 8,000 parts/s over the whole run; this floor catches a blow-up

