"""Grade-book CSVs that Moodle's and Canvas's grade import read.

    text = moodle_csv(rows, columns=["q1", "q2", TOTAL])
    text = canvas_csv(rows, columns=[("total", "Midterm (48213)")], points_possible={"total": 40})

Sources followed (read 2026-11):
- Moodle — MoodleDocs "Grade import" (docs.moodle.org/311/en/Grade_import): the CSV import previews the file
  and lets the teacher map one column to a user field ("Map from" a column, "Map to" `useridnumber` or
  `useremail`) and each other column to a grade item. We write a header row, then one row per student:
  `ID number` (the institution's student id — map it to `useridnumber`), `Full name` (for the eye only),
  `Email address` (an alternative identifier, `useremail`; blank when unknown), then one column per question
  key. Moodle reads a dot decimal.
- Canvas — the gradebook importer in canvas-lms (`GradebookImporter`) and the CarmenCanvas "Import a CSV file"
  guide: the header must start `Student`, `ID`, `SIS User ID`, `SIS Login ID`, `Section`; every later column
  is an assignment, named `Title (canvas id)` to update an existing one or a bare title to create one. A row
  whose first cell matches "Points Possible" sets each assignment's points. Canvas finds a student by its own
  user id (`ID`, which we do not know and leave blank), then by `SIS User ID` (our student id), then by
  `SIS Login ID` (we put the email there when we have it), then by name.

Marks are written with a dot decimal, at most 3 decimals (rounded half away from zero), no thousands
separator; a mark we do not have or cannot read is a blank cell (both LMSs leave that grade alone). Quoting
is the csv module's (RFC 4180). `gradebook_problems` lists, one line each, what would make an import go
wrong, so the caller can report it; no function here raises on bad cells.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

__all__ = ["TOTAL", "Column", "GradebookRow", "canvas_csv", "format_mark", "gradebook_problems", "moodle_csv"]

TOTAL = "total"
"""A column key that prints the row's total instead of one question's marks."""

Column = str | tuple[str, str]
"""A question key (the header is the key itself) or (key, header title)."""

MOODLE_IDENTITY = ("ID number", "Full name", "Email address")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
_CANVAS_ID_SUFFIX = re.compile(r"\s+\(\d+\)\Z")
_MAX_EXPONENT = 1000  # a mark written as 1e999999 would take seconds to expand; such a cell is unreadable


@dataclass(frozen=True)
class GradebookRow:
    """One student's line: who they are and their marks per question key."""

    student_id: str
    name: str
    marks: Mapping[str, Fraction] = field(default_factory=dict)
    total: Fraction = Fraction(0)
    max: Fraction = Fraction(0)
    email: str = ""


def format_mark(value: object) -> str:
    """A mark as import text: `2.5`, `0.188`, `-1`; "" for None or anything that is not a finite number."""
    if isinstance(value, Fraction):  # the grader's marks: a grade book of 10,000 students has 250,000
        return str(value.numerator) if value.denominator == 1 else _rounded(value)
    exact = _as_fraction(value)
    if exact is None:
        return ""
    return _rounded(exact)


@functools.lru_cache(maxsize=4096)  # marks repeat: halves, thirds of the same few part marks
def _rounded(exact: Fraction) -> str:
    thousandths = abs(exact) * 1000
    rounded = math.floor(thousandths + Fraction(1, 2))
    if rounded == 0:
        return "0"
    whole, part = divmod(rounded, 1000)
    text = str(whole) if part == 0 else f"{whole}.{part:03d}".rstrip("0")
    return f"-{text}" if exact < 0 else text


def moodle_csv(rows: Iterable[GradebookRow], *, columns: Sequence[Column]) -> str:
    """Moodle's CSV grade import: `ID number`, `Full name`, `Email address`, then one column per key."""
    keys, titles = _split_columns(columns)
    table: list[list[str]] = [[*MOODLE_IDENTITY, *titles]]
    for row in rows:
        identity = [_text(row, "student_id"), _text(row, "name"), _text(row, "email")]
        table.append(identity + [_cell(row, key) for key in keys])
    return _to_csv(table)


def canvas_csv(
    rows: Iterable[GradebookRow], *, columns: Sequence[Column], points_possible: Mapping[str, object]
) -> str:
    """Canvas's gradebook import: identity columns, a `Points Possible` row, then one row per student.

    `points_possible` maps a column key to its maximum; a key it lacks gets a blank cell (Canvas then keeps
    the assignment's points as they are).
    """
    keys, titles = _split_columns(columns)
    table: list[list[str]] = [[*CANVAS_IDENTITY, *titles]]
    table.append([POINTS_POSSIBLE, "", "", "", ""] + [_points(points_possible, key) for key in keys])
    for row in rows:
        identity = [_text(row, "name"), "", _text(row, "student_id"), _text(row, "email"), ""]
        table.append(identity + [_cell(row, key) for key in keys])
    return _to_csv(table)


def gradebook_problems(rows: Iterable[GradebookRow], *, columns: Sequence[Column]) -> list[str]:
    """One line per thing that would make an LMS import go wrong; empty when the grade book is clean."""
    keys, titles = _split_columns(columns)
    problems: list[str] = []
    for title in titles:
        if _CANVAS_ID_SUFFIX.search(title):
            problems.append(f"column {title!r}: Canvas reads a trailing '(number)' as an assignment id")
    seen: set[str] = set()
    for index, row in enumerate(rows, start=1):
        student = _text(row, "student_id")
        label = f"row {index} (student {student!r})"
        if not student.strip():
            problems.append(f"row {index}: no student id, so neither LMS can match this student")
        elif student in seen:
            problems.append(f"{label}: the same student id appears twice")
        seen.add(student)
        if POINTS_POSSIBLE.lower() in _text(row, "name").lower():
            problems.append(
                f"{label}: a name containing 'Points Possible' is read by Canvas as the points row"
            )
        for key in keys:
            if _cell(row, key) == "":
                problems.append(f"{label}: no readable mark for {key!r}; the cell is left blank")
    return problems


def _as_fraction(value: object) -> Fraction | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal) and not (value.is_finite() and abs(value.adjusted()) < _MAX_EXPONENT):
            exact = None
        elif isinstance(value, Fraction | int | Decimal):
            exact = Fraction(value)
        elif isinstance(value, float):
            exact = Fraction(value) if math.isfinite(value) else None
        elif isinstance(value, str) and len(value) <= 200 and _small_exponent(value):
            exact = Fraction(value.strip())
        else:
            exact = None
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
        return None
    return exact


def _small_exponent(text: str) -> bool:
    found = re.search(r"[eE]\s*([+-]?\d+)", text)
    return found is None or abs(int(found.group(1))) < _MAX_EXPONENT


def _split_columns(columns: Sequence[Column]) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    titles: list[str] = []
    for column in columns:
        if isinstance(column, tuple) and len(column) == 2:
            keys.append(str(column[0]))
            titles.append(str(column[1]))
        else:
            keys.append(str(column))
            titles.append(str(column))
    return keys, titles


def _text(row: object, attribute: str) -> str:
    value = getattr(row, attribute, "")
    return "" if value is None else str(value)


def _cell(row: object, key: str) -> str:
    if key == TOTAL:
        return format_mark(getattr(row, "total", None))
    marks = getattr(row, "marks", None)
    if not isinstance(marks, Mapping):
        return ""
    return format_mark(marks.get(key))


def _points(points_possible: Mapping[str, object], key: str) -> str:
    try:
        return format_mark(points_possible.get(key))
    except Exception:  # a caller's odd mapping must not break the export
        return ""


def _to_csv(table: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    return buffer.getvalue()
