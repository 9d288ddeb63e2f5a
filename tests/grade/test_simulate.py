"""The simulator's parts: the spellings it writes, the mistakes it makes, the marks it assigns."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.bank import load_bank
from dlexam.grade._sim_mistakes import ONLY, mistakes
from dlexam.grade._sim_values import Irr, cell_marks, choices_marks, exact_tree, near, same
from dlexam.grade._sim_write import GARBAGE, GARBAGE_CHOICE, number, write
from dlexam.grade.parse import read
from dlexam.grade.simulate import Cohort, Row, main, simulate
from dlexam.model import Question
from dlexam.topics import all_topics, get_topic
from tests.exam.conftest import BASE

SEEDS = range(6)
QUESTIONS = [t.question(seed=s) for t in all_topics() for s in SEEDS]
ITEMS = [item.to_question() for item in load_bank().items]

terminating = st.builds(lambda n, twos, fives: Fraction(n, 2 ** twos * 5 ** fives),
                        st.integers(-10**7, 10**7), st.integers(0, 6), st.integers(0, 4))
fractions = st.one_of(terminating, st.fractions(max_denominator=10**4))


def close(value: Any, key: Any) -> bool:
    """A read value against the exact key: rationals exactly, irrationals to 1e-5 (6+ figures written)."""
    if isinstance(key, Irr):
        return abs(float(value) - key.value) <= 1e-5 * abs(key.value)
    if isinstance(key, Fraction):
        return Fraction(value) == key
    if isinstance(key, list):
        return isinstance(value, list | tuple) and len(value) == len(key) and all(map(close, value, key))
    if isinstance(key, dict):
        numbers = [(k, v) for k, v in key.items() if not isinstance(v, str)]
        return isinstance(value, dict) and all(close(value.get(k), v) for k, v in numbers)
    return True


@given(fractions, st.booleans(), st.integers(0, 2**32))
def test_every_spelling_of_a_number_reads_back_as_exactly_that_number(x: Fraction, scalar: bool,
                                                                        seed: int) -> None:
    text = number(x, random.Random(seed), odd=True, scalar=scalar)
    assert read("number", text).value == x, text
    if x.denominator == 1:
        assert read("integer", text).value == x, text


@given(st.fractions(max_denominator=10**6), st.integers(0, 2**32))
def test_an_irrational_value_is_written_to_well_within_the_default_tolerance(x: Fraction, seed: int) -> None:
    value = float(x) * math.pi
    text = number(Irr(f"pi*{x}", value), random.Random(seed), odd=True, scalar=True, expressions=True)
    got = read("number", text).value
    assert abs(float(got) - value) <= 1e-5 * abs(value), text  # the default tolerance is 1e-3


def _name(q: Question) -> str:
    return f"{q.topic}#{q.seed}" if q.seed is not None else q.title


@pytest.mark.parametrize("q", QUESTIONS + ITEMS[::7], ids=_name)
def test_every_odd_spelling_of_a_key_reads_back_as_the_key(q: Question) -> None:
    for part in q.parts:
        letters = len(part.options) if part.options else None
        for seed in range(12):
            rng = random.Random(seed)
            if part.kind in ("choice", "choices"):
                want = {part.answer} if isinstance(part.answer, str) else set(part.answer)
                text = write(part.kind, want, rng, odd=True)
                assert read(part.kind, text, options=letters).value == want, text
            elif part.kind == "design":
                text = write("design", exact_tree(part.answer), rng, odd=True)
                assert get_topic(q.topic).check(q.params, read("design", text).value).ok, text
            elif part.kind != "text":
                key = exact_tree(part.answer)
                text = write(part.kind, key, rng, odd=True, expressions=True)
                got = read(part.kind, text, expected=part.answer)
                assert got.ok and close(got.value, key), f"{part.id}: {text!r} read as {got}"


@pytest.mark.parametrize("kind", ["integer", "number", "shape", "vector", "matrix", "list", "table", "design",
                                  "choice", "choices", "true_false"])
def test_garbage_is_unreadable_for_every_kind_of_part(kind: str) -> None:
    parts = [(p, q) for q in QUESTIONS + ITEMS for p in q.parts if p.kind == kind]
    assert parts, kind
    for part, _ in parts:
        for text in GARBAGE_CHOICE if kind in ("choice", "choices") else GARBAGE:
            got = read(kind, text, expected=part.answer, options=len(part.options) or None)
            assert not got.ok and not got.blank, (kind, text, got)


def test_per_cell_credit_rounds_to_half_marks_and_is_full_only_when_every_cell_is_right() -> None:
    assert cell_marks(Fraction(1), 5, 6) == Fraction(1, 2)  # 5/6 rounds to 1, but only complete is full
    assert cell_marks(Fraction(2), 3, 4) == Fraction(3, 2)
    assert cell_marks(Fraction(3), 1, 4) == Fraction(1)  # 0.75 → 1 (halves up)
    assert cell_marks(Fraction(1), 1, 4) == Fraction(1, 2)  # 0.25 → 0.5
    assert cell_marks(Fraction(1), 1, 5) == 0
    assert cell_marks(Fraction(4), 4, 4) == 4


@given(st.integers(1, 12), st.integers(1, 40), st.data())
def test_per_cell_credit_is_the_nearest_half_mark_below_full(marks: int, total: int,
                                                             data: st.DataObject) -> None:
    right = data.draw(st.integers(0, total))
    got = cell_marks(Fraction(marks), right, total)
    assert (got * 2).denominator == 1
    if right == total:
        assert got == marks
    else:
        assert got <= marks - Fraction(1, 2)
        assert abs(got - Fraction(marks * right, total)) <= Fraction(1, 2)


def test_the_choice_policies_follow_the_scoring_rules() -> None:
    one = Fraction(1)
    assert choices_marks({"a", "b"}, {"a", "b"}, 5, one, "negative") == 1
    assert choices_marks({"a"}, {"a", "b"}, 5, one, "all_or_nothing") == 0
    assert choices_marks({"a"}, {"a", "b"}, 5, one, "per_option") == Fraction(1, 2)
    assert choices_marks({"a", "c"}, {"a", "b"}, 5, one, "per_option") == Fraction(1, 2) - Fraction(1, 3)
    assert choices_marks({"a", "c"}, {"a", "b"}, 5, one, "negative") == 0
    assert choices_marks({"c", "d"}, {"a", "b"}, 5, one, "per_option") == 0  # floored, never negative
    assert choices_marks({"a"}, set(), 4, one, "per_option") == 0  # "no box" is all or nothing


def test_values_are_compared_exactly_and_near_misses_are_flagged() -> None:
    assert same(Irr("2*log(3)", 2.1972245773362196), Irr("log(9)", 2.1972245773362196))
    assert not same(Irr("log(9)", 2.197), Irr("log(9) + 10**-30", 2.197))
    assert same(Fraction(1, 2), Irr("sin(pi/6)", 0.5))
    assert near(Fraction(51, 100), Fraction(1, 2), calculator=True)  # a calculator tolerance might take it
    assert not near(Fraction(51, 100), Fraction(1, 2), calculator=False)  # a decimal key is exact without one
    assert not near(Fraction(1001, 1000), Fraction(1), calculator=True)  # an integer key is always exact
    assert near(Fraction(1001, 3000), Fraction(1, 3), calculator=False)  # a repeating key has a tolerance
    assert near(Irr("log(9)*1.001", 2.2), Irr("log(9)", 2.197), calculator=False)


def _question(topic: str, **params: Any) -> Question:
    return get_topic(topic).build(params)


def test_ceil_instead_of_floor_is_the_ceiling_of_the_output_size() -> None:
    q = _question("conv.output_shape", input=[8, 3, 64, 63], out_channels=16, kernel=5, stride=2, padding=2)
    (mistake,) = mistakes(q)
    assert mistake.answers["shape"] == [8, 16] + [math.ceil((n + 4 - 5) / 2) + 1 for n in (64, 63)]
    torch = pytest.importorskip("torch")
    q = _question("pool.output_shape", input=[1, 3, 14, 11], kernel=3, stride=2)
    (mistake,) = mistakes(q)
    pooled = torch.nn.MaxPool2d(3, 2, ceil_mode=True)(torch.zeros(1, 3, 14, 11))
    assert mistake.answers["shape"] == list(pooled.shape)


@pytest.mark.parametrize("seed", range(4))
def test_forgetting_the_half_of_the_mse_doubles_the_step(seed: int) -> None:
    q = get_topic("mlp.sgd_step").question(seed=seed)
    assert q.params["loss"] == "half_mse"
    (mistake,) = mistakes(q)
    assert set(mistake.answers) == ONLY["mlp.sgd_step"], "only the parts nothing builds on"
    lr, outputs = Fraction(str(q.params["lr"])), len(q.params["y"])
    w0, right, wrong = (exact_tree(x) for x in (q.params["weights"], q.part("new_weights").answer,
                                                 mistake.answers["new_weights"]))
    for layer in range(len(w0)):
        for i, row in enumerate(w0[layer]):
            for j, w in enumerate(row):
                grad = (w - right[layer][i][j]) / lr  # the mean over m outputs is 2/m times ½·Σ
                assert wrong[layer][i][j] == w - lr * Fraction(2, outputs) * grad


def test_the_other_momentum_form_keeps_the_weights_but_not_the_buffer() -> None:
    lr, w0, grads = Fraction(1, 10), [1, -2], [[2, 4], [1, 1]]
    q = _question("optim.step", optimizer="momentum_torch", lr=0.1, momentum=0.5, w0=w0, grads=grads)
    (mistake,) = mistakes(q)
    assert exact_tree(mistake.answers["w"]) == exact_tree(q.part("w").answer)  # same steps with a fixed lr
    buffer = [Fraction(0), Fraction(0)]
    for g in grads:  # torch: v ← μv + g; the textbook keeps u = −lr·v and steps w ← w + u
        buffer = [Fraction(1, 2) * v + x for v, x in zip(buffer, g, strict=True)]
    assert exact_tree(q.part("state").answer) == {"momentum_buffer": buffer}
    assert exact_tree(mistake.answers["state"]) == {"momentum_buffer": [-lr * v for v in buffer]}


def test_no_part_another_part_builds_on_is_ever_given_a_mistake() -> None:
    for q in QUESTIONS:
        depended = {d for p in q.parts for d in p.depends_on}
        for m in mistakes(q):
            assert not set(m.answers) & depended, (q.topic, m.name)
            assert set(m.answers) <= ONLY.get(q.topic, {p.id for p in q.parts}), (q.topic, m.name)


def test_the_line_numbers_of_rows_are_where_a_csv_reader_finds_them(tmp_path: Path) -> None:
    rows = [Row("s1", "s1q1", "a", "1"), Row("s1", "s1q2", "", "1 2\n3 4\n5 6"), Row("s2", "3", "b", ""),
            Row("s2", "s1q2", "", 'say "hi"\nthere', "duplicate"), Row("s3", "Q1", "a", "x")]
    cohort = Cohort(rows)
    text = cohort.write_csv(tmp_path / "a.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    starts, last = [], reader.line_num
    for _ in reader:
        starts.append(last + 1)
        last = reader.line_num
    assert cohort.lines() == starts == [2, 3, 6, 7, 9]
    assert cohort.issues() == [(7, "duplicate")]


def test_a_cohort_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    papers = _papers()
    one, again, other = (simulate(papers, random.Random(s)) for s in (1, 1, 2))
    assert one.rows == again.rows and one.expected == again.expected
    assert one.rows != other.rows


def _papers() -> list[Any]:
    from dlexam.exam import parse_roster, parse_spec, stress_test

    spec = parse_spec(BASE, path="quiz.toml")
    return list(stress_test(spec, parse_roster("id,name\na1,Ann\nb2,Bo\nc3,Cy\n")).papers)


def test_the_dry_run_command_writes_a_built_exam_answers_and_expected_marks(tmp_path: Path,
                                                                            capsys: Any) -> None:
    (tmp_path / "quiz.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("id,name\na1,Ann\nb2,Bo\n", encoding="utf-8")
    assert main([str(tmp_path / "quiz.toml"), "--roster", str(tmp_path / "roster.csv"), "--out",
                 str(tmp_path / "dry")]) == 0
    manifest = json.loads((tmp_path / "dry" / "built" / "manifest.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in manifest["students"]] == ["a1", "b2"]
    with (tmp_path / "dry" / "expected.csv").open(encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    assert len(expected) == sum(len(q["parts"]) for s in manifest["students"] for q in s["questions"])
    assert "dlexam grade" in capsys.readouterr().out
    assert main([str(tmp_path / "dry" / "built"), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "answers.csv").is_file()
