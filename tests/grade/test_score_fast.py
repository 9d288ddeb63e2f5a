"""The scorer's fast paths give the marks the rules say, checked against independent oracles:
`fractions.Fraction` for the numbers a student types, the tolerance formulas recomputed in the
test, and the topic's own design check for remembered verdicts."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.grade._parse_numbers import simple_number
from dlexam.grade.parse import read
from dlexam.grade.score import Tolerance, score
from dlexam.model import Part
from dlexam.topics import get_topic

rationals = st.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**4)


def decimal_text(x: Fraction, places: int) -> str:
    """x rounded to `places` decimals, written out (the test's own spelling, no float)."""
    scaled = round(x * 10**places)
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


@given(rationals, st.integers(0, 6), st.booleans())
def test_a_plain_decimal_reads_as_the_exact_fraction_it_spells(x: Fraction, places: int, comma: bool) -> None:
    text = decimal_text(x, places)
    expected = Fraction(text)
    spelled = text.replace(".", ",") if comma else text
    assert simple_number(spelled, comma) in (expected, None)  # None: left to the general reader
    assert read("number", spelled, locale="de" if comma else "en").value == expected
    assert simple_number(text, False) == expected


@given(st.integers(-10**6, 10**6), st.integers(1, 10**4))
def test_a_fraction_reads_as_its_value(top: int, bottom: int) -> None:
    assert simple_number(f"{top}/{bottom}", False) == Fraction(top, bottom)


@given(rationals.filter(lambda k: k != 0),
       st.sampled_from([Fraction(1, 100), Fraction(1, 20), Fraction(1, 3)]), st.integers(-3, 3))
def test_a_number_at_the_edge_of_a_relative_tolerance_is_right_exactly_when_within_it(
        key: Fraction, share: Fraction, step: int) -> None:
    allowed = share * abs(key)
    answer = key + allowed + Fraction(step, 10**9)  # just inside, on, or just outside the edge
    part = Part("n", "number", {"exact": str(key), "value": float(key)}, marks=2)
    got = score(part, str(answer), policy="negative", tolerance=Tolerance("relative", share))
    assert (got.status == "right") == (abs(answer - key) <= allowed)


@given(rationals, st.sampled_from([Fraction(0), Fraction(1, 1000), Fraction(1, 2)]), st.integers(-3, 3))
def test_a_number_at_the_edge_of_an_absolute_tolerance_is_right_exactly_when_within_it(
        key: Fraction, width: Fraction, step: int) -> None:
    answer = key - width + Fraction(step, 10**9)
    part = Part("v", "vector", [{"exact": str(key), "value": float(key)}, 7], marks=2)
    got = score(part, f"[{answer}, 7]", policy="negative", tolerance=Tolerance("absolute", width))
    assert (got.status == "right") == (abs(answer - key) <= width)


@pytest.mark.parametrize("topic", ["design.logic_gate", "design.region_classifier"])
def test_a_remembered_design_verdict_is_the_topics_own_check_every_time(topic: str) -> None:
    checker = get_topic(topic)
    for seed in range(3):
        q = dlexam.question(topic, seed=seed)
        part = next(p for p in q.parts if p.kind == "design")
        first = next(iter(part.answer))
        designs = [part.answer, {**part.answer, first: 0}, {**part.answer, first: 1},
                   {**part.answer, first: 1.0}, {**part.answer, first: "1"}, {**part.answer, "extra": 1}]
        for design in designs * 2:  # the second time from memory
            for params in (q.params, dlexam.question(topic, seed=seed + 3).params):
                got = score(part, json.dumps(design), policy="negative", topic=topic, params=params)
                verdict = checker.check(params, json.loads(json.dumps(design)))
                assert (got.status == "right") == verdict.ok, (design, got, verdict)


def test_a_broken_key_is_still_loud() -> None:
    for key in ({"exact": "log(", "value": 0}, {"exact": "3/0", "value": 0}):
        for kind, answer in (("number", key), ("vector", [key])):
            with pytest.raises(ValueError, match="cannot be read"):
                score(Part("k", kind, answer), "1", policy="negative")
