"""Reading the answers file of `dlexam grade`: one row per student × question part.

    sheet = read_answers("answers.csv", manifest)     # manifest: the built exam's manifest.json
    sheet.answers[("s001", "s1q3", "shape")]         # Answer(text="2x12x248x83", line=7)
    sheet.issues                                     # RowIssue(line, kind, message), in file order
    sheet.missing(manifest)                          # (student, question, part) nobody answered

Formats. CSV (a header line is required; `,`, `;` or tab is found from the header; a
UTF-8 or UTF-16 byte-order mark is fine; answers holding the delimiter, quotes or line
breaks go in double quotes) or JSON lines (one object per line). A `.jsonl`, `.ndjson` or
`.json` file is read as JSON lines, a `.csv`, `.tsv` or `.txt` file as CSV; any other
name by its first character (`{` means JSON lines).

Columns (CSV header names ignore case and spaces around them; JSON keys are exact):
`student` (the roster id), `question` (the entry key shared by every student, like
"s1q3", or the number printed on *that student's* paper, like "3" or "Q3"; questions
are shuffled, so a number means a different key for different students), `part` (the
part id, like "shape", or its letter: "a" for the first part, "b" for the second; may be
left empty when the question has one part) and `answer` (text, kept exactly as written;
in JSON lines a non-string value is kept as its JSON text and `null` is an empty answer).
Other columns are ignored and named in `warnings`.

Every non-blank row is accounted for: it is an answer, or it is refused with a
`RowIssue` naming its line ("unknown student", "unknown question", "unknown part",
"duplicate" — the first row is kept —, "malformed row"); an "empty answer" is kept as a
blank answer and reported too. `rows_read == rows_used + rows_refused`, always. Blank
lines (nothing but spaces and delimiters) hold no answer and are not rows. A problem
with the file itself raises `AnswersError`, one line naming the file, the line and the fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DlexamError

__all__ = ["COLUMNS", "ISSUE_KINDS", "REFUSED", "Answer", "AnswerSheet", "AnswersError", "RowIssue",
           "read_answers"]

COLUMNS = ("student", "question", "part", "answer")
REFUSED = frozenset({"unknown student", "unknown question", "unknown part", "duplicate", "malformed row"})
ISSUE_KINDS = REFUSED | {"empty answer"}
JSONL_SUFFIXES, CSV_SUFFIXES = {".jsonl", ".ndjson", ".json"}, {".csv", ".tsv", ".txt"}
DELIMITERS = (",", ";", "\t")
Cell = tuple[str, str, str]  # (student id, question key, part id), as the manifest spells them


class AnswersError(DlexamError, ValueError):
    """An answers file (or manifest) that cannot be read at all; one line naming the file,
    the line and the fix."""


@dataclass(frozen=True)
class Answer:
    text: str
    line: int  # where the row starts in the file, 1-based (a CSV header is line 1)


@dataclass(frozen=True)
class RowIssue:
    line: int
    kind: str  # one of ISSUE_KINDS
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.message}"


@dataclass
class AnswerSheet:
    path: str
    answers: dict[Cell, Answer] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0

    @property
    def rows_used(self) -> int:
        return len(self.answers)

    @property
    def rows_refused(self) -> int:
        return sum(issue.kind in REFUSED for issue in self.issues)

    def missing(self, manifest: dict[str, Any]) -> list[Cell]:
        """Every (student, question, part) of the manifest with no row: each scores 0 as "no answer"."""
        return [cell for cell in _Index(manifest, self.path).cells if cell not in self.answers]


@dataclass(frozen=True)
class _Question:
    key: str
    parts: dict[str, str]  # every accepted spelling → part id
    only_part: str | None


class _Index:
    """The manifest turned into look-up tables: student → question spelling → part spelling."""

    def __init__(self, manifest: dict[str, Any], path: str) -> None:
        self.students: dict[str, dict[str, _Question]] = {}
        self.canonical: dict[str, str] = {}  # casefolded id → id
        self.cells: list[Cell] = []  # in manifest order
        try:
            for student in manifest["students"]:
                sid, questions = str(student["id"]), dict[str, _Question]()
                for q in student["questions"]:
                    part_ids = [str(p["id"]) for p in q["parts"]]
                    parts = {chr(ord("a") + i): pid for i, pid in enumerate(part_ids[:26])}
                    parts |= {pid.casefold(): pid for pid in part_ids} | {pid: pid for pid in part_ids}
                    question = _Question(str(q["key"]), parts, part_ids[0] if len(part_ids) == 1 else None)
                    number = str(q["number"]).strip().casefold()
                    questions |= {number: question, "q" + number: question, question.key.casefold(): question}
                    self.cells += [(sid, question.key, pid) for pid in part_ids]
                self.students[sid] = questions
                self.canonical.setdefault(sid.casefold(), sid)
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            why = f"{type(e).__name__}: {_show(str(e))}"
            raise AnswersError(f"manifest.json (for {path}): not a manifest dlexam built ({why}); "
                               "rebuild the exam with `dlexam build`") from None

    def resolve(self, student: str, question: str, part: str) -> Cell | tuple[str, str]:
        """The cell a row answers, or (issue kind, message)."""
        student, question, part = student.strip(), question.strip(), part.strip()
        if not student:
            return "malformed row", "the student column is empty"
        if not question:
            return "malformed row", "the question column is empty"
        sid = student if student in self.students else self.canonical.get(student.casefold(), "")
        if not sid:
            return "unknown student", f"no student {_show(student)} in the exam's manifest; check the id"
        found = self.students[sid].get(question.casefold())
        if found is None:
            return "unknown question", (f"student {sid} has no question {_show(question)}; "
                                        "give the key (like s1q3) or the number printed on their paper")
        pid = found.only_part if not part else found.parts.get(part) or found.parts.get(part.casefold())
        if pid is None:
            spelled = ", ".join(sorted(set(found.parts.values())))
            what = f"no part {_show(part)}" if part else "no part given"
            return "unknown part", f"{what} in question {found.key} of student {sid}; its parts are {spelled}"
        return sid, found.key, pid


def read_answers(path: str | Path, manifest: dict[str, Any], *, format: str | None = None) -> AnswerSheet:
    """Every row of the answers file at `path` (CSV or JSON lines: `format` "csv" or "jsonl",
    or found from the name and the content), checked against the exam's `manifest`."""
    name = str(path)
    index = _Index(manifest, name)
    text = _decode(name, path)
    suffix = Path(name).suffix.casefold()
    if format is None:
        jsonl = suffix in JSONL_SUFFIXES or (suffix not in CSV_SUFFIXES and text.lstrip()[:1] == "{")
        format = "jsonl" if jsonl else "csv"
    if format not in ("csv", "jsonl"):
        raise AnswersError(f"{name}: unknown answers format {_show(format)}; use csv or jsonl")
    if not text.strip():
        fix = ("one JSON object a line, one line per answer" if format == "jsonl" else
               f"a header line {','.join(COLUMNS)} and one row per answer")
        raise AnswersError(f"{name}: the file is empty; write {fix}")
    sheet = AnswerSheet(name)
    rows = _jsonl_rows(text, name, sheet) if format == "jsonl" else _csv_rows(text, name, sheet)
    first_line: dict[Cell, int] = {}
    for line, row in rows:
        sheet.rows_read += 1
        if isinstance(row, str):
            sheet.issues.append(RowIssue(line, "malformed row", row))
            continue
        student, question, part, answer = row
        cell = index.resolve(student, question, part)
        if len(cell) == 2:
            sheet.issues.append(RowIssue(line, *cell))
        elif cell in first_line:
            sheet.issues.append(RowIssue(line, "duplicate", (
                f"repeats the answer of line {first_line[cell]} to {'/'.join(cell)}; "
                f"the one on line {first_line[cell]} is kept")))
        else:
            first_line[cell] = line
            sheet.answers[cell] = Answer(answer, line)
            if not answer.strip():
                sheet.issues.append(RowIssue(line, "empty answer", f"{'/'.join(cell)} is blank; it scores 0"))
    assert sheet.rows_read == sheet.rows_used + sheet.rows_refused, "the counts in must equal the counts out"
    return sheet


def _decode(name: str, path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise AnswersError(f"{name}: cannot read the answers file ({reason}); check the path") from None
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[:e.start].decode(encoding, errors="replace").count("\n") + 1
        raise AnswersError(f"{name}: line {line} is not {'UTF-16' if utf16 else 'UTF-8'} text "
                           f"(byte {e.start + 1} of the file); save the file as UTF-8 "
                           "(\"CSV UTF-8\" in a spreadsheet)") from None


Row = tuple[int, tuple[str, str, str, str] | str]  # (line, the four values or why the row is malformed)


def _csv_rows(text: str, name: str, sheet: AnswerSheet) -> Iterator[Row]:
    lines = io.StringIO(text, newline="")  # split as the csv reader splits: \r, \n or \r\n
    delimiter = _sniff(next(line for line in lines if line.strip()))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last, at, width = 0, [0, 0, 0, 0], 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:  # the reader drops the rest of the line and goes on with the next
            start, last = last + 1, reader.line_num
            if not width or last < start:
                raise AnswersError(f"{name}: line {start}: {_show(str(e), 80)}; fix the quoting") from None
            yield start, _quoting(str(e), start, last)
            continue
        start, last = last + 1, reader.line_num
        if not any(value.strip() for value in record):
            continue
        if not width:  # the first row with anything in it is the header
            at, width = _columns(record, name, start, sheet), len(record)
        elif len(record) > width:
            yield start, (f"{len(record)} values where the header has {width}; put an answer that "
                          f"contains {_show(delimiter)} in double quotes")
        elif len(record) <= max(at):
            lost = ", ".join(COLUMNS[i] for i, j in enumerate(at) if j >= len(record))
            yield start, f"{len(record)} values where the header has {width} (no {lost})"
        else:
            yield start, (record[at[0]], record[at[1]], record[at[2]], record[at[3]])
    if not width:
        raise AnswersError(f"{name}: no header line; the first line must name the columns "
                           f"{','.join(COLUMNS)}")


def _quoting(error: str, start: int, last: int) -> str:
    """Why a row cannot be split into values, from the csv module's error."""
    if "end of data" in error:
        return f"a double quote opened here never closes, so lines {start}-{last} are one row; close it"
    if "field limit" in error:
        return f"an answer longer than {csv.field_size_limit():,} characters"
    return (f"{_show(error, 60)}: text after a closing double quote; inside a quoted answer "
            'write a double quote as ""')


def _columns(header: list[str], name: str, line: int, sheet: AnswerSheet) -> list[int]:
    """Where each of COLUMNS is in the header; a warning names the columns not read."""
    names = [h.strip().casefold() for h in header]
    for column in COLUMNS:
        if names.count(column) > 1:
            raise AnswersError(f"{name}: line {line}: the header names {column!r} twice; "
                               "keep one column of that name")
    absent = [c for c in COLUMNS if c not in names]
    if absent:
        raise AnswersError(f"{name}: line {line}: the header has no {', '.join(map(repr, absent))} "
                           f"column; the first line must name the columns {','.join(COLUMNS)}")
    extra = [_show(h.strip()) if h.strip() else f"(unnamed column {i + 1})"
             for i, h in enumerate(header) if names[i] not in COLUMNS]
    if extra:
        sheet.warnings.append(f"{name}: columns {', '.join(extra)} are not read "
                              f"(only {', '.join(COLUMNS)} are)")
    return [names.index(c) for c in COLUMNS]


def _sniff(header: str) -> str:
    """The delimiter that splits the header line into the most known columns (then the most columns)."""
    def score(delimiter: str) -> tuple[int, int]:
        fields = next(csv.reader([header], delimiter=delimiter), [])
        return len({f.strip().casefold() for f in fields} & set(COLUMNS)), len(fields)

    return max(DELIMITERS, key=score)


def _jsonl_rows(text: str, name: str, sheet: AnswerSheet) -> Iterator[Row]:
    if text.lstrip().startswith("["):
        raise AnswersError(f"{name}: line 1: the file is one JSON array; write one JSON object per line")
    extra: set[str] = set()
    for line, raw in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 may sit inside a string
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except (ValueError, RecursionError) as e:
            yield line, f"not a JSON object ({_show(str(e))})"
            continue
        if not isinstance(row, dict):
            yield line, f"a JSON {type(row).__name__}, not an object with keys {', '.join(COLUMNS)}"
            continue
        extra |= set(row) - set(COLUMNS)
        absent = [c for c in COLUMNS[:3] if c not in row] + (["answer"] if "answer" not in row else [])
        if absent:
            yield line, f"no {', '.join(map(repr, absent))} key; each line needs {', '.join(COLUMNS)}"
            continue
        wrong = [c for c in COLUMNS[:3] if isinstance(row[c], bool) or not isinstance(row[c], str | int)]
        if wrong:
            kind = type(row[wrong[0]]).__name__
            yield line, f"{wrong[0]!r} must be a string or an integer, not a JSON {kind}"
            continue
        answer = row["answer"]
        if not isinstance(answer, str):
            try:
                answer = "" if answer is None else json.dumps(answer, ensure_ascii=False)
            except (ValueError, RecursionError) as e:
                yield line, f"the answer cannot be kept as text ({_show(str(e))})"
                continue
        yield line, (str(row["student"]), str(row["question"]), str(row["part"]), answer)
    if extra:
        shown = ", ".join(_show(k) for k in sorted(extra))
        sheet.warnings.append(f"{name}: keys {shown} are not read (only {', '.join(COLUMNS)} are)")


def _show(value: str, limit: int = 40) -> str:
    """`value` quoted on one line: cut to `limit` characters, anything unprintable escaped."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cut)
    return f"'{escaped}'"
