"""Reading the answers file: every row accounted for, by line, in CSV and JSON lines.

Oracles: files written here with Python's csv.writer and json.dumps from rows whose fate
(which answer cell, or which issue) the test decides itself from the manifest dict, and
line numbers counted from the text the test wrote.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlexam.exam import Student, draw_papers
from dlexam.exam.build import manifest_entry
from dlexam.grade._rows import Index
from dlexam.grade.answers import ISSUE_KINDS, REFUSED, AnswersError, AnswerSheet, read_answers
from tests.exam.conftest import BASE, spec_of

SPEC = BASE + '''
[[sections]]
title = "Two"

[[sections.questions]]
topic = "rnn.forward_grad"
'''
HEADER = ["student", "question", "part", "answer"]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    papers = draw_papers(spec_of(SPEC), [Student(f"s{i:03d}", f"Student {i}") for i in range(3)])
    return {"students": [manifest_entry(p, {}) for p in papers]}


def cells_of(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(s["id"], q["key"], p["id"]) for s in manifest["students"] for q in s["questions"]
            for p in q["parts"]]


def multi_part(manifest: dict[str, Any], sid: str) -> dict[str, Any]:
    student = next(s for s in manifest["students"] if s["id"] == sid)
    return next(q for q in student["questions"] if len(q["parts"]) > 1)


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", header: list[str] = HEADER) -> Path:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def balanced(sheet: AnswerSheet) -> bool:
    refused = sum(i.kind in REFUSED for i in sheet.issues)
    return sheet.rows_read == len(sheet.answers) + refused and sheet.rows_used == len(sheet.answers)


# -- every issue kind, with its line ------------------------------------------------------

def test_each_issue_kind_is_reported_on_its_line(tmp_path: Path, manifest: dict[str, Any]) -> None:
    q = multi_part(manifest, "s000")
    second = q["parts"][1]["id"]
    text = "\n".join([
        "student,question,part,answer",                 # 1
        f"s000,{q['key']},{second},0.25",                # 2  used
        f"nobody,{q['key']},{second},1",                 # 3  unknown student
        "s000,s9q9,shape,1",                             # 4  unknown question
        f"s000,{q['key']},zeta,1",                       # 5  unknown part
        f"s000,{q['key']},b,0.5",                        # 6  duplicate of line 2 (b = second part)
        f"s001,{multi_part(manifest, 's001')['key']},a,  ",  # 7 empty answer (kept)
        "s001,1",                                        # 8  malformed: too few values
        "",                                              # 9  blank line: not a row
        f"s000,{q['key']},{q['parts'][0]['id']},1,2,3",  # 10 malformed: an unquoted comma
        ",,,",                                           # 11 blank: delimiters only
        f",{q['key']},a,1",                              # 12 malformed: no student
    ]) + "\n"
    path = tmp_path / "a.csv"
    path.write_text(text)
    sheet = read_answers(path, manifest)
    assert [(i.line, i.kind) for i in sheet.issues] == [
        (3, "unknown student"), (4, "unknown question"), (5, "unknown part"), (6, "duplicate"),
        (7, "empty answer"), (8, "malformed row"), (10, "malformed row"), (12, "malformed row")]
    duplicate = sheet.issues[3]
    assert "line 2" in duplicate.message
    assert sheet.answers[("s000", q["key"], second)].text == "0.25"
    assert sheet.answers[("s000", q["key"], second)].line == 2
    other = multi_part(manifest, "s001")
    assert sheet.answers[("s001", other["key"], other["parts"][0]["id"])].text == "  "
    assert (sheet.rows_read, sheet.rows_used, sheet.rows_refused) == (9, 2, 7)
    assert balanced(sheet)
    assert all("\n" not in str(i) and i.kind in ISSUE_KINDS for i in sheet.issues)


def test_a_printed_number_means_that_students_own_question(tmp_path: Path, manifest: dict[str, Any]) -> None:
    rows: list[list[str]] = []
    expected = {}
    for s in manifest["students"]:
        for q in s["questions"]:
            for letter, part in zip("abcdefgh", q["parts"], strict=False):
                ref = q["number"] if len(rows) % 2 else f"Q{q['number']}"
                rows.append([s["id"], ref, letter, f"{s['id']}-{q['key']}-{part['id']}"])
                expected[(s["id"], q["key"], part["id"])] = rows[-1][3]
    sheet = read_answers(write_csv(tmp_path / "n.csv", rows), manifest)
    assert {cell: a.text for cell, a in sheet.answers.items()} == expected
    assert [a.line for a in sheet.answers.values()] == list(range(2, len(rows) + 2))
    assert sheet.issues == [] and sheet.missing(manifest) == []


def test_missing_lists_every_part_with_no_row(tmp_path: Path, manifest: dict[str, Any]) -> None:
    cells = cells_of(manifest)
    given_cells = cells[::3]
    sheet = read_answers(write_csv(tmp_path / "m.csv", [[*c, "1"] for c in given_cells]), manifest)
    assert sheet.missing(manifest) == [c for c in cells if c not in given_cells]


def test_an_empty_part_is_the_only_part(tmp_path: Path, manifest: dict[str, Any]) -> None:
    s = manifest["students"][0]
    single = next(q for q in s["questions"] if len(q["parts"]) == 1)
    several = multi_part(manifest, s["id"])
    sheet = read_answers(write_csv(tmp_path / "e.csv", [[s["id"], single["key"], "", "b"],
                                                         [s["id"], several["key"], "", "1"]]), manifest)
    assert list(sheet.answers) == [(s["id"], single["key"], single["parts"][0]["id"])]
    assert [(i.line, i.kind) for i in sheet.issues] == [(3, "unknown part")]


# -- CSV dialects ---------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_bom_quotes_and_extra_columns(tmp_path: Path, manifest: dict[str, Any],
                                                 delimiter: str) -> None:
    cells = cells_of(manifest)[:4]
    answers = ["3/16", 'a "quoted"\nanswer\r\nover lines', "1,5; 2\t3", "(2, 12, 248, 83)"]
    header = ["When", "Student ", "QUESTION", "part", "answer", ""]
    rows = [["t", *c, a, "x"] for c, a in zip(cells, answers, strict=True)]
    path = write_csv(tmp_path / "d.csv", rows, delimiter, header)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    sheet = read_answers(path, manifest)
    assert [sheet.answers[c].text for c in cells] == answers
    # lines counted from the text written: the second answer spans three lines
    assert [sheet.answers[c].line for c in cells] == [2, 3, 6, 7]
    assert sheet.issues == [] and balanced(sheet)
    assert len(sheet.warnings) == 1
    assert "'When'" in sheet.warnings[0] and "unnamed column 6" in sheet.warnings[0]


def test_utf16_from_a_spreadsheet(tmp_path: Path, manifest: dict[str, Any]) -> None:
    cell = cells_of(manifest)[0]
    path = tmp_path / "u.txt"
    path.write_bytes("student\tquestion\tpart\tanswer\n{}\t{}\t{}\t½·x\n".format(*cell).encode("utf-16"))
    assert read_answers(path, manifest).answers[cell].text == "½·x"


def test_broken_quoting_is_a_malformed_row_and_reading_goes_on(tmp_path: Path,
                                                               manifest: dict[str, Any]) -> None:
    c = cells_of(manifest)
    text = "\n".join([
        "student,question,part,answer",            # 1
        "{},{},{},\"3\"/16".format(*c[0]),          # 2 text after a closing quote
        "{},{},{},{}".format(*c[1], "x" * 140_000),  # 3 longer than the csv module's field limit
        "{},{},{},ok".format(*c[2]),                 # 4
        "{},{},{},\"never closed".format(*c[3]),     # 5
        "{},{},{},swallowed".format(*c[4]),          # 6
    ]) + "\n"
    path = tmp_path / "q.csv"
    path.write_text(text)
    sheet = read_answers(path, manifest)
    assert list(sheet.answers) == [c[2]]
    assert [(i.line, i.kind) for i in sheet.issues] == [(2, "malformed row"), (3, "malformed row"),
                                                       (5, "malformed row")]
    assert "lines 5-6 are one row" in sheet.issues[2].message
    assert balanced(sheet) and sheet.rows_read == 4


# -- JSON lines -----------------------------------------------------------------------------

def test_json_lines(tmp_path: Path, manifest: dict[str, Any]) -> None:
    c = cells_of(manifest)
    lines = [
        json.dumps({"student": c[0][0], "question": c[0][1], "part": c[0][2], "answer": "b"}),  # 1
        json.dumps({"student": c[1][0], "question": c[1][1], "part": c[1][2], "answer": [2, 12]}),  # 2
        "",                                                                                  # 3
        '{"student": "s000", "question": ',                                                  # 4 bad JSON
        "[1, 2]",                                                                            # 5 not an object
        json.dumps({"student": "s000", "question": "1", "answer": "x"}),                     # 6 no part
        json.dumps({"student": True, "question": "1", "part": "a", "answer": "x"}),          # 7 bool id
        json.dumps({"student": c[2][0], "question": c[2][1], "part": c[2][2], "answer": None,
                    "seen": 1}),                                                              # 8 empty
        json.dumps({"student": c[3][0], "question": c[3][1], "part": c[3][2],
                    "answer": "a\u2028b"}, ensure_ascii=False),                               # 9
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n")
    sheet = read_answers(path, manifest)
    assert sheet.answers[c[0]].text == "b"
    assert sheet.answers[c[1]].text == json.dumps([2, 12])
    assert sheet.answers[c[2]].text == ""
    assert (sheet.answers[c[3]].text, sheet.answers[c[3]].line) == ("a\u2028b", 9)
    assert [(i.line, i.kind) for i in sheet.issues] == [
        (4, "malformed row"), (5, "malformed row"), (6, "malformed row"), (7, "malformed row"),
        (8, "empty answer")]
    assert balanced(sheet) and sheet.rows_read == 8
    assert "'seen'" in sheet.warnings[0]


# -- errors about the file itself ------------------------------------------------------------

@pytest.mark.parametrize(("content", "says"), [
    (b"", "empty"),
    (b"\n  \n", "empty"),
    (b"name,question,part,answer\ns000,1,a,1\n", "line 1: the header has no 'student'"),
    (b"\n\nstudent;question;part;answer;answer\n", "line 3: the header names 'answer' twice"),
    (b'student,question,part,answer\ns000,1,a,"caf\xc3\xa9"\ns000,2,a,caf\xe9\n', "line 3 is not UTF-8"),
    (b'""\n', "no header line"),
])
def test_file_errors_name_the_file_and_the_line(tmp_path: Path, manifest: dict[str, Any],
                                                 content: bytes, says: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(AnswersError, match=says) as e:
        read_answers(path, manifest)
    assert str(e.value).startswith(str(path)) and "\n" not in str(e.value)


def test_missing_file_directory_and_json_array(tmp_path: Path, manifest: dict[str, Any]) -> None:
    for path in (tmp_path / "nope.csv", tmp_path):
        with pytest.raises(AnswersError, match="check the path"):
            read_answers(path, manifest)
    (tmp_path / "a.json").write_text('[{"student": "s000"}]')
    with pytest.raises(AnswersError, match="one JSON object per line"):
        read_answers(tmp_path / "a.json", manifest)
    with pytest.raises(AnswersError, match="rebuild the exam"):
        read_answers(tmp_path / "nope.csv", {"students": [{"id": "x"}]})


# -- fuzzing --------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), name=st.sampled_from(["x.csv", "x.jsonl", "x"]),
       head=st.sampled_from([b"", b"student,question,part,answer\n", b"student\tquestion\tpart\tanswer\r\n"]))
def test_any_bytes_give_a_sheet_or_an_answers_error(tmp_path: Path, manifest: dict[str, Any],
                                                     data: bytes, name: str, head: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(head + data)
    try:
        sheet = read_answers(path, manifest)
    except AnswersError as e:
        assert "\n" not in str(e)
        return
    assert balanced(sheet)
    assert all("\n" not in str(i) for i in sheet.issues)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # any text UTF-8 can hold


@st.composite
def rows(draw: st.DrawFn, manifest: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """Rows and the fate each should meet: 'ok', or the issue kind the row must earn."""
    out = []
    for _ in range(draw(st.integers(0, 25))):
        s = draw(st.sampled_from(manifest["students"]))
        q = draw(st.sampled_from(s["questions"]))
        i = draw(st.integers(0, len(q["parts"]) - 1))
        question = draw(st.sampled_from([q["key"], q["number"], "q" + q["number"], q["key"].upper()]))
        part = draw(st.sampled_from([q["parts"][i]["id"], "abcdefgh"[i]]))
        answer = draw(TEXT)
        fate = draw(st.sampled_from(["ok"] * 3 + ["unknown student", "unknown question", "unknown part"]))
        student = {"unknown student": "zz" + s["id"]}.get(fate, s["id"])
        question = {"unknown question": "s9q" + q["key"]}.get(fate, question)
        part = {"unknown part": "zz"}.get(fate, part)
        cell = f"{s['id']}|{q['key']}|{q['parts'][i]['id']}"
        out.append(([student, question, part, answer], cell if fate == "ok" else fate))
    return out


Expected = tuple[dict[tuple[str, ...], str], list[tuple[int, str]]]


def expected_of(generated: list[tuple[list[Any], str]]) -> Expected:
    """The answers and the (line, kind) issues the rows must give, first row kept."""
    answers: dict[tuple[str, ...], str] = {}
    issues = []
    for line, (row, fate) in enumerate(generated, 2):
        if "|" not in fate:
            issues.append((line, fate))
            continue
        cell = tuple(fate.split("|"))
        if cell in answers:
            issues.append((line, "duplicate"))
            continue
        answers[cell] = row[3]
        if not row[3].strip():
            issues.append((line, "empty answer"))
    return answers, issues


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), delimiter=st.sampled_from([",", ";", "\t"]), jsonl=st.booleans())
def test_written_rows_come_back_with_their_fates(tmp_path: Path, manifest: dict[str, Any],
                                                  data: st.DataObject, delimiter: str, jsonl: bool) -> None:
    generated = data.draw(rows(manifest))
    if jsonl:  # one object a line; json.dumps never writes a raw newline
        path = tmp_path / "r.jsonl"
        path.write_text("\n".join(json.dumps(dict(zip(HEADER, r, strict=True)), ensure_ascii=False)
                                  for r, _ in generated), encoding="utf-8")
        lines = [i + 1 for i in range(len(generated))]
    else:
        path = write_csv(tmp_path / "r.csv", [r for r, _ in generated], delimiter)
        text = path.read_text(encoding="utf-8")
        # the line each record starts on, from the text: count line breaks csv.reader sees
        reader, lines, last = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [], 0
        for _ in reader:
            lines.append(last + 1)
            last = reader.line_num
        lines = lines[1:]
    if jsonl and not generated:
        with pytest.raises(AnswersError, match="the file is empty"):
            read_answers(path, manifest)
        return
    sheet = read_answers(path, manifest)
    answers, issues = expected_of(generated)
    at = dict(zip(range(2, len(generated) + 2), lines, strict=True))
    assert {tuple(c): a.text for c, a in sheet.answers.items()} == answers
    assert [(i.line, i.kind) for i in sheet.issues] == [(at[line], kind) for line, kind in issues]
    assert balanced(sheet) and sheet.rows_read == len(generated)
    shared = Index(manifest, str(path), AnswersError)  # made once by grade_exam for answers and TA scores
    assert read_answers(path, manifest, index=shared) == sheet


# -- speed ----------------------------------------------------------------------------------

def test_speed(tmp_path: Path, manifest: dict[str, Any]) -> None:
    cells = cells_of(manifest)
    n = 200_000
    path = write_csv(tmp_path / "big.csv", [[*cells[i % len(cells)], "0.1875"] for i in range(n)])
    start = time.perf_counter()
    sheet = read_answers(path, manifest)
    rate = n / (time.perf_counter() - start)
    print(f"\nCSV: {rate:,.0f} rows/s")
    assert sheet.rows_read == n and balanced(sheet)
    assert rate > 20_000  # the target is 100,000 rows/s; this floor only catches a blow-up on a busy machine
