"""`dlexam grade` as a user runs it: counts and files, exit 1 for a student not graded, 2 for bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dlexam.cli import main
from tests.grade.test_run import built, papers, right_rows, write_csv
from tests.test_cli import assert_one_line_usage_error, run

__all__ = ["built"]  # the module's fixture: a small exam built once


def answers(built: Path, tmp_path: Path) -> Path:
    return write_csv(tmp_path / "answers.csv", [*right_rows(papers(built)["s01"]), ["nobody", "1", "", "x"]])


def test_grade_prints_the_counts_and_every_file_it_wrote(capsys: pytest.CaptureFixture[str], built: Path,
                                                          tmp_path: Path) -> None:
    ada = papers(built)["s01"]
    key = next(e.key for e in ada.entries if e.question.parts[0].kind == "text")
    scores = write_csv(tmp_path / "ta.csv", [["s01", key, "", "2"], ["s01", "99", "", "1"]],
                       header=("student", "question", "part", "points"))
    out = tmp_path / "g"
    r = run(capsys, "grade", str(built), "--answers", str(answers(built, tmp_path)), "--out", str(out),
            "--scores", str(scores))
    assert r.code == 0 and r.err == ""
    rows = len(right_rows(ada)) + 1
    assert f"graded 4 students: {rows} answer rows read, {rows - 1} used, 1 refused" in r.out
    assert "1 answers await a TA" in r.out and "TA scores: 2 rows read, 1 used, 1 refused" in r.out
    names = ["grades.csv", "grades-moodle.csv", "grades-canvas.csv", "parts.csv", "awaiting-ta.csv",
             "report.txt"]
    assert f"wrote {', '.join(names)} into {out}" in r.out
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_a_student_not_graded_makes_the_exit_code_1_after_the_others_are_written(
        capsys: pytest.CaptureFixture[str], built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    (copy / "variants" / "s04.json").unlink()
    with pytest.raises(SystemExit) as e:
        main(["grade", str(copy), "--answers", str(answers(built, tmp_path)), "--out", str(tmp_path / "g"),
              "--quiet"])
    assert e.value.code == 1
    printed = capsys.readouterr().out
    assert "graded 3 students" in printed and "not graded: s04: " in printed and "is missing" in printed
    assert "s04" not in (tmp_path / "g" / "grades.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(("answers_text", "scores_text", "says"), [
    ("name,answer\n", None, "the header has no 'student'"),
    ("student,question,part,answer\n", "student,question,part\ns01,1,,2\n", "neither a 'points' column"),
    ("student,question,part,answer\n", "", "the file is empty"),
])
def test_a_bad_answers_or_scores_file_is_one_line_and_exit_2_with_nothing_written(
        capsys: pytest.CaptureFixture[str], built: Path, tmp_path: Path, answers_text: str,
        scores_text: str | None, says: str) -> None:
    (tmp_path / "a.csv").write_text(answers_text, encoding="utf-8")
    argv = ["grade", str(built), "--answers", str(tmp_path / "a.csv"), "--out", str(tmp_path / "g")]
    if scores_text is not None:
        (tmp_path / "ta.csv").write_text(scores_text, encoding="utf-8")
        argv += ["--scores", str(tmp_path / "ta.csv")]
    assert says in assert_one_line_usage_error(run(capsys, *argv))
    assert not (tmp_path / "g").exists()


def test_a_folder_that_is_not_a_build_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("student,question,part,answer\n", encoding="utf-8")
    argv = ("grade", str(tmp_path), "--answers", str(tmp_path / "a.csv"), "--out", str(tmp_path / "g"))
    err = assert_one_line_usage_error(run(capsys, *argv))
    assert "no manifest.json" in err
    (tmp_path / "manifest.json").write_text(json.dumps({"students": {}}), encoding="utf-8")
    argv = ("grade", str(tmp_path), "--answers", str(tmp_path / "a.csv"), "--out", str(tmp_path / "g"))
    err = assert_one_line_usage_error(run(capsys, *argv))
    assert "not a manifest dlexam built" in err


def test_an_out_path_that_is_a_file_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], built: Path,
                                                           tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("student,question,part,answer\n", encoding="utf-8")
    (tmp_path / "taken").write_text("", encoding="utf-8")
    err = assert_one_line_usage_error(run(capsys, "grade", str(built), "--answers", str(tmp_path / "a.csv"),
                                          "--out", str(tmp_path / "taken")))
    assert "cannot make the folder" in err
