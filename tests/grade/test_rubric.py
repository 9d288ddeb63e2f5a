"""TA rubric scores: the reader accounts for every row, and a score becomes marks in proportion."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlexam.exam import parse_spec
from dlexam.exam.build import manifest_entry
from dlexam.exam.roster import Student
from dlexam.exam.variants import draw_papers
from dlexam.grade.rubric import (
    TA_ISSUE_KINDS,
    TaScore,
    TaScoresError,
    TaSheet,
    mark_text,
    read_ta_scores,
    rubric_max,
    rubrics_of,
)
from dlexam.model import Criterion, Paper, Part
from tests.grade.test_run import SPEC  # two short answers (s2q2, s2q3) among automatic parts

HEADER = ["student", "question", "part", "points", "c1", "c2", "c3", "marker", "comment"]


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    spec = parse_spec(SPEC, path="quiz.toml")
    return draw_papers(spec, [Student(s, f"Student {s}") for s in ("s01", "s02")])


@pytest.fixture(scope="module")
def manifest(papers: list[Paper]) -> dict[str, Any]:
    return {"students": [manifest_entry(p, {}) for p in papers]}


def short(paper: Paper) -> list[tuple[str, str, Part]]:
    """(question key, number on this paper, part) of each short answer."""
    return [(e.key, e.number, p) for e in paper.entries for p in e.question.parts if p.kind == "text"]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def balanced(sheet: TaSheet) -> bool:
    return sheet.rows_read == sheet.rows_used + sheet.rows_refused


def test_points_or_criteria_are_read_for_each_students_own_question_number(
        tmp_path: Path, papers: list[Paper], manifest: dict[str, Any]) -> None:
    (k1, n1, p1), (k2, _, p2) = short(papers[0])
    (k3, _, _), _ = short(papers[1])
    path = write(tmp_path / "ta.csv", [
        ["s01", n1, "", "", "1", "0", "1", "AB", "clear"],  # by the number printed on s01's paper
        ["S01", k2, "a", "2,5", "", "", "", "", ""],  # id in another case, part by its letter, comma decimal
        ["s02", k3, "answer", "3/2", "1/2", "1", "0", "", ""],  # points and criteria that agree
    ])
    sheet = read_ta_scores(path, manifest, rubrics=rubrics_of(papers))
    assert sheet.issues == [] and balanced(sheet)
    assert sheet.scores[("s01", k1, p1.id)] == TaScore(Fraction(2), (1, 0, 1), 2, "AB", "clear")
    assert sheet.scores[("s01", k2, p2.id)].points == Fraction(5, 2)
    assert sheet.scores[("s01", k2, p2.id)].criteria is None
    assert sheet.scores[("s02", k3, "answer")].criteria == (Fraction(1, 2), 1, 0)


def test_every_bad_row_is_refused_with_its_line_and_kind(tmp_path: Path, papers: list[Paper],
                                                          manifest: dict[str, Any]) -> None:
    (k1, _, _), (k2, _, _) = short(papers[0])
    (k3, _, _), (k4, _, _) = short(papers[1])
    shape = next(e.key for e in papers[0].entries if e.question.parts[0].kind == "shape")
    rows = [
        ["nobody", k1, "", "1", "", "", "", "", ""],
        ["s01", "Q9", "", "1", "", "", "", "", ""],
        ["s01", k1, "z", "1", "", "", "", "", ""],
        ["s01", shape, "", "1", "", "", "", "", ""],
        ["s01", k1, "", "", "", "", "", "", "later"],
        ["s01", k1, "", "lots", "", "", "", "", ""],
        ["s01", k1, "", "-1", "", "", "", "", ""],
        ["s01", k1, "", "", "2", "0", "0", "", ""],
        ["s01", k1, "", "", "1", "", "1", "", ""],
        ["s01", k1, "", "", "1", "1", "", "", ""],
        ["s01", k1, "", "4", "", "", "", "", ""],
        ["s01", k1, "", "2", "1", "0", "0", "", ""],
        ["s01", k1, "", "3", "", "", "", "", ""],  # line 14: the first row of s01/k1 that is used
        ["s01", k1, "", "1", "", "", "", "", ""],
        ["s01", k2, "", "1", "", "", ""],
        ["s02", k3, "", "1", "", "", "", "", ""],
        ["s02", k4, "", "1.5", "", "", "", "", ""],
    ]
    sheet = read_ta_scores(write(tmp_path / "ta.csv", rows), manifest, rubrics=rubrics_of(papers))
    assert [(i.line, i.kind) for i in sheet.issues] == [
        (2, "unknown student"), (3, "unknown question"), (4, "unknown part"), (5, "not a text part"),
        (6, "not marked"), (7, "not a number"), (8, "negative"), (9, "above the maximum"),
        (10, "not a number"), (11, "criteria count"), (12, "above the maximum"),
        (13, "points and criteria disagree"), (15, "duplicate"), (16, "malformed row")]
    assert sheet.scores[("s01", k1, "answer")].line == 14
    assert (sheet.rows_read, sheet.rows_used, sheet.rows_refused) == (17, 3, 14)
    assert all(i.kind in TA_ISSUE_KINDS and "\n" not in str(i) for i in sheet.issues)
    assert "c2 is empty" in sheet.issues[8].message and "its rubric has 3" in sheet.issues[9].message


def test_without_the_rubrics_the_total_is_checked_against_the_parts_marks(
        tmp_path: Path, papers: list[Paper], manifest: dict[str, Any]) -> None:
    (k1, _, p1), _ = short(papers[0])
    rows = [["s01", k1, "", "1", "1", "1", "1", "1"]]
    header = ["student", "question", "part", "c1", "c2", "c3", "c4", "c5"]
    sheet = read_ta_scores(write(tmp_path / "ta.csv", rows, header), manifest)
    assert [i.kind for i in sheet.issues] == ["above the maximum"] and p1.marks < 5


def test_json_lines_take_numbers_and_text(tmp_path: Path, papers: list[Paper],
                                          manifest: dict[str, Any]) -> None:
    (k1, _, _), (k2, _, _) = short(papers[0])
    lines = [{"student": "s01", "question": k1, "part": "", "points": 2, "comment": "ok", "seen": 1},
             {"student": "s01", "question": k2, "part": "answer", "c1": 1, "c2": 0.5, "c3": 0},
             {"student": "s02", "question": k1, "part": True, "points": 1}]
    path = tmp_path / "ta.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    sheet = read_ta_scores(path, manifest, rubrics=rubrics_of(papers))
    assert sheet.scores[("s01", k1, "answer")].comment == "ok"
    assert sheet.scores[("s01", k2, "answer")].points == Fraction(3, 2)
    assert [(i.line, i.kind) for i in sheet.issues] == [(3, "malformed row")]
    assert "'seen'" in sheet.warnings[0] and balanced(sheet)


@pytest.mark.parametrize(("content", "says"), [
    (b"", "the file is empty"),
    (b"student,question,part,marker\ns01,1,,AB\n", "neither a 'points' column nor criterion columns"),
    (b"student,part,points\n", "the header has no 'question' column"),
    (b"student,question,part,points,points\n", "names 'points' twice"),
])
def test_a_file_that_cannot_be_read_names_the_file_and_the_fix(tmp_path: Path, manifest: dict[str, Any],
                                                               content: bytes, says: str) -> None:
    path = tmp_path / "ta.csv"
    path.write_bytes(content)
    with pytest.raises(TaScoresError, match=says) as e:
        read_ta_scores(path, manifest)
    assert str(e.value).startswith(str(path)) and "\n" not in str(e.value)
    with pytest.raises(TaScoresError, match="cannot read the TA scores file"):
        read_ta_scores(tmp_path / "nope.csv", manifest)


RUBRIC = (Criterion(2, "names the vanishing gradient"), Criterion(1, "gives a fix"))


@given(first=st.fractions(0, 2), second=st.fractions(0, 1), marks=st.integers(0, 6),
       comment=st.text(max_size=300))
def test_rubric_points_become_marks_in_proportion_with_every_criterion_in_the_feedback(
        first: Fraction, second: Fraction, marks: int, comment: str) -> None:
    part = Part("why", "text", "model answer", marks=marks, rubric=RUBRIC)
    got = mark_text(part, TaScore(first + second, (first, second), 1, "", comment))
    assert got.marks == Fraction(marks) * (first + second) / 3
    assert got.status == ("right" if first + second == 3 else "partial" if first + second else "wrong")
    assert "\n" not in got.feedback and len(got.feedback) <= 300
    assert "names the vanishing gradient (" in got.feedback and "gives a fix (" in got.feedback
    assert ("TA: " in got.feedback) == bool(comment.split())


def test_a_part_without_a_rubric_takes_points_out_of_its_marks() -> None:
    part = Part("why", "text", "model answer", marks=4)
    assert rubric_max((), 4) == 4
    got = mark_text(part, TaScore(Fraction(3), None, 1, "", "see margin"))
    assert (got.marks, got.status, got.feedback) == (3, "partial", "3/4 rubric points; TA: see margin")
    corrected = mark_text(replace(part, marks=2), TaScore(Fraction(2), (2, 0), 1), rubric=RUBRIC)
    assert corrected.marks == Fraction(4, 3) and "gives a fix (0/1)" in corrected.feedback


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
NUMBER = st.sampled_from(["", "", "", "0", "1", "2", "1,5", "1/2", "3", "-1", "1/0", "nan", "1e3", " 1 "])
STUDENT = st.sampled_from(["s01", "s02", "S02", "x", ""])
QUESTION = st.sampled_from(["s2q2", "s2q3", "5", "6", "Q5", "s1q1", "9", ""])
PART = st.sampled_from(["", "a", "answer", "shape", "b"])
CRITERIA = st.just(["", "", ""]) | st.lists(NUMBER, min_size=3, max_size=3)
ROW = st.builds(lambda s, q, p, n, c, m, t: [s, q, p, n, *c, m, t],
                STUDENT, QUESTION, PART, NUMBER, CRITERIA, TEXT, TEXT)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW | st.lists(TEXT, max_size=11), max_size=12))
def test_any_rows_are_each_used_or_refused_and_a_used_score_fits_its_rubric(
        tmp_path: Path, papers: list[Paper], manifest: dict[str, Any], rows: list[list[str]]) -> None:
    sheet = read_ta_scores(write(tmp_path / "any.csv", rows), manifest, rubrics=rubrics_of(papers))
    assert balanced(sheet)
    rubrics = rubrics_of(papers)
    for cell, score in sheet.scores.items():
        assert 0 <= score.points <= rubric_max(rubrics[cell], 0)
        if score.criteria is not None:
            assert len(score.criteria) == len(rubrics[cell]) and sum(score.criteria) == score.points


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), name=st.sampled_from(["x.csv", "x.jsonl", "x"]),
       head=st.sampled_from([b"", b"student,question,part,points\n", b"student;question;part;c1;c2\r\n"]))
def test_any_bytes_give_a_sheet_or_a_one_line_error(tmp_path: Path, manifest: dict[str, Any], data: bytes,
                                                    name: str, head: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(head + data)
    try:
        sheet = read_ta_scores(path, manifest)
    except TaScoresError as e:
        assert "\n" not in str(e)
        return
    assert balanced(sheet) and all("\n" not in str(i) for i in sheet.issues)
