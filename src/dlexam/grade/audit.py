"""The regrading audit: what each run graded, and every mark that moved since the run before.

    run = audit_run(out, grading, reasons={("s017", "s2q1", "a"): "typo in the key"})
    run.changes, run.problems, run.first          # also written: out/graded.jsonl, out/audit.log

or step by step (graded.jsonl is read and written by `_records`, re-exported here):

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

Speed (250,000 parts): `audit_run` writes `record_text(students)`, the same bytes as the records
through json, made without a dict per part (`grade_exam`'s worker processes make it for their
own students and pass it in as `text`), and parses only the earlier lines that are not byte for
byte one of this run's: an identical line is an unchanged record of the same cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ._records import (
    SAME,
    Cell,
    Record,
    Records,
    cut,
    fraction,
    one_line,
    read_against,
    read_records,
    record_text,
    records,
    replace_text,
    show,
    write_records,
)
from .results import Grading

__all__ = ["INPUTS", "AuditRun", "Cell", "Change", "Records", "append_audit", "audit_run", "changes",
           "format_changes", "read_records", "record_text", "records", "write_records"]

RECORDS, LOG = "graded.jsonl", "audit.log"
#: The inputs of a mark, as recorded, and how the log names them.
INPUTS = (("answer", "answer"), ("key", "key"), ("rule", "rule"), ("ta_points", "TA points"),
          ("carried_from", "carried from"))


@dataclass(frozen=True)
class Change:
    """A mark that moved: `before` None for a cell new in this run, `after` None for one gone."""

    student: str
    question: str
    part: str
    before: Fraction | None
    after: Fraction | None
    why: str


@dataclass(frozen=True)
class AuditRun:
    changes: tuple[Change, ...]
    problems: tuple[str, ...]  # damaged lines of the earlier graded.jsonl
    first: bool  # no earlier graded.jsonl: nothing to compare with


def changes(old: Mapping[Cell, Record], new: Iterable[Record] | Mapping[Cell, Record], *,
            reasons: Mapping[Cell, str] | None = None) -> list[Change]:
    """Every cell whose marks differ between two runs (new cells, then gone ones, each in
    record order), with why: every input that differs and, when a rule's input changed, the
    rule's reason from `reasons`."""
    rows = new.values() if isinstance(new, Mapping) else new
    return _compare(old, (((r["student"], r["question"], r["part"]), r) for r in rows), reasons or {})


def _compare(old: Mapping[Cell, Record], new: Iterable[tuple[Cell, Any]], reasons: Mapping[Cell, str],
             record: Callable[[Any], Record] = lambda row: row) -> list[Change]:
    """`changes`, for (cell, row) pairs whose `record(row)` is made only when needed: a cell whose
    earlier record is `SAME` has not moved."""
    damaged: set[Cell] = getattr(old, "damaged", set())
    seen: set[Cell] = set()
    out = []
    for cell, item in new:
        seen.add(cell)
        before_row = old.get(cell)
        if before_row is SAME:
            continue
        row = record(item)
        if before_row is None:
            why = "earlier record damaged" if cell in damaged else "new: no earlier record"
            out.append(Change(*cell, None, Fraction(row["marks"]), why))
        elif before_row.get("marks") != row["marks"]:  # "3/2" is the one spelling of 3/2: parse only then
            before, after = fraction(before_row.get("marks")), Fraction(row["marks"])
            if before != after:
                out.append(Change(*cell, before, after, _why(before_row, row, reasons.get(cell, ""))))
    for cell, row in old.items():
        if cell not in seen:
            out.append(Change(*cell, fraction(row.get("marks")), None, "gone: not graded in this run"))
    return out


def _why(before: Record, after: Record, reason: str) -> str:
    moved = [(name, label) for name, label in INPUTS if before.get(name) != after.get(name)]
    if not moved:
        return "no input changed (grader version)"
    said = [f"{label} changed: {_value(name, before.get(name))} → {_value(name, after.get(name))}"
            for name, label in moved]
    if reason and any(name != "answer" for name, _ in moved):
        said.append(f"reason: {one_line(reason)}")
    return "; ".join(said)


def format_changes(found: Sequence[Change], *, when: datetime) -> str:
    """The log lines of `found`, stamped with `when` in UTC (a naive time is taken as UTC)."""
    stamp = _stamp(when)
    return "".join(f"{stamp} {c.student} {c.question} part {c.part}: {_marks(c.before)} → "
                   f"{_marks(c.after)} ({c.why})\n" for c in found)


def append_audit(out_dir: str | Path, found: Sequence[Change], when: datetime, *,
                 notes: Sequence[str] = ()) -> None:
    """Append the lines of `found` (and any `notes`, stamped too) to out_dir/audit.log."""
    text = "".join(f"{_stamp(when)} {one_line(n)}\n" for n in notes) + format_changes(found, when=when)
    if text:
        with (Path(out_dir) / LOG).open("a", encoding="utf-8") as log:
            log.write(text)


def audit_run(out_dir: str | Path, grading: Grading, *, reasons: Mapping[Cell, str] | None = None,
              when: datetime | None = None, text: str | None = None) -> AuditRun:
    """Compare with the last run's graded.jsonl in `out_dir`, log what moved, then record this run.
    `text` is `record_text(grading.students)` when the caller has it already (worker processes
    format their own students)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = when or datetime.now(UTC)
    text = record_text(grading.students) if text is None else text
    lines = text.split("\n")[:-1]
    cells = [(s.student_id, p.question, p.part) for s in grading.students for p in s.parts]
    if len(lines) != len(cells):
        raise ValueError(f"{len(lines)} record lines given for {len(cells)} parts graded")
    old = read_against(out / RECORDS, dict(zip(lines, cells, strict=True)), text)
    found = _compare(old, zip(cells, lines, strict=True), reasons or {}, json.loads) if old.found else []
    notes = [f"warning: {p}" for p in old.problems]
    if not old.found:
        notes.append(f"first grading: {len(cells)} parts of {len(grading.students)} students recorded "
                     f"in {RECORDS}")
    append_audit(out, found, when, notes=notes)
    replace_text(out / RECORDS, text)
    return AuditRun(tuple(found), tuple(old.problems), not old.found)


# -- showing values ---------------------------------------------------------------------------

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
        return show(value)
    if name == "ta_points":
        return "+".join(_marks(fraction(v)) for v in value) if isinstance(value, list) else show(value)
    if name == "carried_from" and isinstance(value, list):
        return ", ".join(map(str, value))
    if name == "key" and isinstance(value, dict) and isinstance(value.get("exact"), str):
        value = value["exact"]  # {"exact": "3/16", "value": 0.1875} reads as 3/16
    return cut(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _stamp(when: datetime) -> str:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
