"""`grade_exam` and `mark`: a built exam and its answers in, a `Grading` and its tables out.

The oracles are the built papers themselves (variants/<id>.json read as JSON here), the
manifest's spec order, and sums of parts.csv done in the test with Fractions."""

from __future__ import annotations

import csv
import gc
import itertools
import json
import os
import pickle
import random
import shutil
import time
from collections import defaultdict
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.errors import DlexamError
from dlexam.exam import parse_spec
from dlexam.exam.build import build
from dlexam.exam.roster import Student
from dlexam.exam.variants import draw_papers
from dlexam.grade import _marking, run
from dlexam.grade._papers import BuiltPapers, PaperUnavailable, load_paper, paper_refs
from dlexam.grade._pool import Pool, settle
from dlexam.grade._write import _tally, parts_text
from dlexam.grade.answers import Answer, AnswerSheet, read_answers
from dlexam.grade.audit import records as audit_records
from dlexam.grade.results import Grading, PartResult, StudentResult
from dlexam.grade.rules import load_rules
from dlexam.grade.run import GradeResult, grade_exam, load_papers, mark
from dlexam.grade.simulate import simulate, write_dry_run
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
    for line in moodle[1:]:
        s = line[0]
        assert [close(c, sums[(s, k)]) for c, k in zip(line[3:-1], keys, strict=True)] == [True] * len(keys)
        assert close(line[-1], total[s])

    with (out / "grades-canvas.csv").open(encoding="utf-8", newline="") as f:
        canvas = list(csv.reader(f))
    title = manifest["exam"]["title"]
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         *(f"{title}: {k}" for k in keys), title]
    marks_of = {e.key: e.marks for p in all_papers.values() for e in p.entries}
    assert canvas[1][0] == "Points Possible"
    assert [Fraction(c) for c in canvas[1][5:]] == [*(marks_of[k] for k in keys), max(maxima.values())]
    assert sorted(row[2] for row in canvas[2:]) == list(IDS)
    for line in canvas[2:]:
        s = line[2]
        assert line[0] == f"Student {s}"
        assert all(close(c, sums[(s, k)]) for c, k in zip(line[5:-1], keys, strict=True))
        assert close(line[-1], total[s])
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



# -- marking in worker processes, papers read on use ---------------------------------------------

CLASS = 29  # students of the dry-run build below: several chunks of 5 on two workers


@pytest.fixture(scope="module")
def dry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dry-run build (manifest + variant files, nothing rendered) of a simulated class, its
    answers (odd formats, mistakes, blanks), two short-answer TA scores and a grading rule; one
    paper deleted and one changed, in different chunks."""
    root = tmp_path_factory.mktemp("dry")
    (root / "quiz.toml").write_text(SPEC, encoding="utf-8")
    spec = parse_spec(SPEC, path=str(root / "quiz.toml"))
    drawn = draw_papers(spec, [Student(f"d{i:03d}", f"D {i}") for i in range(CLASS)])
    write_dry_run(spec, drawn, root / "built")
    simulate(drawn, random.Random(5)).write_csv(root / "answers.csv")
    (key, part), _ = texts(drawn[1])
    write_csv(root / "ta.csv", [[drawn[1].student_id, key, part.id, "1"]],
              header=("student", "question", "part", "points"))
    (root / "rules.toml").write_text('[[part]]\nquestion = "s2q1"\npolicy = "negative"\n'
                                     'reason = "as announced"\n', encoding="utf-8")
    (root / "built" / "variants" / "d007.json").unlink()
    changed = root / "built" / "variants" / "d021.json"
    changed.write_text(changed.read_text(encoding="utf-8") + " ", encoding="utf-8")
    return root


def grade_dry(dry: Path, out: Path, workers: int, **kw: Any) -> GradeResult:
    return grade_exam(dry / "built", answers=dry / "answers.csv", out=out, scores=dry / "ta.csv",
                      rules=dry / "rules.toml", report=False, workers=workers, **kw)


def test_marking_in_worker_processes_gives_exactly_what_marking_here_gives(
        dry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = grade_dry(dry, tmp_path / "here", workers=1)
    monkeypatch.setattr(run, "PARALLEL_FROM", 2)
    monkeypatch.setattr(_marking, "CHUNK", (5, 5))
    calls: list[tuple[str, int, int]] = []
    here_chunks: list[int] = []  # chunks marked in this process: the others went to the worker
    real = _marking._mark_refs

    def counted(*args: Any) -> _marking.Marked:
        here_chunks.append(len(args[2]))
        return real(*args)

    monkeypatch.setattr(_marking, "_mark_refs", counted)
    shared = grade_dry(dry, tmp_path / "shared", workers=2, progress=lambda *c: calls.append(c))
    assert 0 < len(here_chunks) < 6
    counts = [0] + [c[1] for c in calls]
    assert counts[-1] == CLASS and {c[2] for c in calls} == {CLASS} and len(calls) == 6  # chunks of 5
    assert all(b - a in (4, 5) for a, b in itertools.pairwise(counts))
    assert [sid for sid, _ in shared.not_graded] == ["d007", "d021"] == [sid for sid, _ in here.not_graded]
    assert shared.not_graded == here.not_graded
    assert [s.student_id for s in shared.grading.students] == [f"d{i:03d}" for i in range(CLASS)
                                                               if i not in (7, 21)]
    assert shared.grading.students == here.grading.students
    assert shared.grading.titles == here.grading.titles
    assert list(shared.grading.variant_params.items()) == list(here.grading.variant_params.items())
    assert shared.grading.question_keys == here.grading.question_keys
    assert (shared.awaiting_ta, shared.changed) == (here.awaiting_ta, here.changed)
    assert any(p.ta_points for s in shared.grading.students for p in s.parts)
    for name in ("grades.csv", "grades-moodle.csv", "grades-canvas.csv", "parts.csv", "awaiting-ta.csv",
                 "graded.jsonl"):
        assert (shared.out / name).read_bytes() == (here.out / name).read_bytes(), name
    report = (shared.out / "report.txt").read_text(encoding="utf-8")
    assert report.replace(str(shared.out), "OUT") == (here.out / "report.txt").read_text(
        encoding="utf-8").replace(str(here.out), "OUT")


def test_the_tables_are_what_marking_the_papers_in_memory_gives(dry: Path, tmp_path: Path) -> None:
    """The parts.csv and graded.jsonl rows formatted while marking equal the ones formatted from
    a `Grading` made by `mark` from papers read here."""
    result = grade_dry(dry, tmp_path / "g", workers=1)
    manifest = json.loads((dry / "built" / "manifest.json").read_text(encoding="utf-8"))
    sheet = read_answers(dry / "answers.csv", manifest)
    held, _ = load_papers(dry / "built", manifest)
    grading = mark(held, sheet, ta=result.ta, rules=load_rules(dry / "rules.toml"), exam_id="t-grade",
                   title="Grading quiz", question_keys=result.grading.question_keys)
    assert grading.students == result.grading.students
    parts_csv = (result.out / "parts.csv").read_text(encoding="utf-8")
    assert parts_csv.split("\n", 1)[1] == parts_text(grading.students)
    lines = (result.out / "graded.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == audit_records(grading)


def test_the_grading_reads_a_paper_from_the_build_only_when_asked(dry: Path, tmp_path: Path) -> None:
    result = grade_dry(dry, tmp_path / "g", workers=1)
    papers = result.grading.papers
    assert isinstance(papers, BuiltPapers) and len(papers) == CLASS - 2
    assert "d007" not in papers and papers.get("d007") is None and "d000" in papers
    on_disk = json.loads((dry / "built" / "variants" / "d003.json").read_text(encoding="utf-8"))
    assert papers["d003"] == Paper.from_dict(on_disk) and papers.get("d003") is papers["d003"]
    copy = pickle.loads(pickle.dumps(papers))
    assert copy == papers and copy["d004"] == papers["d004"]


def test_a_paper_changed_after_grading_is_refused_with_the_file_named(dry: Path, tmp_path: Path) -> None:
    copy = tmp_path / "built"
    shutil.copytree(dry / "built", copy)
    result = grade_exam(copy, answers=dry / "answers.csv", out=tmp_path / "g", report=False, workers=1)
    target = copy / "variants" / "d010.json"
    target.write_text(target.read_text(encoding="utf-8").replace('"D 10"', '"E 10"'), encoding="utf-8")
    papers = result.grading.papers
    assert papers.get("d010") is None
    with pytest.raises(PaperUnavailable, match=r"d010: .*d010\.json changed since the build"):
        papers["d010"]
    with pytest.raises(KeyError):
        papers["nobody"]


def test_load_paper_refuses_a_missing_changed_or_other_students_file(dry: Path, tmp_path: Path) -> None:
    manifest = json.loads((dry / "built" / "manifest.json").read_text(encoding="utf-8"))
    refs = {r.student: r for r in paper_refs(manifest)}
    assert load_paper(dry / "built", refs["d001"]).student_id == "d001"
    with pytest.raises(DlexamError, match=r"d007\.json is missing"):
        load_paper(dry / "built", refs["d007"])
    with pytest.raises(DlexamError, match="changed since the build"):
        load_paper(dry / "built", refs["d021"])
    swapped = replace(refs["d002"], path=refs["d001"].path, sha256=refs["d001"].sha256)
    with pytest.raises(DlexamError, match="is the paper of 'd001', not of this student"):
        load_paper(dry / "built", swapped)
    bare = {"students": [{"id": "x1", "files": {}}, "junk"]}
    refused = [(r.student, "no variant file" in r.problem) for r in paper_refs(bare)]
    assert refused == [("x1", True), ("?", True)]


def test_the_garbage_collector_is_left_as_the_caller_had_it(dry: Path, tmp_path: Path) -> None:
    assert gc.isenabled()
    grade_dry(dry, tmp_path / "on", workers=1)
    assert gc.isenabled()
    gc.disable()
    try:
        grade_dry(dry, tmp_path / "off", workers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def _slowly_here(x: int, power: int) -> int:
    time.sleep(0.4)  # long enough for the worker to have taken the first chunks
    return -x


def test_a_pool_shares_the_chunks_with_this_process_and_answers_in_chunk_order() -> None:
    chunks = [(x, 2) for x in range(1, 9)]
    with Pool(1, initializer=settle, initargs=()) as pool:
        seen: list[int] = []
        got = pool.map(pow, chunks, here=_slowly_here, done=seen.append)
    assert all(g in (x * x, -x) for (x, _), g in zip(chunks, got, strict=True))
    assert got[0] == 1 and got[-1] == -8  # the worker took the front, this process the back
    assert sorted(seen) == sorted(got)


def test_a_chunk_whose_worker_died_is_marked_here_instead() -> None:
    with Pool(1, initializer=settle, initargs=()) as pool:
        got = pool.map(os._exit, [(i,) for i in range(1, 7)], here=lambda i: -i)  # os._exit kills the worker
    assert got == [-i for i in range(1, 7)]


MARKS = st.fractions(-2, 600, max_denominator=7) | st.integers(0, 300).map(Fraction)


@given(st.lists(st.lists(st.tuples(st.sampled_from(["q1", "q2", "q3"]), MARKS, MARKS), max_size=6),
                max_size=5))
def test_the_grade_books_sums_are_the_students_own_question_marks(students: list[list[Any]]) -> None:
    results = [StudentResult(f"s{i}", "", tuple(PartResult(q, "1", "a", "number", "", m, o, "right", "")
                                                for q, m, o in parts),
                             sum((m for _, m, _ in parts), Fraction(0)), Fraction(i))
               for i, parts in enumerate(students)]
    marks, possible = _tally(results)
    assert marks == [s.question_marks() for s in results]
    assert all(list(m) == list(s.question_marks()) for m, s in zip(marks, results, strict=True))
    for q in ("q1", "q2", "q3"):
        given = [sum((p.out_of for p in s.parts if p.question == q), Fraction(0)) for s in results
                 if any(p.question == q for p in s.parts)]
        assert possible.get(q) == (max(given) if given else None)
    assert possible["total"] == max((s.max for s in results), default=0)
