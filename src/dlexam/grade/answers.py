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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import DlexamError
from ._rows import Cell, Columns, Index, RowIssue, Sheet, read_table

__all__ = ["COLUMNS", "ISSUE_KINDS", "REFUSED", "Answer", "AnswerSheet", "AnswersError", "RowIssue",
           "read_answers"]

COLUMNS = ("student", "question", "part", "answer")
REFUSED = frozenset({"unknown student", "unknown question", "unknown part", "duplicate", "malformed row"})
ISSUE_KINDS = REFUSED | {"empty answer"}
_TABLE = Columns(COLUMNS, noun="answer")


class AnswersError(DlexamError, ValueError):
    """An answers file (or manifest) that cannot be read at all; one line naming the file,
    the line and the fix."""


@dataclass(frozen=True)
class Answer:
    text: str
    line: int  # where the row starts in the file, 1-based (a CSV header is line 1)


@dataclass
class AnswerSheet(Sheet):
    answers: dict[Cell, Answer] = field(default_factory=dict)
    kept: ClassVar[frozenset[str]] = frozenset({"empty answer"})  # a blank answer is kept: it scores 0

    @property
    def rows_used(self) -> int:
        return len(self.answers)

    def missing(self, manifest: dict[str, Any]) -> list[Cell]:
        """Every (student, question, part) of the manifest with no row: each scores 0 as "no answer"."""
        return [cell for cell in Index(manifest, self.path, AnswersError).cells if cell not in self.answers]


def read_answers(path: str | Path, manifest: dict[str, Any], *, format: str | None = None,
                 index: Index | None = None) -> AnswerSheet:
    """Every row of the answers file at `path` (CSV or JSON lines: `format` "csv" or "jsonl",
    or found from the name and the content), checked against the exam's `manifest` (or its
    `Index`, when the caller has made one already)."""
    name = str(path)
    index = Index(manifest, name, AnswersError) if index is None else index
    sheet = AnswerSheet(name)
    rows = read_table(path, _TABLE, error=AnswersError, what="answers file", warnings=sheet.warnings,
                      format=format)
    first_line: dict[Cell, int] = {}
    for line, row in rows:
        sheet.rows_read += 1
        if isinstance(row, str):
            sheet.issues.append(RowIssue(line, "malformed row", row))
            continue
        cell = index.resolve(row["student"], row["question"], row["part"])
        answer = row["answer"]
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
