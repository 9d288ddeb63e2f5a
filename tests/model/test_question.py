"""Question, Part and Step: plain data that survives JSON unchanged, and refuses a part
kind no renderer or grader would understand."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam.model import KINDS, Part, Question, Step

texts = st.text(max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(texts, c, max_size=4),
    max_leaves=10,
)
parts = st.builds(Part, texts, st.sampled_from(sorted(KINDS)), json_values, st.integers(0, 100), texts)
steps = st.builds(Step, texts, texts)
questions = st.builds(
    Question,
    topic=texts,
    title=texts,
    params=st.dictionaries(texts, json_values, max_size=5),
    prompt=texts,
    parts=st.lists(parts, max_size=4).map(tuple),
    solution=st.lists(steps, max_size=4).map(tuple),
    calculator=st.booleans(),
    seed=st.none() | st.integers(0, 2**63),
)


@settings(max_examples=60)
@given(questions)
def test_a_question_survives_a_trip_through_a_dict_and_json_text_byte_for_byte(q: Question) -> None:
    assert Question.from_dict(q.to_dict()) == q
    text = q.to_json()
    assert Question.from_json(text) == q
    assert Question.from_json(text).to_json() == text
    assert Question.from_json(q.to_json(indent=None)) == q


@settings(max_examples=30)
@given(questions)
def test_the_json_is_plain_data_with_the_documented_keys(q: Question) -> None:
    d = json.loads(q.to_json())
    assert d == q.to_dict()
    assert {"topic", "params", "prompt", "parts", "solution"} <= set(d)
    assert all(set(p) == {"id", "kind", "marks", "answer", "prompt"} for p in d["parts"])
    assert all(set(s) == {"title", "text"} for s in d["solution"])


@given(parts)
def test_a_part_survives_a_trip_through_a_dict(p: Part) -> None:
    assert Part.from_dict(json.loads(json.dumps(p.to_dict()))) == p


@given(steps)
def test_a_step_survives_a_trip_through_a_dict(s: Step) -> None:
    assert Step.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_a_part_without_marks_or_prompt_gets_one_mark_and_no_prompt() -> None:
    p = Part.from_dict({"id": "shape", "kind": "shape", "answer": [1, 2]})
    assert (p.marks, p.prompt) == (1, "")


def test_a_question_without_title_seed_or_calculator_gets_the_defaults() -> None:
    q = Question.from_dict({"topic": "t", "params": {}, "prompt": "p", "parts": [], "solution": []})
    assert (q.title, q.seed, q.calculator) == ("", None, False)


@given(st.text(min_size=0, max_size=12).filter(lambda k: k not in KINDS))
def test_an_unknown_part_kind_is_refused_naming_it(kind: str) -> None:
    with pytest.raises(ValueError) as info:
        Part("p1", kind, 1)
    assert repr(kind) in str(info.value) and "'p1'" in str(info.value)


def test_an_unknown_part_kind_in_json_is_refused() -> None:
    d: dict[str, Any] = {"topic": "t", "params": {}, "prompt": "p", "solution": [],
                         "parts": [{"id": "x", "kind": "essay", "answer": None}]}
    with pytest.raises(ValueError, match="essay"):
        Question.from_json(json.dumps(d))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_documented_kind_is_accepted(kind: str) -> None:
    assert Part("p", kind, None).kind == kind


@settings(max_examples=40)
@given(st.lists(parts, max_size=5, unique_by=lambda p: p.id))
def test_a_part_is_found_by_its_id_and_marks_add_up(ps: list[Part]) -> None:
    q = Question("t", "", {}, "", tuple(ps), ())
    for p in ps:
        assert q.part(p.id) is p
    assert q.marks == sum(p.marks for p in ps)
    with pytest.raises(KeyError):
        q.part("\x00no such part")


def test_a_question_is_frozen() -> None:
    q = Question("t", "", {}, "", (), ())
    with pytest.raises(AttributeError):
        q.topic = "u"  # type: ignore[misc]


# -- error carried forward: depends_on and chained --------------------------------------------

linked_parts = st.builds(
    lambda p, deps, chained: Part(p.id, p.kind, p.answer, p.marks, p.prompt,
                                  depends_on=tuple(d for d in deps if d != p.id), chained=chained),
    parts, st.lists(texts, max_size=3, unique=True), st.booleans())


@given(linked_parts)
def test_a_part_with_dependencies_survives_a_trip_through_json(p: Part) -> None:
    d = json.loads(json.dumps(p.to_dict()))
    assert Part.from_dict(d) == p
    assert ("depends_on" in d) == bool(p.depends_on) and ("chained" in d) == p.chained
    assert d.get("depends_on", []) == list(p.depends_on)


def test_an_old_part_without_dependencies_still_loads_with_none() -> None:
    p = Part.from_dict({"id": "b", "kind": "number", "answer": 1, "marks": 2, "prompt": "L"})
    assert (p.depends_on, p.chained) == ((), False)
    assert set(p.to_dict()) == {"id", "kind", "marks", "answer", "prompt"}


def test_dependencies_given_as_a_json_list_become_a_tuple() -> None:
    assert Part("c", "number", 1, depends_on=["a", "b"]).depends_on == ("a", "b")  # type: ignore[arg-type]


@pytest.mark.parametrize(("depends_on", "chained", "words"), [
    (("b", "a"), False, "cannot depend on itself"),
    (("a", "a"), False, "twice"),
    ("a", False, "list of part ids"),
    ((1,), False, "list of part ids"),
    ((), "yes", "chained must be true or false"),
])
def test_a_bad_dependency_is_refused_naming_the_part(depends_on: Any, chained: Any, words: str) -> None:
    with pytest.raises(ValueError, match=words) as info:
        Part("b", "number", 1, depends_on=depends_on, chained=chained)
    assert "'b'" in str(info.value)


@pytest.mark.parametrize(("field", "value", "error"), [
    ("rubric", None, TypeError), ("rubric", [{"points": 1}], KeyError), ("depends_on", "a", ValueError),
    ("depends_on", [], None), ("chained", 1, ValueError), ("chained", True, None),
    ("kind", "essay", ValueError),
])
def test_a_part_read_from_json_is_checked_like_one_made_in_code(field: str, value: Any,
                                                                 error: type[Exception] | None) -> None:
    """The quick path of reading a part (no checks to run for a plain part) refuses what the
    full checks refuse."""
    d = {"id": "b", "kind": "number", "answer": 1, field: value}
    if error is None:
        assert getattr(Part.from_dict(d), field) == (tuple(value) if isinstance(value, list) else value)
        return
    with pytest.raises(error):
        Part.from_dict(d)
