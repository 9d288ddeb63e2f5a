"""The roster: who sits the exam, read from the CSV an LMS or a spreadsheet exports.

    students = read_roster("roster.csv")     # RosterError names the rows to fix

The file needs a header with an id column and a name column (a few common spellings,
or first and last name columns, are understood); other columns are kept in
`Student.extra`. A UTF-8 byte-order mark, spaces around values, blank lines and `;` or
tab as the delimiter are fine. Empty, duplicate (ignoring case: ids name files) or
unsafe ids stop the read, with every offending line listed in one message.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DlexamError

__all__ = ["RosterError", "Student", "parse_roster", "read_roster"]

ID_COLUMNS = ("id", "student_id", "student id", "studentid", "id number", "matriculation", "matrikelnummer")
NAME_COLUMNS = ("name", "student_name", "student name", "full name", "full_name")
FIRST_COLUMNS = ("first name", "first_name", "firstname", "given name")
LAST_COLUMNS = ("last name", "last_name", "lastname", "surname", "family name")
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


class RosterError(DlexamError, ValueError):
    """A roster that cannot be used as it is; the message names the file and the lines."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    line: int = 0  # where the student is in the roster file (1-based, the header is line 1)
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


def read_roster(path: str | Path) -> list[Student]:
    """The students of the CSV at `path`, in file order."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise RosterError(f"{name}: cannot read the roster ({e.strerror}); check the path") from None
    except UnicodeDecodeError:
        raise RosterError(f"{name}: is not UTF-8 text; save it as \"CSV UTF-8\"") from None
    return parse_roster(text, path=name)


def parse_roster(text: str, *, path: str = "roster.csv") -> list[Student]:
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise RosterError(f"{path}: the roster is empty; give a header line (id,name) "
                          "and one line per student")
    header_line = lines[header_at]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip() for cell in row]
            break
    columns = [h.casefold() for h in header]
    id_col = _find(columns, ID_COLUMNS)
    name_col = _find(columns, NAME_COLUMNS)
    first_col, last_col = _find(columns, FIRST_COLUMNS), _find(columns, LAST_COLUMNS)
    if id_col is None or (name_col is None and first_col is None and last_col is None):
        raise RosterError(f"{path}:{header_at + 1}: the header must name an 'id' and a 'name' column "
                          f"(got {', '.join(header) or 'nothing'}); e.g. id,name")
    students: list[Student] = []
    empty: list[int] = []
    unsafe: list[str] = []
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        student_id = cells[id_col]
        if name_col is not None:
            name = cells[name_col]
        else:
            name = " ".join(cells[c] for c in (first_col, last_col) if c is not None and cells[c])
        if not student_id:
            empty.append(line)
            continue
        if _UNSAFE.search(student_id) or student_id in {".", ".."}:
            unsafe.append(f"{_quote(student_id)} on line {line}")
        folded = student_id.casefold()
        if folded in seen:
            duplicates.append(f"{_quote(student_id)} on lines {seen[folded]} and {line}")
        else:
            seen[folded] = line
        extra = {h: c for i, (h, c) in enumerate(zip(header, cells, strict=False))
                 if i not in (id_col, name_col, first_col, last_col) and h}
        students.append(Student(student_id, name, line, extra))
    problems = []
    if empty:
        problems.append(f"empty id on line{'s' if len(empty) > 1 else ''} {', '.join(map(str, empty))}")
    if duplicates:
        problems.append("duplicate id " + "; ".join(duplicates)
                        + " (ids differing only in case count as the same)")
    if unsafe:
        problems.append("ids with '/', '\\' or control characters " + "; ".join(unsafe))
    if problems:
        raise RosterError(f"{path}: {'; '.join(problems)}; every student needs an id of their own")
    if not students:
        raise RosterError(f"{path}: the roster has a header but no students; add one line per student")
    return students


def _quote(student_id: str) -> str:
    """An id in a message, on one line whatever it holds."""
    return "'" + json.dumps(student_id, ensure_ascii=False)[1:-1] + "'"


def _find(columns: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in columns:
            return columns.index(name)
    return None
