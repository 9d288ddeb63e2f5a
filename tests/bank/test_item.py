"""One item is read field by field: anything off the format is one clear line naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.bank import BankError, Item
from dlexam.bank._item import FIELDS, parse_item

SINGLE = {
    "id": "gan.critic-output", "kind": "single", "level": "advanced", "tags": ["wgan"], "marks": 1,
    "text": "What does a WGAN critic output?", "options": ["a probability", "an unbounded score"],
    "answer": "b", "explanation": "The critic estimates a Wasserstein distance, so no sigmoid.",
}
SHORT = {
    "id": "gan.why-penalty", "kind": "short", "level": "advanced", "tags": ["wgan-gp"], "marks": 3,
    "text": "Why a gradient penalty?", "answer": "It keeps the critic 1-Lipschitz softly.",
    "explanation": "Clipping weights limits capacity; the penalty asks for unit gradient norm.",
    "rubric": [{"points": 2, "text": "1-Lipschitz constraint"}, {"points": 1, "text": "vs clipping"}],
}


def read(raw: Any) -> Item:
    return parse_item(raw, theme="gan", where="gan.toml, item 1")


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    d = copy.deepcopy(base)
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def refused(raw: Any) -> str:
    with pytest.raises(BankError) as e:
        read(raw)
    return str(e.value)


def test_a_well_formed_single_choice_item_reads_with_its_theme_as_a_tag() -> None:
    item = read(SINGLE)
    assert item.tags == ("gan", "wgan") and item.answer == "b"
    assert item.key_text() == "b) an unbounded score"


def test_a_short_item_defaults_its_marks_to_the_rubric_sum() -> None:
    assert read(with_(SHORT, marks=None)).marks == 3


def test_a_rubric_that_does_not_add_up_to_the_marks_is_refused_naming_both() -> None:
    message = refused(with_(SHORT, marks=4))
    assert "'marks' is 4 but the rubric points add up to 3" in message and "gan.why-penalty" in message


def test_a_key_pointing_past_the_options_is_refused() -> None:
    assert "'answer' must be one option letter, a–b, got 'c'" in refused(with_(SINGLE, answer="c"))


def test_a_multi_key_with_an_unknown_letter_is_refused() -> None:
    raw = with_(SINGLE, kind="multi", options=["x", "y", "z"], answer=["a", "d"])
    assert "'answer' must be a non-empty list of letters a–c" in refused(raw)


def test_a_multi_key_is_kept_in_letter_order() -> None:
    assert read(with_(SINGLE, kind="multi", options=["x", "y", "z"], answer=["c", "a"])).answer == ("a", "c")


def test_an_empty_explanation_is_refused() -> None:
    assert "'explanation' is missing or empty" in refused(with_(SINGLE, explanation="   "))


def test_an_id_outside_the_files_theme_is_refused_with_an_example() -> None:
    assert "must be 'gan.<slug>'" in refused(with_(SINGLE, id="vae.critic-output"))


def test_a_misspelt_field_is_named_rather_than_ignored() -> None:
    assert "'explantion' is not an item field" in refused(with_(SINGLE, explantion="typo"))


def test_options_on_a_true_false_item_are_refused() -> None:
    raw = with_(SINGLE, kind="true_false", answer=True)
    assert "'options' belongs to single and multi items only" in refused(raw)


def test_repeated_options_are_refused() -> None:
    assert "same option twice" in refused(with_(SINGLE, options=["same", "same "]))


def test_a_rubric_on_a_choice_item_is_refused() -> None:
    assert "'rubric' belongs to short items only" in refused(with_(SINGLE, rubric=SHORT["rubric"]))


def test_a_rubric_point_without_positive_integer_points_is_refused() -> None:
    raw = with_(SHORT, rubric=[{"points": 0, "text": "x"}, {"points": 3, "text": "y"}])
    assert "'rubric' point 1" in refused(raw)


# -- fuzzing: any table is an Item or one line naming what is wrong ----------------------

_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(), st.text(max_size=8),
                  st.sampled_from(["a", "b", "c", "single", "multi", "short", "true_false", "advanced"]))
_value = st.recursive(_leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c,
                      max_size=3), max_leaves=10)


def _is_read_or_refused_in_one_line(raw: Any) -> None:
    try:
        item = read(raw)
    except BankError as e:
        assert "\n" not in str(e) and str(e).startswith("gan.toml, item 1")
        return
    assert item.text and item.explanation and item.marks > 0


@given(base=st.sampled_from([SINGLE, SHORT]), field=st.sampled_from(sorted(FIELDS)), value=_value)
def test_any_value_in_any_field_gives_an_item_or_one_clear_line(base: dict[str, Any], field: str,
                                                                 value: Any) -> None:
    _is_read_or_refused_in_one_line(with_(base, **{field: value}))  # None drops the field


@given(raw=_value)
def test_anything_that_is_not_an_item_table_is_refused_cleanly(raw: Any) -> None:
    _is_read_or_refused_in_one_line(raw)


def test_a_latex_escape_read_as_a_control_character_is_refused_with_the_fix() -> None:
    # "$\frac{1}{2}$" written in a TOML basic string arrives with a form feed instead of \f
    message = refused(with_(SINGLE, explanation="half is $\frac{1}{2}$"))
    assert "'explanation' holds a control character" in message and "'''literal''' strings" in message
    assert "control character" in refused(with_(SINGLE, options=["\theta", "phi"]))


def test_an_item_becomes_a_one_part_question_that_round_trips_through_json() -> None:
    from dlexam import Question

    for raw, kind in ((SINGLE, "choice"), (SHORT, "text"),
                      (with_(SINGLE, kind="multi", options=["x", "y", "z"], answer=["c", "a"]), "choices")):
        item = read(raw)
        q = item.to_question()
        (part,) = q.parts
        assert (part.kind, part.marks, part.options) == (kind, item.marks, item.options)
        assert part.answer == (list(item.answer) if isinstance(item.answer, tuple) else item.answer)
        assert [c.points for c in part.rubric] == [c.points for c in item.rubric]
        assert q.prompt == item.text and q.solution[0].text == item.explanation
        assert Question.from_json(q.to_json()) == q
