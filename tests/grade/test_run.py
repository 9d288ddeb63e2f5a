"""`grade_exam` and `dlexam grade`: marks per student from a built exam and an answers file."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from dlexam import DlexamError
from dlexam.exam.build import build
from dlexam.grade.run import grade_exam
from dlexam.model import Paper, Part
from tests.exam.conftest import BASE
from tests.test_cli import assert_one_line_usage_error, run

ROSTER = "id,name\ns01,Ada Lovelace\ns02,Alan Turing\ns03,Grace Hopper\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exam")
    (root / "quiz.toml").write_text(BASE, encoding="utf-8")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    build(root / "quiz.toml", roster=root / "roster.csv", out=root / "out", workers=1)
    return root / "out"


def papers(built: Path) -> list[Paper]:
    return [Paper.from_dict(json.loads((built / "variants" / f"{s}.json").read_text(encoding="utf-8")))
            for s in ("s01", "s02", "s03")]


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


def grade(built: Path, tmp_path: Path, rows: list[list[str]]) -> tuple[dict[str, dict[str, str]], str]:
    answers = tmp_path / "answers.csv"
    with answers.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["student", "question", "part", "answer"], *rows])
    grade_exam(built, answers=answers, out=tmp_path / "grades")
    with (tmp_path / "grades" / "grades.csv").open(encoding="utf-8") as f:
        grades = {r["student"]: r for r in csv.DictReader(f)}
    return grades, (tmp_path / "grades" / "report.txt").read_text(encoding="utf-8")


def test_the_keys_earn_every_mark_but_the_short_answers_which_await_a_ta(built: Path, tmp_path: Path) -> None:
    ada = papers(built)[0]
    rows = [["s01", e.key, p.id, written(p)] for e in ada.entries for p in e.question.parts]
    grades, report = grade(built, tmp_path, rows)
    expected = sum(p.marks for e in ada.entries for p in e.question.parts if p.kind != "text")
    assert Fraction(grades["s01"]["total"]) == expected
    assert grades["s01"]["max"] == str(ada.marks)
    texts = sum(1 for e in ada.entries for p in e.question.parts if p.kind == "text")
    assert f"awaiting a TA ({texts}):" in report


def test_students_without_rows_score_zero_and_wrong_answers_score_what_score_gives(
        built: Path, tmp_path: Path) -> None:
    alan = papers(built)[1]
    first = alan.entries[0]
    grades, _ = grade(built, tmp_path, [["s02", first.key, first.question.parts[0].id, "not an answer"]])
    assert grades["s02"]["total"] == "0" and grades["s03"]["total"] == "0"


def test_every_row_is_accounted_for_in_the_report(built: Path, tmp_path: Path) -> None:
    ada = papers(built)[0]
    e = ada.entries[0]
    rows = [["s01", e.key, e.question.parts[0].id, "1"], ["nobody", e.key, "x", "1"],
            ["s01", e.key, e.question.parts[0].id, "2"]]
    _, report = grade(built, tmp_path, rows)
    assert "rows read 3 = used 1 + refused 2" in report
    assert "line 3: unknown student" in report and "line 4: duplicate" in report


def test_a_tampered_paper_is_refused(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(built, copy)
    variant = copy / "variants" / "s02.json"
    variant.write_text(variant.read_text(encoding="utf-8").replace('"s02"', '"s02"  '), encoding="utf-8")
    (tmp_path / "a.csv").write_text("student,question,part,answer\n", encoding="utf-8")
    with pytest.raises(DlexamError, match="changed since the build"):
        grade_exam(copy, answers=tmp_path / "a.csv", out=tmp_path / "g")


def test_dlexam_grade_prints_the_counts_and_bad_input_is_one_line(capsys: Any, built: Path,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("student,question,part,answer\n", encoding="utf-8")
    r = run(capsys, "grade", str(built), "--answers", str(tmp_path / "a.csv"), "--out", str(tmp_path / "g"))
    assert r.code == 0 and "graded 3 students" in r.out
    assert_one_line_usage_error(run(capsys, "grade", str(tmp_path), "--answers", str(tmp_path / "a.csv"),
                                    "--out", str(tmp_path / "g2")))
