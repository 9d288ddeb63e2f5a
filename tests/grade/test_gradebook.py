"""Grade-book CSVs: parse the output back with csv and check layout, values and quoting."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam.grade.gradebook import (
    CANVAS_IDENTITY,
    MOODLE_IDENTITY,
    TOTAL,
    GradebookRow,
    canvas_csv,
    format_mark,
    gradebook_problems,
    moodle_csv,
)


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


ROWS = [
    GradebookRow(
        "s001", "Ada Lovelace", {"q1": Fraction(3, 16), "q2": Fraction(5)}, Fraction(83, 16), Fraction(10)
    ),
    GradebookRow("s002", 'O\'Neil, "Bo"', {"q1": Fraction(2, 3)}, Fraction(2, 3), Fraction(10), "bo@uni.edu"),
]


def test_moodle_header_and_rows() -> None:
    table = _read(moodle_csv(ROWS, columns=["q1", "q2", TOTAL]))
    assert table[0] == [*MOODLE_IDENTITY, "q1", "q2", "total"]
    assert table[1][:3] == ["s001", "Ada Lovelace", ""]
    assert table[2][:3] == ["s002", 'O\'Neil, "Bo"', "bo@uni.edu"]
    assert table[2][4] == ""  # no mark for q2: left blank, not zero
    assert len(table) == 3 and {len(r) for r in table} == {6}


def test_canvas_header_points_row_and_identity() -> None:
    text = canvas_csv(ROWS, columns=["q1", ("q2", "Midterm Q2 (4821)")], points_possible={"q1": 4, "q2": 6})
    table = _read(text)
    assert table[0] == [*CANVAS_IDENTITY, "q1", "Midterm Q2 (4821)"]
    assert table[1] == ["Points Possible", "", "", "", "", "4", "6"]
    assert table[2][:5] == ["Ada Lovelace", "", "s001", "", ""]
    assert table[3][:5] == ['O\'Neil, "Bo"', "", "s002", "bo@uni.edu", ""]


def test_awkward_name_is_quoted_in_raw_text() -> None:
    text = moodle_csv(ROWS, columns=["q1"])
    assert '"O\'Neil, ""Bo"""' in text


def test_format_mark_text_rules() -> None:
    assert format_mark(Fraction(3, 16)) == "0.188"
    assert format_mark(Fraction(5, 2)) == "2.5"
    assert format_mark(Fraction(123456)) == "123456"
    assert format_mark(Fraction(-1, 3)) == "-0.333"
    assert format_mark(Fraction(-1, 10000)) == "0"
    for odd in (None, "abc", float("nan"), "1e99999999", True, object()):
        assert format_mark(odd) == ""


def test_problems_listed() -> None:
    rows = [*ROWS, GradebookRow("s001", "Points Possible Jr", {}, Fraction(0), Fraction(10))]
    problems = gradebook_problems(rows, columns=["q1", ("q9", "Quiz (12)")])
    assert any("assignment id" in p for p in problems)
    assert any("twice" in p for p in problems)
    assert any("points row" in p for p in problems)
    assert all("\n" not in p for p in problems)


fractions = st.fractions(min_value=-1000, max_value=1000, max_denominator=10_000)


@settings(max_examples=200, deadline=None)
@given(fractions)
def test_mark_round_trips_within_half_a_thousandth(value: Fraction) -> None:
    text = format_mark(value)
    assert "," not in text and "e" not in text.lower()
    assert text.count(".") <= 1 and len(text.partition(".")[2]) <= 3
    assert abs(Fraction(text) - value) <= Fraction(1, 2000)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=12),
            st.text(max_size=20),
            st.text(max_size=12),
            st.lists(fractions, min_size=3, max_size=3),
        ),
        max_size=8,
    ),
    st.lists(st.text(min_size=1, max_size=8), min_size=3, max_size=3),
)
def test_any_roster_parses_back(people: list[tuple[str, str, str, list[Fraction]]], keys: list[str]) -> None:
    rows = [
        GradebookRow(i, n, dict(zip(keys, m, strict=True)), sum(m, Fraction(0)), Fraction(30), e)
        for i, n, e, m in people
    ]
    columns = [*keys, TOTAL]
    for text, extra in (
        (moodle_csv(rows, columns=columns), 0),
        (canvas_csv(rows, columns=columns, points_possible={TOTAL: 30}), 1),
    ):
        table = _read(text)
        assert len(table) == 1 + extra + len(rows)
        width = len(table[0])
        assert all(len(r) == width for r in table)
        for row, line in zip(rows, table[1 + extra :], strict=True):
            assert row.name in line and row.student_id in line
            total = Fraction(line[-1])
            assert abs(total - row.total) <= Fraction(1, 2000)
            first_mark = width - len(columns)  # keys may repeat or look like identity headers
            for position, key in enumerate(keys):
                col = first_mark + position
                assert abs(Fraction(line[col]) - row.marks[key]) <= Fraction(1, 2000)
