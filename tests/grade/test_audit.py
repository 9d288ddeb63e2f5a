"""The regrading audit: graded.jsonl records each run, audit.log every mark that moved and why.

Gradings are built here from `results.py` dataclasses, so each test decides the inputs and marks
of both runs itself; the expected log text is written from those values, and records are checked
against Python's own json round trip.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.grade.audit import (
    Change,
    append_audit,
    audit_run,
    changes,
    format_changes,
    read_records,
    record_text,
    records,
    write_records,
)
from dlexam.grade.results import Grading, PartResult, StudentResult

WHEN = datetime(2026, 3, 20, 14, 5, 9, tzinfo=UTC)
STAMP = "2026-03-20T14:05:09Z"


def part(question: str = "s2q1", pid: str = "a", *, answer: str = "0.25", marks: Fraction | int = 0,
         key: Any = 0.2, rule: str = "exactly", ta: tuple[Fraction, ...] | None = None,
         carried: tuple[str, ...] = (), kind: str = "number") -> PartResult:
    status = "right" if marks else "wrong"
    return PartResult(question, "1", pid, kind, answer, Fraction(marks), Fraction(3), status, status,
                      key=key, rule=rule, ta_points=ta, carried_from=carried)


def grading(*students: tuple[str, list[PartResult]]) -> Grading:
    results = tuple(StudentResult(sid, sid.upper(), tuple(parts), sum((p.marks for p in parts), Fraction(0)),
                                  Fraction(10)) for sid, parts in students)
    keys = tuple(dict.fromkeys(p.question for _, parts in students for p in parts))
    return Grading("exam", "Exam", keys, results)


def one(before: PartResult, after: PartResult, reasons: dict[Any, str] | None = None) -> list[Change]:
    old = read_back(records(grading(("s017", [before]))))
    return changes(old, records(grading(("s017", [after]))), reasons=reasons)


def read_back(rows: list[dict[str, Any]]) -> Any:
    """The records as the next run reads them from graded.jsonl."""
    with tempfile.TemporaryDirectory() as folder:
        write_records(Path(folder) / "graded.jsonl", rows)
        return read_records(Path(folder) / "graded.jsonl")


# -- what moved, and why ------------------------------------------------------------------------

def test_a_key_change_is_logged_from_what_to_what_with_the_rules_reason() -> None:
    found = one(part(key=0.2, marks=0), part(key=0.25, marks=2),
                reasons={("s017", "s2q1", "a"): "typo in the key"})
    assert found == [Change("s017", "s2q1", "a", Fraction(0), Fraction(2),
                            "key changed: 0.2 → 0.25; reason: typo in the key")]
    assert format_changes(found, when=WHEN) == (
        f"{STAMP} s017 s2q1 part a: 0 → 2 (key changed: 0.2 → 0.25; reason: typo in the key)\n")


def test_an_exact_key_is_shown_by_its_exact_text() -> None:
    found = one(part(key={"exact": "3/16", "value": 0.1875}),
                part(key={"exact": "1/4", "value": 0.25}, marks=3))
    assert found[0].why == "key changed: 3/16 → 1/4"


def test_a_tolerance_change_names_both_rules() -> None:
    found = one(part(answer="0.2016", rule="exactly"),
                part(answer="0.2016", rule="within 1% of the key", marks=3))
    assert [(c.before, c.after, c.why) for c in found] == [
        (0, 3, "rule changed: exactly → within 1% of the key")]


def test_a_ta_or_rubric_change_shows_the_points_per_criterion() -> None:
    before = part("s3q2", "why", kind="text", answer="vanishing", rule="rubric 2+1",
                  ta=(Fraction(1), Fraction(0)), marks=1)
    after = replace(before, ta_points=(Fraction(2), Fraction(1, 2)), marks=Fraction(5, 2))
    found = one(before, after)
    assert found == [Change("s017", "s3q2", "why", Fraction(1), Fraction(5, 2),
                            "TA points changed: 1+0 → 2+0.5")]
    assert format_changes(found, when=WHEN).endswith("part why: 1 → 2.5 (TA points changed: 1+0 → 2+0.5)\n")


def test_a_follow_through_change_names_the_parts_carried_from() -> None:
    found = one(part("s2q1", "grad", marks=0), part("s2q1", "grad", marks=Fraction(3, 2), carried=("z", "a")))
    assert found[0].why == "carried from changed: (none) → z, a"


def test_every_input_that_differs_is_named_and_an_answer_alone_gives_no_reason() -> None:
    reasons = {("s017", "s2q1", "a"): "tolerance agreed"}
    both = one(part(answer="1", rule="exactly"), part(answer="0.99", rule="within 1% of the key", marks=3),
               reasons)
    assert both[0].why == ('answer changed: "1" → "0.99"; rule changed: exactly → within 1% of the key; '
                           "reason: tolerance agreed")
    alone = one(part(answer="0.25", marks=3), part(answer="", marks=0), reasons)  # a removed answer row
    assert alone[0].why == 'answer changed: "0.25" → ""'


def test_marks_that_move_with_no_input_changed_blame_the_grader() -> None:
    assert one(part(marks=1), part(marks=2))[0].why == "no input changed (grader version)"


def test_unchanged_marks_are_not_logged_even_when_inputs_changed() -> None:
    assert one(part(answer="0.25", marks=3), part(answer=" 0.250", marks=3)) == []


def test_a_new_student_is_new_and_a_student_no_longer_graded_is_gone() -> None:
    old = read_back(records(grading(("s001", [part(marks=1)]), ("s002", [part(marks=2)]))))
    new = records(grading(("s001", [part(marks=1)]), ("s003", [part(marks=0)])))
    assert changes(old, new) == [
        Change("s003", "s2q1", "a", None, Fraction(0), "new: no earlier record"),
        Change("s002", "s2q1", "a", Fraction(2), None, "gone: not graded in this run")]
    lines = format_changes(changes(old, new), when=WHEN).splitlines()
    assert lines == [f"{STAMP} s003 s2q1 part a: — → 0 (new: no earlier record)",
                     f"{STAMP} s002 s2q1 part a: 2 → — (gone: not graded in this run)"]


def test_the_log_time_is_utc_whatever_zone_it_is_given_in() -> None:
    found = one(part(marks=1), part(marks=2))
    berlin = WHEN.astimezone(timezone(timedelta(hours=1)))
    assert format_changes(found, when=berlin).startswith(STAMP + " ")
    assert format_changes(found, when=WHEN.replace(tzinfo=None)).startswith(STAMP + " ")
    assert format_changes([], when=WHEN) == ""


# -- runs ----------------------------------------------------------------------------------------

def test_a_first_run_records_and_an_unchanged_rerun_logs_nothing(tmp_path: Path) -> None:
    g = grading(("s001", [part(marks=1), part("s2q2", "b", marks=2)]), ("s002", [part(marks=0)]))
    first = audit_run(tmp_path, g, when=WHEN)
    assert first.first and first.changes == () and first.problems == ()
    recorded = (tmp_path / "graded.jsonl").read_bytes()
    log = (tmp_path / "audit.log").read_text(encoding="utf-8")
    assert log == f"{STAMP} first grading: 3 parts of 2 students recorded in graded.jsonl\n"
    again = audit_run(tmp_path, g, when=WHEN + timedelta(days=1))
    assert not again.first and again.changes == ()
    assert (tmp_path / "graded.jsonl").read_bytes() == recorded
    assert (tmp_path / "audit.log").read_text(encoding="utf-8") == log


def test_a_regrade_appends_its_changes_to_the_log(tmp_path: Path) -> None:
    audit_run(tmp_path, grading(("s017", [part(key=0.2, marks=0)])), when=WHEN)
    later = WHEN + timedelta(hours=2)
    run = audit_run(tmp_path, grading(("s017", [part(key=0.25, marks=3)])), when=later,
                    reasons={("s017", "s2q1", "a"): "typo in the key"})
    assert [(c.before, c.after) for c in run.changes] == [(0, 3)]
    log = (tmp_path / "audit.log").read_text(encoding="utf-8").splitlines()
    assert log[1] == ("2026-03-20T16:05:09Z s017 s2q1 part a: 0 → 3 "
                      "(key changed: 0.2 → 0.25; reason: typo in the key)")
    assert read_records(tmp_path / "graded.jsonl")[("s017", "s2q1", "a")]["key"] == 0.25


def test_a_damaged_line_is_reported_and_the_rest_is_compared(tmp_path: Path) -> None:
    g = grading(("s001", [part(marks=1)]), ("s002", [part(marks=1)]), ("s003", [part(marks=1)]),
                ("s004", [part(marks=1)]))
    audit_run(tmp_path, g, when=WHEN)
    path = tmp_path / "graded.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:25]  # cut off mid-line
    lines[2] = lines[2].replace('"marks": "1"', '"marks": "one"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    old = read_records(path)
    assert len(old) == 2 and len(old.problems) == 2
    assert old.problems[0].startswith(f"{path}:2: not a JSON line")
    assert old.problems[1].startswith(f'{path}:3: marks "one" are not a number')
    moved = grading(("s001", [part(marks=2)]), ("s002", [part(marks=1)]), ("s003", [part(marks=1)]),
                    ("s004", [part(marks=1)]))
    run = audit_run(tmp_path, moved, when=WHEN)
    assert [(c.student, c.before, c.why) for c in run.changes] == [
        ("s001", 1, "no input changed (grader version)"), ("s002", None, "new: no earlier record"),
        ("s003", None, "earlier record damaged")]
    assert run.problems == tuple(old.problems)
    log = (tmp_path / "audit.log").read_text(encoding="utf-8")
    assert f"{STAMP} warning: {path}:2: not a JSON line" in log


def test_append_audit_with_nothing_to_say_writes_nothing(tmp_path: Path) -> None:
    append_audit(tmp_path, [], WHEN)
    assert not (tmp_path / "audit.log").exists()


# -- records ------------------------------------------------------------------------------------

def test_records_are_plain_json_with_sorted_keys_and_exact_marks(tmp_path: Path) -> None:
    p = part(marks=Fraction(3, 2), key=(Fraction(1, 3), frozenset({"b", "a"}), {"exact": "3/16"}),
             ta=(Fraction(1, 2),), carried=("z",))
    rows = records(grading(("s001", [p])))
    assert rows == [{"student": "s001", "question": "s2q1", "part": "a", "answer": "0.25",
                     "key": ["1/3", ["a", "b"], {"exact": "3/16"}], "rule": "exactly", "ta_points": ["1/2"],
                     "carried_from": ["z"], "marks": "3/2", "status": "right"}]
    write_records(tmp_path / "g.jsonl", rows)
    line = (tmp_path / "g.jsonl").read_text(encoding="utf-8")
    assert line == json.dumps(rows[0], sort_keys=True, ensure_ascii=False) + "\n"


ANSWERS = st.text(max_size=30)  # any text: quotes, line breaks, U+2028, emoji
KEYS = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5)
                    | st.floats(allow_nan=False, allow_infinity=False) | st.fractions(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                max_size=3), max_leaves=6)


@st.composite
def gradings(draw: st.DrawFn) -> Grading:
    students = []
    for sid in draw(st.lists(st.text(min_size=1, max_size=6), max_size=4, unique=True)):
        parts = [part(f"q{i}", draw(st.sampled_from(["a", "b", "x y"])), answer=draw(ANSWERS),
                      key=draw(KEYS),
                      marks=draw(st.fractions(0, 5, max_denominator=12)), rule=draw(st.text(max_size=8)),
                      ta=draw(st.none() | st.tuples(st.fractions(0, 3, max_denominator=4))),
                      carried=tuple(draw(st.lists(st.text(max_size=3), max_size=2))))
                 for i in range(draw(st.integers(0, 3)))]
        students.append((sid, parts))
    return grading(*students)


@given(g=gradings())
def test_records_come_back_from_the_file_exactly_and_compare_equal(g: Grading) -> None:
    rows = records(g)
    back = read_back(rows)
    assert back.problems == []
    assert list(back.values()) == [json.loads(json.dumps(r)) for r in rows]
    assert changes(back, rows) == [] and records(g) == rows


@given(data=st.binary(max_size=600))
def test_any_bytes_give_records_and_problems_never_an_exception(tmp_path_factory: pytest.TempPathFactory,
                                                                 data: bytes) -> None:
    path = tmp_path_factory.mktemp("r") / "graded.jsonl"
    path.write_bytes(data)
    found = read_records(path)
    lines = [line for line in data.decode("utf-8", errors="replace").split("\n") if line.strip()]
    assert len(found) + len(found.problems) == len(lines)  # every line: a record or a problem
    assert all("\n" not in p for p in found.problems)
    assert isinstance(changes(found, []), list)


@given(lines=st.lists(st.sampled_from([
    '{"student": "s1", "question": "q", "part": "a", "marks": "1"}',
    '{"student": "s2", "question": "q", "part": "a", "marks": "3/2", "key": [1, 2]}',
    '{"student": "s3", "question": "q", "part": "a", "marks": "x"}',
    '{"student": "s4", "question": "q"', '"part": "a", "marks": "1"}', "[1, 2]", "7", "",
    '{"student": "s5", "question": "q", "part": "a", "marks": "2"}, {"student": "s6", "question": "q", '
    '"part": "a", "marks": "2"}',
]), max_size=8))
def test_a_file_read_at_once_or_line_by_line_gives_the_same_records(
        tmp_path_factory: pytest.TempPathFactory, lines: list[str]) -> None:
    path = tmp_path_factory.mktemp("r") / "graded.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    found = read_records(path)
    expected: dict[Any, Any] = {}  # the oracle: each line on its own, the first record of a cell kept
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and set(row) >= {"student", "question", "part"} and row.get("marks") != "x":
            expected.setdefault((row["student"], row["question"], row["part"]), row)
    assert dict(found) == expected
    assert len(found) + len(found.problems) == sum(1 for line in lines if line.strip())


# -- the lines written while marking, and the comparison that skips unchanged lines ---------------

ODD_KEYS = st.recursive(KEYS | st.fractions() | st.frozensets(st.integers(-3, 3), max_size=3),
                        lambda inner: st.tuples(inner, inner)
                        | st.dictionaries(st.integers(-2, 2) | st.text(max_size=2), inner, max_size=2),
                        max_leaves=5)


@given(g=gradings(), key=ODD_KEYS)
def test_record_text_is_the_json_of_the_records_byte_for_byte(g: Grading, key: Any) -> None:
    extra = StudentResult("zz", "ZZ", (part(key=key),), Fraction(0), Fraction(1))
    g = replace(g, students=(*g.students, extra))
    expected = [json.dumps(r, ensure_ascii=False) for r in records(g)]  # records are made in key order
    assert record_text(g.students).split("\n") == [*expected, ""]


EDITS = st.sampled_from(["keep", "keep", "keep", "marks", "key", "drop", "twice", "cut", "foreign", "blank"])


@given(g=gradings(), edits=st.lists(EDITS, max_size=12), order=st.randoms(use_true_random=False),
       moved=st.lists(st.integers(0, 20), max_size=4), ending=st.sampled_from(["", "\n"]))
def test_an_audit_that_skips_unchanged_lines_finds_what_reading_every_line_finds(
        tmp_path_factory: pytest.TempPathFactory, g: Grading, edits: list[str], order: Any,
        moved: list[int], ending: str) -> None:
    """The oracle is the plain path: every earlier line read (`read_records`) and compared with
    every new record (`changes`). The earlier file is this run's lines edited: marks or keys
    changed, lines dropped, repeated, cut short, of other students, blank lines, shuffled."""
    lines = record_text(g.students).split("\n")[:-1]  # not splitlines: U+0085 may be in a rule
    old: list[str] = []
    for i, line in enumerate(lines):
        edit = edits[i % len(edits)] if edits else "keep"
        row = json.loads(line)
        if edit == "marks":
            old.append(json.dumps(row | {"marks": str(Fraction(row["marks"]) + 1)}, sort_keys=True))
        elif edit == "key":
            old.append(json.dumps(row | {"key": "changed"}, sort_keys=True))
        elif edit in ("keep", "twice", "blank"):
            old += [line] * (2 if edit == "twice" else 1) + ([" "] if edit == "blank" else [])
        elif edit == "cut":
            old.append(line[:20])
        elif edit == "foreign":
            old.append(json.dumps(row | {"student": row["student"] + "~"}, sort_keys=True))
    if order.random() < 0.5:
        order.shuffle(old)
    students = [replace(s, parts=tuple(replace(p, marks=p.marks + 1) if (j + k) in moved else p
                                       for k, p in enumerate(s.parts)))
                for j, s in enumerate(g.students)]
    g = replace(g, students=tuple(students))
    folder = tmp_path_factory.mktemp("a")
    (folder / "graded.jsonl").write_text("\n".join(old) + ending, encoding="utf-8")
    earlier = read_records(folder / "graded.jsonl")
    expected = changes(earlier, records(g), reasons={})
    run = audit_run(folder, g, when=WHEN)
    assert list(run.changes) == expected and list(run.problems) == earlier.problems


# -- speed --------------------------------------------------------------------------------------

def test_a_regrade_of_twenty_thousand_parts_is_audited_quickly(tmp_path: Path) -> None:
    parts = [part(f"s1q{q}", "a", marks=q % 3, key={"exact": "3/16", "value": 0.1875}) for q in range(25)]
    g = grading(*[(f"s{s:04d}", parts) for s in range(800)])
    start = time.perf_counter()
    audit_run(tmp_path, g, when=WHEN)
    run = audit_run(tmp_path, g, when=WHEN)
    took = time.perf_counter() - start
    assert run.changes == ()
    assert took < 2.0, f"two audited runs of 20,000 parts took {took:.2f} s"  # ≈ 0.6 s on a busy 2-core box
