"""Reading files of rows that each name one part of one student's paper (answers, TA scores).

    index = Index(manifest, "answers.csv", AnswersError)   # student → question → part spellings
    table = Columns(("student", "question", "part", "answer"), noun="answer")
    for line, row in read_table("answers.csv", table, error=AnswersError, what="answers file",
                                warnings=warnings):
        row                      # {"student": "s001", "question": "3", …}, or why the row is malformed
        index.resolve(row["student"], row["question"], row["part"])   # a Cell, or (issue kind, message)

Both `answers.read_answers` and `rubric.read_ta_scores` read their files here, so a byte-order mark,
UTF-16, a `;` or tab delimiter, quoting mistakes, JSON lines and question numbers printed on a
shuffled paper are handled once, the same way. A whole-file problem raises the caller's `error`
class with one line naming the file, the line and the fix; a bad row is yielded as a message.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import DlexamError

__all__ = ["CSV_SUFFIXES", "DELIMITERS", "JSONL_SUFFIXES", "Cell", "Columns", "Index", "Row", "RowIssue",
           "Sheet", "decode", "read_table", "show"]

JSONL_SUFFIXES, CSV_SUFFIXES = {".jsonl", ".ndjson", ".json"}, {".csv", ".tsv", ".txt"}
DELIMITERS = (",", ";", "\t")
Cell = tuple[str, str, str]  # (student id, question key, part id), as the manifest spells them
Row = tuple[int, dict[str, str] | str]  # (line, the values read by column, or why the row is malformed)


@dataclass(frozen=True)
class RowIssue:
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.message}"


@dataclass
class Sheet:
    """What reading a file of rows found besides the rows used: issues by line, warnings about the
    file, and the count of rows read. An issue refuses its row unless its kind is in `kept`."""

    path: str
    issues: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    kept: ClassVar[frozenset[str]] = frozenset()

    @property
    def rows_refused(self) -> int:
        return sum(issue.kind not in self.kept for issue in self.issues)


@dataclass(frozen=True)
class Columns:
    """The columns a file is read by. `extra` matches further columns that are read too (the
    rubric's c1, c2, …; `extra_label` names them in messages); `ignored` are skipped without a
    warning; `ids` must be a string or an integer in JSON lines; `check` may refuse a header
    (given the names it reads) with a message."""

    required: tuple[str, ...]
    noun: str  # what one row holds: "answer", "score"
    optional: tuple[str, ...] = ()
    extra: re.Pattern[str] | None = None
    extra_label: str = ""
    ignored: tuple[str, ...] = ()
    ids: tuple[str, ...] = ("student", "question", "part")
    check: Callable[[Sequence[str]], str | None] | None = None

    def reads(self, name: str) -> bool:
        if name in self.required or name in self.optional:
            return True
        return bool(self.extra and self.extra.fullmatch(name))

    @property
    def listed(self) -> str:
        return ", ".join([*self.required, *self.optional] + ([self.extra_label] if self.extra_label else []))


def show(value: str, limit: int = 40) -> str:
    """`value` quoted on one line: cut to `limit` characters, anything unprintable escaped."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cut)
    return f"'{escaped}'"


@dataclass(frozen=True)
class _Question:
    key: str
    parts: dict[str, str]  # every accepted spelling → part id
    only_part: str | None


def _question(key: str, part_ids: Sequence[str]) -> _Question:
    parts = {chr(ord("a") + i): pid for i, pid in enumerate(part_ids[:26])}
    parts |= {pid.casefold(): pid for pid in part_ids} | {pid: pid for pid in part_ids}
    return _Question(key, parts, part_ids[0] if len(part_ids) == 1 else None)


class Index:
    """The manifest turned into look-up tables: student → question spelling → part spelling.
    `cells` maps every (student, question key, part id) to the manifest's part entry (kind, marks),
    in manifest order."""

    def __init__(self, manifest: dict[str, Any], path: str, error: type[DlexamError]) -> None:
        self.students: dict[str, dict[str, _Question]] = {}
        self.canonical: dict[str, str] = {}  # casefolded id → id
        self.cells: dict[Cell, dict[str, Any]] = {}
        made: dict[tuple[str, tuple[str, ...]], _Question] = {}  # the same key and parts: one _Question
        try:
            for student in manifest["students"]:
                sid, questions = str(student["id"]), dict[str, _Question]()
                for q in student["questions"]:
                    part_ids = tuple([str(p["id"]) for p in q["parts"]])
                    question = made.get((q["key"], part_ids)) if type(q["key"]) is str else None
                    if question is None:
                        question = made[(str(q["key"]), part_ids)] = _question(str(q["key"]), part_ids)
                    number = str(q["number"]).strip().casefold()
                    questions |= {number: question, "q" + number: question, question.key.casefold(): question}
                    for pid, p in zip(part_ids, q["parts"], strict=True):
                        self.cells[(sid, question.key, pid)] = p
                self.students[sid] = questions
                self.canonical.setdefault(sid.casefold(), sid)
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            why = f"{type(e).__name__}: {show(str(e))}"
            raise error(f"manifest.json (for {path}): not a manifest dlexam built ({why}); "
                        "rebuild the exam with `dlexam build`") from None

    def resolve(self, student: str, question: str, part: str) -> Cell | tuple[str, str]:
        """The cell a row names, or (issue kind, message)."""
        student, question, part = student.strip(), question.strip(), part.strip()
        if not student:
            return "malformed row", "the student column is empty"
        if not question:
            return "malformed row", "the question column is empty"
        sid = student if student in self.students else self.canonical.get(student.casefold(), "")
        if not sid:
            return "unknown student", f"no student {show(student)} in the exam's manifest; check the id"
        found = self.students[sid].get(question.casefold())
        if found is None:
            return "unknown question", (f"student {sid} has no question {show(question)}; "
                                        "give the key (like s1q3) or the number printed on their paper")
        pid = found.only_part if not part else found.parts.get(part) or found.parts.get(part.casefold())
        if pid is None:
            spelled = ", ".join(sorted(set(found.parts.values())))
            what = f"no part {show(part)}" if part else "no part given"
            return "unknown part", f"{what} in question {found.key} of student {sid}; its parts are {spelled}"
        return sid, found.key, pid


def decode(path: str | Path, *, what: str, error: type[DlexamError]) -> str:
    """The file's text: UTF-8 (a byte-order mark is fine) or UTF-16 with its byte-order mark."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise error(f"{name}: cannot read the {what} ({reason}); check the path") from None
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[:e.start].decode(encoding, errors="replace").count("\n") + 1
        raise error(f"{name}: line {line} is not {'UTF-16' if utf16 else 'UTF-8'} text "
                    f"(byte {e.start + 1} of the file); save the file as UTF-8 "
                    "(\"CSV UTF-8\" in a spreadsheet)") from None


def read_table(path: str | Path, columns: Columns, *, error: type[DlexamError], what: str,
               warnings: list[str], format: str | None = None) -> Iterator[Row]:
    """Every row of the CSV or JSON-lines file at `path` (`format` "csv" or "jsonl", or found
    from the name and the content), as (line, values by column) or (line, why it is malformed).
    The file is decoded and checked before the first row is yielded."""
    name = str(path)
    text = decode(path, what=what, error=error)
    suffix = Path(name).suffix.casefold()
    if format is None:
        jsonl = suffix in JSONL_SUFFIXES or (suffix not in CSV_SUFFIXES and text.lstrip()[:1] == "{")
        format = "jsonl" if jsonl else "csv"
    if format not in ("csv", "jsonl"):
        raise error(f"{name}: unknown {what} format {show(format)}; use csv or jsonl")
    if not text.strip():
        fix = (f"one JSON object a line, one line per {columns.noun}" if format == "jsonl" else
               f"a header line {','.join(columns.required)} and one row per {columns.noun}")
        raise error(f"{name}: the file is empty; write {fix}")
    if format == "jsonl":
        if text.lstrip().startswith("["):
            raise error(f"{name}: line 1: the file is one JSON array; write one JSON object per line")
        return _jsonl_rows(text, name, columns, warnings)
    return _csv_rows(text, name, columns, warnings, error)


def _csv_rows(text: str, name: str, columns: Columns, warnings: list[str],
              error: type[DlexamError]) -> Iterator[Row]:
    lines = io.StringIO(text, newline="")  # split as the csv reader splits: \r, \n or \r\n
    delimiter = _sniff(next(line for line in lines if line.strip()), columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last, at, width, deepest = 0, dict[str, int](), 0, 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:  # the reader drops the rest of the line and goes on with the next
            start, last = last + 1, reader.line_num
            if not width or last < start:
                raise error(f"{name}: line {start}: {show(str(e), 80)}; fix the quoting") from None
            yield start, _quoting(str(e), start, last)
            continue
        start, last = last + 1, reader.line_num
        if not "".join(record).strip():  # nothing but spaces and delimiters
            continue
        if not width:  # the first row with anything in it is the header
            at, width = _header(record, name, start, columns, warnings, error), len(record)
            deepest = max(at.values())
        elif len(record) > width:
            yield start, (f"{len(record)} values where the header has {width}; put a value that "
                          f"contains {show(delimiter)} in double quotes")
        elif len(record) <= deepest:
            lost = ", ".join(c for c, j in at.items() if j >= len(record))
            yield start, f"{len(record)} values where the header has {width} (no {lost})"
        else:
            yield start, {c: record[j] for c, j in at.items()}
    if not width:
        raise error(f"{name}: no header line; the first line must name the columns "
                    f"{','.join(columns.required)}")


def _quoting(error: str, start: int, last: int) -> str:
    """Why a row cannot be split into values, from the csv module's error."""
    if "end of data" in error:
        return f"a double quote opened here never closes, so lines {start}-{last} are one row; close it"
    if "field limit" in error:
        return f"a value longer than {csv.field_size_limit():,} characters"
    return (f"{show(error, 60)}: text after a closing double quote; inside a quoted value "
            'write a double quote as ""')


def _header(header: list[str], name: str, line: int, columns: Columns, warnings: list[str],
            error: type[DlexamError]) -> dict[str, int]:
    """Where each column read is in the header; a warning names the columns not read."""
    names = [h.strip().casefold() for h in header]
    read = [n for n in names if columns.reads(n)]
    for column in read:
        if names.count(column) > 1:
            raise error(f"{name}: line {line}: the header names {column!r} twice; "
                        "keep one column of that name")
    absent = [c for c in columns.required if c not in names]
    if absent:
        raise error(f"{name}: line {line}: the header has no {', '.join(map(repr, absent))} "
                    f"column; the first line must name the columns {','.join(columns.required)}")
    problem = columns.check(read) if columns.check else None
    if problem:
        raise error(f"{name}: line {line}: {problem}")
    extra = [show(h.strip()) if h.strip() else f"(unnamed column {i + 1})"
             for i, h in enumerate(header) if not columns.reads(names[i]) and names[i] not in columns.ignored]
    if extra:
        warnings.append(f"{name}: columns {', '.join(extra)} are not read (only {columns.listed} are)")
    return {n: names.index(n) for n in read}


def _sniff(header: str, columns: Columns) -> str:
    """The delimiter that splits the header line into the most known columns (then the most columns)."""
    def score(delimiter: str) -> tuple[int, int]:
        fields = next(csv.reader([header], delimiter=delimiter), [])
        return sum(columns.reads(n) for n in {f.strip().casefold() for f in fields}), len(fields)

    return max(DELIMITERS, key=score)


def _jsonl_rows(text: str, name: str, columns: Columns, warnings: list[str]) -> Iterator[Row]:
    extra: set[str] = set()
    needs = ", ".join(columns.required)
    for line, raw in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 may sit inside a string
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except (ValueError, RecursionError) as e:
            yield line, f"not a JSON object ({show(str(e))})"
            continue
        if not isinstance(row, dict):
            yield line, f"a JSON {type(row).__name__}, not an object with keys {needs}"
            continue
        extra |= {k for k in row if not columns.reads(k) and k not in columns.ignored}
        absent = [c for c in columns.required if c not in row]
        if absent:
            yield line, f"no {', '.join(map(repr, absent))} key; each line needs {needs}"
            continue
        wrong = [c for c in columns.ids if c in row and not _is_id(row[c])]
        if wrong:
            kind = type(row[wrong[0]]).__name__
            yield line, f"{wrong[0]!r} must be a string or an integer, not a JSON {kind}"
            continue
        values = {key: _as_text(value) for key, value in row.items() if columns.reads(key)}
        lost = next((key for key, value in values.items() if value is None), None)
        if lost is not None:
            yield line, f"the {lost!r} value cannot be kept as text"
            continue
        yield line, {key: value for key, value in values.items() if value is not None}
    if extra:
        shown = ", ".join(show(k) for k in sorted(extra))
        warnings.append(f"{name}: keys {shown} are not read (only {columns.listed} are)")


def _is_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _as_text(value: Any) -> str | None:
    """A JSON value as the text a CSV cell would hold: a string as it is, `null` as "", anything
    else as its JSON text (None when it cannot be written back)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return None
