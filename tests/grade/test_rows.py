"""The shared row reader: one way to read CSV / JSON-lines tables of student × question part rows."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlexam.errors import DlexamError
from dlexam.grade._rows import Columns, Index, read_table

TABLE = Columns(("student", "value"), noun="value", optional=("note",), extra=re.compile(r"k[0-9]"),
                extra_label="k0 … k9", ignored=("skip",), ids=("student",))


class Bad(DlexamError):
    pass


def rows(path: Path, columns: Columns = TABLE) -> tuple[list[tuple[int, dict[str, str] | str]], list[str]]:
    warnings: list[str] = []
    found = list(read_table(path, columns, error=Bad, what="test file", warnings=warnings))
    return found, warnings


def test_csv_reads_known_extra_and_optional_columns_and_warns_only_about_unknown_ones(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"Student ; value;k1;skip;other\n\ns1;1,5;x;y;z\ns2;2\n")
    found, warnings = rows(path)
    assert found == [(3, {"student": "s1", "value": "1,5", "k1": "x"}),
                     (4, "2 values where the header has 5 (no k1)")]
    assert warnings == [f"{path}: columns 'other' are not read (only student, value, note, k0 … k9 are)"]


def test_utf16_with_its_mark_reads_like_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes("student,value\nß,1\n".encode("utf-16"))
    assert rows(tmp_path / "a.csv")[0] == [(2, {"student": "ß", "value": "1"})]


def test_json_lines_keep_values_as_text_and_check_ids(tmp_path: Path) -> None:
    lines = [{"student": 7, "value": 1.5, "k2": None, "skip": 1},
             {"student": True, "value": "x"},
             {"value": "x"},
             {"student": "s", "value": [1, {"a": "é"}], "other": 1}]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n[1]\n", encoding="utf-8")
    found, warnings = rows(path)
    assert found == [(1, {"student": "7", "value": "1.5", "k2": ""}),
                     (2, "'student' must be a string or an integer, not a JSON bool"),
                     (3, "no 'student' key; each line needs student, value"),
                     (4, {"student": "s", "value": '[1, {"a": "é"}]'}),
                     (5, "a JSON list, not an object with keys student, value")]
    assert warnings == [f"{path}: keys 'other' are not read (only student, value, note, k0 … k9 are)"]


def test_a_header_check_refuses_the_file_in_one_line(tmp_path: Path) -> None:
    table = Columns(("student",), noun="value", optional=("value",),
                    check=lambda names: None if "value" in names else "no value column; add one")
    (tmp_path / "t.csv").write_text("student\ns1\n", encoding="utf-8")
    with pytest.raises(Bad, match=r"t.csv: line 1: no value column; add one"):
        rows(tmp_path / "t.csv", table)


MANIFEST = {"students": [{"id": "Ann", "questions": [
    {"key": "s1q1", "number": "2", "parts": [{"id": "x"}, {"id": "Y"}]},
    {"key": "s1q2", "number": "1", "parts": [{"id": "only"}]}]}]}


@pytest.mark.parametrize(("row", "resolved"), [
    (("ann", "Q2", "b"), ("Ann", "s1q1", "Y")),
    (("Ann", "S1Q2", ""), ("Ann", "s1q2", "only")),
    (("Ann", "1", "ONLY"), ("Ann", "s1q2", "only")),
    (("Ann", "2", ""), ("unknown part", "no part given in question s1q1 of student Ann; its parts are Y, x")),
    (("Bob", "1", ""), ("unknown student", "no student 'Bob' in the exam's manifest; check the id")),
    ((" ", "1", ""), ("malformed row", "the student column is empty")),
])
def test_the_index_resolves_ids_numbers_and_letters_as_the_student_saw_them(
        row: tuple[str, str, str], resolved: Sequence[str]) -> None:
    assert Index(MANIFEST, "t.csv", Bad).resolve(*row) == tuple(resolved)


def test_the_index_lists_every_cell_with_its_manifest_entry() -> None:
    index = Index(MANIFEST, "t.csv", Bad)
    assert list(index.cells) == [("Ann", "s1q1", "x"), ("Ann", "s1q1", "Y"), ("Ann", "s1q2", "only")]
    with pytest.raises(Bad, match="rebuild the exam"):
        Index({"students": [{"id": "x"}]}, "t.csv", Bad)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.lists(st.text(max_size=6), max_size=6), max_size=8),
       header=st.sampled_from([["student", "value"], ["value", "k1", "student", "note"],
                               ["student", "value", "x"]]))
def test_any_csv_rows_come_back_once_each_with_their_values(tmp_path: Path, values: list[list[str]],
                                                            header: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *values])
    path = tmp_path / "any.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    found, _ = rows(path)
    kept = [v for v in values if any(x.strip() for x in v)]
    assert len(found) == len(kept)
    for (_, row), given_values in zip(found, kept, strict=True):
        if isinstance(row, dict):
            assert row == {h: given_values[i] for i, h in enumerate(header) if TABLE.reads(h)}
        else:
            assert len(given_values) != len(header) and "\n" not in row
