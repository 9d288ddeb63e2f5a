"""The regrading audit: what each run graded, and every mark that moved since the run before.

    run = audit_run(out, grading, reasons={("s017", "s2q1", "a"): "typo in the key"})
    run.changes, run.problems, run.first          # also written: out/graded.jsonl, out/audit.log

or step by step:

    new = records(grading)                        # one JSON-ready dict per part, deterministic
    old = read_records(out / "graded.jsonl")      # {(student, question, part): record}; old.problems
    found = changes(old, new, reasons=reasons)
    append_audit(out, found, datetime.now(timezone.utc))
    write_records(out / "graded.jsonl", new)

A regrade reruns `dlexam grade` into the same folder. `graded.jsonl` holds, per part, the
marks and every input they came from (answer, key, rule, TA points, carried-from), so the
next run can say why a mark moved. `audit.log` only grows, one line per moved mark:

    2026-03-20T14:05:09Z s017 s2q1 part a: 2 → 3 (key changed: 0.2 → 0.25; reason: typo in the key)

A mark that moved with no input changed says "no input changed (grader version)". A
damaged line of the old file is reported (and logged) and the rest is compared.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .results import Grading

__all__ = ["INPUTS", "AuditRun", "Cell", "Change", "Records", "append_audit", "audit_run", "changes",
           "format_changes", "read_records", "records", "write_records"]

Cell = tuple[str, str, str]  # (student id, question key, part id)
Record = dict[str, Any]
RECORDS, LOG = "graded.jsonl", "audit.log"
#: The inputs of a mark, as recorded, and how the log names them.
INPUTS = (("answer", "answer"), ("key", "key"), ("rule", "rule"), ("ta_points", "TA points"),
          ("carried_from", "carried from"))
_ENCODER = json.JSONEncoder(ensure_ascii=False)  # records and _plain keep keys sorted
_MARKS = re.compile(r"-?\d{1,30}(?:/\d{1,30})?\Z")
_SHOWN = 60  # characters of a value shown in the log


@dataclass(frozen=True)
class Change:
    """A mark that moved: `before` None for a cell new in this run, `after` None for one gone."""

    student: str
    question: str
    part: str
    before: Fraction | None
    after: Fraction | None
    why: str


class Records(dict[Cell, Record]):
    """The records of one graded.jsonl. `found` says whether the file existed; `problems` are its
    damaged lines, one message each; `damaged` the cells those lines still name."""

    def __init__(self, path: str = "", found: bool = False) -> None:
        super().__init__()
        self.path, self.found = path, found
        self.problems: list[str] = []
        self.damaged: set[Cell] = set()


@dataclass(frozen=True)
class AuditRun:
    changes: tuple[Change, ...]
    problems: tuple[str, ...]  # damaged lines of the earlier graded.jsonl
    first: bool  # no earlier graded.jsonl: nothing to compare with


def records(grading: Grading) -> list[Record]:
    """One record per part of every student, in grading order: plain JSON with sorted keys (so
    the file needs no sorting pass), marks as "3/2"."""
    out = []
    for student in grading.students:
        sid = student.student_id
        for p in student.parts:
            m = p.marks
            mark = str(m.numerator) if m.denominator == 1 else f"{m.numerator}/{m.denominator}"
            out.append({  # alphabetical order
                "answer": p.answer, "carried_from": list(p.carried_from), "key": _plain(p.key),
                "marks": mark, "part": p.part, "question": p.question, "rule": p.rule, "status": p.status,
                "student": sid,
                "ta_points": None if p.ta_points is None else [str(Fraction(t)) for t in p.ta_points],
            })
    return out


def write_records(path: str | Path, rows: Iterable[Record]) -> None:
    """Write records as JSON lines (sorted keys), replacing the file in one step."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("".join(_ENCODER.encode(r) + "\n" for r in rows), encoding="utf-8")
    os.replace(temporary, path)


def read_records(path: str | Path) -> Records:
    """The records of an earlier run by cell; a missing file gives none. A damaged line is put in
    `problems` (file, line, what is wrong) and left out; nothing here raises for the content."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")  # no newline translation
    except FileNotFoundError:
        return Records(name)
    except OSError as e:
        found = Records(name, True)
        found.problems.append(f"{name}: cannot be read ({e.strerror}); every mark counts as new")
        return found
    found = Records(name, True)
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
    if not _marks_text(row.get("marks")) or _fraction(row["marks"]) is None:
        found.damaged.add(cell)
        return damaged(f"marks {_show(row.get('marks'))} are not a number")
    if cell in found:
        return damaged(f"a second record for {student} {question} part {part}")
    found[cell] = row


def changes(old: Mapping[Cell, Record], new: Iterable[Record] | Mapping[Cell, Record], *,
            reasons: Mapping[Cell, str] | None = None) -> list[Change]:
    """Every cell whose marks differ between two runs (new cells, then gone ones, each in
    record order), with why: every input that differs and, when a rule's input changed, the
    rule's reason from `reasons`."""
    rows = new.values() if isinstance(new, Mapping) else new
    reasons = reasons or {}
    damaged: set[Cell] = getattr(old, "damaged", set())
    seen: set[Cell] = set()
    out = []
    for row in rows:
        cell: Cell = (row["student"], row["question"], row["part"])
        seen.add(cell)
        before_row = old.get(cell)
        if before_row is None:
            why = "earlier record damaged" if cell in damaged else "new: no earlier record"
            out.append(Change(*cell, None, Fraction(row["marks"]), why))
        elif before_row.get("marks") != row["marks"]:  # "3/2" is the one spelling of 3/2: parse only then
            before, after = _fraction(before_row.get("marks")), Fraction(row["marks"])
            if before != after:
                out.append(Change(*cell, before, after, _why(before_row, row, reasons.get(cell, ""))))
    for cell, row in old.items():
        if cell not in seen:
            out.append(Change(*cell, _fraction(row.get("marks")), None, "gone: not graded in this run"))
    return out


def _why(before: Record, after: Record, reason: str) -> str:
    moved = [(name, label) for name, label in INPUTS if before.get(name) != after.get(name)]
    if not moved:
        return "no input changed (grader version)"
    said = [f"{label} changed: {_value(name, before.get(name))} → {_value(name, after.get(name))}"
            for name, label in moved]
    if reason and any(name != "answer" for name, _ in moved):
        said.append(f"reason: {_one_line(reason)}")
    return "; ".join(said)


def format_changes(found: Sequence[Change], *, when: datetime) -> str:
    """The log lines of `found`, stamped with `when` in UTC (a naive time is taken as UTC)."""
    stamp = _stamp(when)
    return "".join(f"{stamp} {c.student} {c.question} part {c.part}: {_marks(c.before)} → "
                   f"{_marks(c.after)} ({c.why})\n" for c in found)


def append_audit(out_dir: str | Path, found: Sequence[Change], when: datetime, *,
                 notes: Sequence[str] = ()) -> None:
    """Append the lines of `found` (and any `notes`, stamped too) to out_dir/audit.log."""
    text = "".join(f"{_stamp(when)} {_one_line(n)}\n" for n in notes) + format_changes(found, when=when)
    if text:
        with (Path(out_dir) / LOG).open("a", encoding="utf-8") as log:
            log.write(text)


def audit_run(out_dir: str | Path, grading: Grading, *, reasons: Mapping[Cell, str] | None = None,
              when: datetime | None = None) -> AuditRun:
    """Compare with the last run's graded.jsonl in `out_dir`, log what moved, then record this run."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = when or datetime.now(UTC)
    old, new = read_records(out / RECORDS), records(grading)
    found = changes(old, new, reasons=reasons) if old.found else []
    notes = [f"warning: {p}" for p in old.problems]
    if not old.found:
        notes.append(f"first grading: {len(new)} parts of {len(grading.students)} students recorded "
                     f"in {RECORDS}")
    append_audit(out, found, when, notes=notes)
    write_records(out / RECORDS, new)
    return AuditRun(tuple(found), tuple(old.problems), not old.found)


# -- showing values ---------------------------------------------------------------------------

_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """A key as plain JSON: tuples as lists, Fractions as "3/2", sets sorted, anything else as
    text. A key read from a variant file is JSON already and comes back as it is (no copy)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict and all(type(k) is str and type(v) in _SCALARS for k, v in value.items()):
        return value
    if kind is list and all(type(v) in _SCALARS for v in value):
        return value
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        return Fraction(value) if len(str(value)) < 100 else None
    except (ValueError, ZeroDivisionError):
        return None


def _marks(x: Fraction | None) -> str:
    """Marks as a reader expects them: 3, 2.5, 1/3; "—" for no record."""
    if x is None:
        return "—"
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1 or x.denominator > 10**6:
        return str(x)
    return format(Decimal(x.numerator) / Decimal(x.denominator), "f")  # exact: it terminates


def _value(name: str, value: Any) -> str:
    if value is None or value == [] or (name != "answer" and value == ""):
        return "(none)"
    if name == "answer":
        return _show(value)
    if name == "ta_points":
        return "+".join(_marks(_fraction(v)) for v in value) if isinstance(value, list) else _show(value)
    if name == "carried_from" and isinstance(value, list):
        return ", ".join(map(str, value))
    if name == "key" and isinstance(value, dict) and isinstance(value.get("exact"), str):
        value = value["exact"]  # {"exact": "3/16", "value": 0.1875} reads as 3/16
    return _cut(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _show(value: Any) -> str:
    return _cut(json.dumps(value, ensure_ascii=False))


def _cut(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _stamp(when: datetime) -> str:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
