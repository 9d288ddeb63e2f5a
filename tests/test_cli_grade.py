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
             "report.txt", "graded.jsonl", "audit.log", "analysis.html", "feedback"]
    assert f"wrote {', '.join(names)} into {out}" in r.out
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "analysis.json"])
    ids = sorted(papers(built))
    assert sorted(p.name for p in (out / "feedback").iterdir()) == sorted(
        f"{sid}.{ext}" for sid in ids for ext in ("html", "pdf"))


def test_a_second_grading_with_a_corrected_key_logs_every_changed_mark(
        capsys: pytest.CaptureFixture[str], built: Path, tmp_path: Path) -> None:
    ada = papers(built)["s01"]
    entry, part = next((e, p) for e in ada.entries for p in e.question.parts if p.kind == "integer")
    rows = [r for r in right_rows(ada) if not (r[1] == entry.key and r[2] == part.id)]
    rows.append(["s01", entry.key, part.id, str(part.answer + 1)])  # one more than the key: wrong
    argv = ["grade", str(built), "--answers", str(write_csv(tmp_path / "a.csv", rows)), "--out",
            str(tmp_path / "g"), "--feedback", "none", "--no-report"]
    assert run(capsys, *argv).code == 0
    rules = tmp_path / "grading.toml"
    rules.write_text(f'[[part]]\nquestion = "{entry.key}"\npart = "{part.id}"\nstudent = "s01"\n'
                     f'key = {part.answer + 1}\nreason = "the key of this variant was off by one"\n',
                     encoding="utf-8")
    second = run(capsys, *argv, "--rules", str(rules))
    assert second.code == 0 and "1 marks changed since the last grading" in second.out
    log = (tmp_path / "g" / "audit.log").read_text(encoding="utf-8")
    changed = [line for line in log.splitlines() if " s01 " in line]
    assert len(changed) == 1 and f"0 → {part.marks}" in changed[0]
    assert "the key of this variant was off by one" in changed[0]


def test_rules_that_name_a_question_the_exam_lacks_are_one_line_and_exit_2(
        capsys: pytest.CaptureFixture[str], built: Path, tmp_path: Path) -> None:
    rules = tmp_path / "grading.toml"
    rules.write_text('[[part]]\nquestion = "s9q9"\ntolerance = "exact"\nreason = "x"\n', encoding="utf-8")
    r = run(capsys, "grade", str(built), "--answers", str(answers(built, tmp_path)), "--out",
            str(tmp_path / "g"), "--rules", str(rules))
    assert "s9q9" in assert_one_line_usage_error(r)
    assert not (tmp_path / "g").exists()


def test_an_unknown_feedback_format_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], built: Path,
                                                           tmp_path: Path) -> None:
    r = run(capsys, "grade", str(built), "--answers", str(answers(built, tmp_path)), "--out",
            str(tmp_path / "g"), "--feedback", "html,docx")
    assert "docx" in assert_one_line_usage_error(r)


def test_a_student_not_graded_makes_the_exit_code_1_after_the_others_are_written(
        capsys: pytest.CaptureFixture[str], built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    (copy / "variants" / "s04.json").unlink()
    code = main(["grade", str(copy), "--answers", str(answers(built, tmp_path)), "--out", str(tmp_path / "g"),
                 "--quiet", "--feedback", "none"])
    assert code == 1
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
