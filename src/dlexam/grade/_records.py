"""graded.jsonl, the record of one grading run: one JSON line per part of every student.

    rows = records(grading)                       # one JSON-ready dict per part, keys in order
    text = record_text(grading.students)          # the same as the lines write_records writes
    write_records(out / "graded.jsonl", rows)
    old = read_records(out / "graded.jsonl")      # {(student, question, part): record}; old.problems

The format is documented in docs/grading-rules.md ("The audit log"); `audit` compares two runs'
records. A line is the record's JSON with its keys in alphabetical order (no sorting pass
needed), marks as "3/2", a key as plain JSON (tuples as lists, Fractions as "3/2", sets sorted,
anything else as its text). Reading never raises for the content: a damaged line becomes a
problem naming the file and the line, and the rest is read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from .results import Grading, StudentResult

__all__ = ["SAME", "Cell", "Record", "Records", "cut", "fraction", "one_line", "read_against", "read_records",
           "record_text", "records", "replace_text", "show", "write_records"]

Cell = tuple[str, str, str]  # (student id, question key, part id)
Record = dict[str, Any]
_ENCODER = json.JSONEncoder(ensure_ascii=False)  # records and _plain keep keys sorted
_STRING = encode_basestring  # a str as JSON, as _ENCODER writes it
_MARKS = re.compile(r"-?\d{1,30}(?:/\d{1,30})?\Z")
_SHOWN = 60  # characters of a value shown in the log


class Records(dict[Cell, Record]):
    """The records of one graded.jsonl. `found` says whether the file existed; `problems` are its
    damaged lines, one message each; `damaged` the cells those lines still name."""

    def __init__(self, path: str = "", found: bool = False) -> None:
        super().__init__()
        self.path, self.found = path, found
        self.problems: list[str] = []
        self.damaged: set[Cell] = set()



def records(grading: Grading) -> list[Record]:
    """One record per part of every student, in grading order: plain JSON with sorted keys (so
    the file needs no sorting pass), marks as "3/2"."""
    out = []
    for student in grading.students:
        sid = student.student_id
        for p in student.parts:
            out.append({  # alphabetical order
                "answer": p.answer, "carried_from": list(p.carried_from), "key": _plain(p.key),
                "marks": _marks_exact(p.marks), "part": p.part, "question": p.question, "rule": p.rule,
                "status": p.status, "student": sid,
                "ta_points": None if p.ta_points is None else [str(Fraction(t)) for t in p.ta_points],
            })
    return out


def record_text(students: Iterable[StudentResult]) -> str:
    """The graded.jsonl lines of `students`, each ending in a newline: the bytes `write_records`
    writes for `records`, built without a dict per part (a worker process formats its own)."""
    text, string = [], _STRING
    for student in students:
        sid = string(student.student_id)
        for p in student.parts:
            ta = "null" if p.ta_points is None else _ENCODER.encode([str(Fraction(t)) for t in p.ta_points])
            carried = _ENCODER.encode(list(p.carried_from)) if p.carried_from else "[]"
            text.append(f'{{"answer": {string(p.answer)}, "carried_from": {carried}, '
                        f'"key": {_key_json(p.key)}, "marks": "{_marks_exact(p.marks)}", '
                        f'"part": {string(p.part)}, "question": {string(p.question)}, '
                        f'"rule": {string(p.rule)}, "status": {string(p.status)}, "student": {sid}, '
                        f'"ta_points": {ta}}}\n')
    return "".join(text)


def _marks_exact(m: Fraction) -> str:
    return str(m.numerator) if m.denominator == 1 else f"{m.numerator}/{m.denominator}"


def write_records(path: str | Path, rows: Iterable[Record]) -> None:
    """Write records as JSON lines (sorted keys), replacing the file in one step."""
    replace_text(Path(path), "".join(_ENCODER.encode(r) + "\n" for r in rows))


def replace_text(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def read_records(path: str | Path) -> Records:
    """The records of an earlier run by cell; a missing file gives none. A damaged line is put in
    `problems` (file, line, what is wrong) and left out; nothing here raises for the content."""
    found, text = _open(path)
    if text is None:
        return found
    lines = text.split("\n")  # not splitlines: U+2028 may sit inside an answer
    try:  # one parse for the whole file is twice as fast; a damaged line sends us line by line
        rows = json.loads("[" + ",".join(line for line in lines if line.strip()) + "]")
    except (ValueError, RecursionError):
        rows = None
    if rows is not None and len(rows) == sum(1 for line in lines if line.strip()) and all(map(_sound, rows)):
        for row in rows:
            found.setdefault((row["student"], row["question"], row["part"]), row)
        if len(found) == len(rows):
            return found
        found.clear()
    for number, line in enumerate(lines, 1):
        if line.strip():
            _read_line(found, number, line)
    return found


def _open(path: str | Path) -> tuple[Records, str | None]:
    """An empty `Records` for the file and its text (None when there is no file to read)."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")  # no newline translation
    except FileNotFoundError:
        return Records(name), None
    except OSError as e:
        found = Records(name, True)
        found.problems.append(f"{name}: cannot be read ({e.strerror}); every mark counts as new")
        return found, None
    return Records(name, True), text


SAME: Record = {}  # stands for an earlier record whose line is byte for byte this run's line


def read_against(path: str | Path, same: Mapping[str, Cell], now: str) -> Records:
    """`read_records`, line by line, but a line equal to one of this run's (`same`: line → its
    cell; `now`: the lines in one text) is not parsed: its cell is recorded as `SAME`, for it
    cannot have moved."""
    found, text = _open(path)
    if text == now and len(same) == now.count("\n"):  # a rerun that changed nothing: each line once
        found.update((cell, SAME) for cell in same.values())
        return found
    for number, line in enumerate(text.split("\n") if text is not None else (), 1):
        cell = same.get(line)
        if cell is None:
            if line.strip():
                _read_line(found, number, line)
        elif cell in found:
            found.problems.append(_second(found.path, number, cell))
        else:
            found[cell] = SAME
    return found


def _sound(row: Any) -> bool:
    return (isinstance(row, dict) and isinstance(row.get("student"), str)
            and isinstance(row.get("question"), str) and isinstance(row.get("part"), str)
            and _marks_text(row.get("marks")))


def _marks_text(value: Any) -> bool:
    return isinstance(value, str) and _MARKS.match(value) is not None


def _read_line(found: Records, number: int, line: str) -> None:
    def damaged(why: str) -> None:
        found.problems.append(f"{found.path}:{number}: {why}; the line is left out of the comparison")

    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return damaged("not a JSON line (damaged or edited by hand)")
    if not isinstance(row, dict):
        return damaged("not a JSON object")
    student, question, part = (row.get(k) for k in ("student", "question", "part"))
    if not (isinstance(student, str) and isinstance(question, str) and isinstance(part, str)):
        return damaged("no student, question and part")
    cell = (student, question, part)
    if not _marks_text(row.get("marks")) or fraction(row["marks"]) is None:
        found.damaged.add(cell)
        return damaged(f"marks {show(row.get('marks'))} are not a number")
    if cell in found:
        return found.problems.append(_second(found.path, number, cell))
    found[cell] = row


def _second(path: str, number: int, cell: Cell) -> str:
    return (f"{path}:{number}: a second record for {cell[0]} {cell[1]} part {cell[2]}; the line is left "
            "out of the comparison")


def _plain(value: Any) -> Any:
    """A key as plain JSON: tuples as lists, Fractions as "3/2", sets sorted, anything else as
    text; what `_key_json` writes (dict keys json can write are left to it)."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k if k is None or isinstance(k, str | int | float) else str(k): _plain(v)
                for k, v in value.items()}
    return _default(value)


def _default(value: Any) -> Any:
    """What json cannot write, as `_plain` has it: sets sorted, a Fraction ("3/2") or anything
    else as its text."""
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    return str(value)


_KEYS = json.JSONEncoder(ensure_ascii=False, default=_default)


def _key_json(value: Any) -> str:
    """`_ENCODER.encode(_plain(value))`, in one pass of json's C encoder when it can (a key read
    from a variant file is JSON already)."""
    try:
        return _KEYS.encode(value)
    except (TypeError, ValueError):  # a dict key json cannot write: _plain writes it as text
        return _ENCODER.encode(_plain(value))


def fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        return Fraction(value) if len(str(value)) < 100 else None
    except (ValueError, ZeroDivisionError):
        return None


def show(value: Any) -> str:
    return cut(json.dumps(value, ensure_ascii=False))


def cut(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


def one_line(text: str) -> str:
    return " ".join(str(text).split())


