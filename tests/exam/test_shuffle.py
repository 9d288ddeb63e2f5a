"""Shuffled options: the key and every letter the prose names move with the options."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.bank import load_bank
from dlexam.exam._shuffle import remap_letters, shuffle_options
from dlexam.model import Part, Question, Step

CHOICE_ITEMS = [i for i in load_bank() if i.kind in ("single", "multi")]


def test_references_to_letters_are_renamed_outside_math_and_code() -> None:
    m = {"a": "c", "b": "a", "c": "b"}
    text = ("(a) is right, option b is not, options a and c differ (a, c); "
            "$f(a)$ and `g(b)` and f(a) stay; (a, e.g. x)")
    assert remap_letters(text, m) == ("(c) is right, option a is not, options c and b differ (c, b); "
                                      "$f(a)$ and `g(b)` and f(a) stay; (c, e.g. x)")


def test_letters_beyond_the_options_are_left_alone() -> None:
    assert remap_letters("(x) and option z", {"a": "b", "b": "a"}) == "(x) and option z"


@pytest.mark.parametrize("item", CHOICE_ITEMS, ids=[i.id for i in CHOICE_ITEMS])
def test_renaming_every_bank_explanation_there_and_back_restores_it(item: object) -> None:
    n = len(item.options)  # type: ignore[attr-defined]
    letters = [chr(97 + i) for i in range(n)]
    shifted = letters[1:] + letters[:1]
    there, back = dict(zip(letters, shifted, strict=True)), dict(zip(shifted, letters, strict=True))
    text = item.explanation  # type: ignore[attr-defined]
    assert remap_letters(remap_letters(text, there), back) == text


@pytest.mark.parametrize("item", CHOICE_ITEMS[::4], ids=[i.id for i in CHOICE_ITEMS[::4]])
def test_a_shuffled_bank_item_keeps_its_key_on_the_same_option_text(item: object) -> None:
    q = item.to_question()  # type: ignore[attr-defined]
    for seed in range(10):
        s = shuffle_options(q, random.Random(seed))
        old, new = q.parts[0], s.parts[0]
        keys_old = [old.answer] if isinstance(old.answer, str) else old.answer
        keys_new = [new.answer] if isinstance(new.answer, str) else new.answer
        before = sorted(old.options[ord(k) - 97] for k in keys_old)
        assert before == sorted(new.options[ord(k) - 97] for k in keys_new)


def _q(options: tuple[str, ...], answer: object, kind: str = "choice") -> Question:
    part = Part("answer", kind, answer, 1, "Pick.", options)
    return Question("bank", "t", {"item": "t"}, "Which? See (a).", (part,),
                    (Step("Explanation", "(a) is right; option b is wrong."),))


def test_all_of_the_above_keeps_its_place() -> None:
    q = _q(("x", "y", "z", "All of the above"), "d")
    for seed in range(20):
        s = shuffle_options(q, random.Random(seed))
        assert s.parts[0].options[3] == "All of the above" and s.parts[0].answer == "d"


def test_the_explanation_follows_the_options() -> None:
    q = _q(("right", "wrong", "other"), "a")
    for seed in range(20):
        s = shuffle_options(q, random.Random(seed))
        a = s.parts[0].answer
        assert s.parts[0].options[ord(a) - 97] == "right"
        assert s.solution[0].text.startswith(f"({a}) is right") and s.prompt == f"Which? See ({a})."


def test_questions_without_options_come_back_unchanged() -> None:
    q = Question("x", "t", {}, "p", (Part("p", "true_false", True, 1, "T?"),), ())
    assert shuffle_options(q, random.Random(1)) is q


@given(st.permutations(range(5)), st.lists(st.sets(st.integers(0, 4), min_size=1), min_size=1, max_size=1))
def test_any_shuffle_of_a_multiple_answer_question_keeps_the_answer_set(perm: list[int],
                                                                        keys: list[set[int]]) -> None:
    options = tuple(f"option text {i}" for i in range(5))
    answer = sorted(chr(97 + k) for k in keys[0])
    q = _q(options, answer, "choices")
    s = shuffle_options(q, random.Random(sum(p * 7**i for i, p in enumerate(perm))))
    assert {s.parts[0].options[ord(a) - 97] for a in s.parts[0].answer} == {options[k] for k in keys[0]}
    assert s.parts[0].answer == sorted(s.parts[0].answer)
