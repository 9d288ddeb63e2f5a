"""The fast paths of reading and scoring give exactly what the straightforward code gave.

Oracle: tests/grade/_score_reference.py, the parse and score code as it stood before the fast
paths, copied. Every answer here (numbers in every spelling, near misses at the edge of each
tolerance, shapes, vectors, matrices, nested lists, tables, choices, JSON values, garbage) is
read and scored by both; readings (values and their types, messages), marks, statuses and
feedback must be identical, and a broken key must raise the same error.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlexam
from dlexam.grade._score_cells import Tally, half_marks
from dlexam.grade.parse import equivalent, exact_key, read
from dlexam.grade.score import Tolerance, default_tolerance, score
from dlexam.model import POLICIES, Part
from dlexam.topics import all_topics
from tests.grade import _score_reference as ref

# -- what is compared ---------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (an int is not a Fraction here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def outcome(f: Any, *args: Any, **kw: Any) -> tuple[Any, ...]:
    try:
        s = f(*args, **kw)
    except Exception as e:  # the same error, or none, from both
        return "raised", type(e).__name__, str(e)
    return s.marks, type(s.marks), s.status, s.feedback


def assert_scored_as_before(part: Part, text: Any, **kw: Any) -> None:
    assert outcome(score, part, text, **kw) == outcome(ref.ref_score, part, text, **kw), (part, text, kw)
    options = len(part.options) if part.kind in ("choice", "choices") and part.options else None
    how = {"locale": kw.get("locale", "en"), "expected": part.answer, "options": options}
    new, old = read(part.kind, text, **how), ref.ref_read(part.kind, text, **how)
    assert new.error == old.error and same(new.value, old.value), (part.kind, text, new, old)


# -- keys and answers ---------------------------------------------------------------------

CLOSED = ["log(9)", "2*log(3)", "exp(1/2)", "sqrt(2)/2", "1/(1 + exp(-3/10))", "log(2)/3"]
denominators = st.sampled_from([1, 2, 3, 4, 5, 7, 8, 16, 25, 40, 125, 1000, 3 * 2**10, 10**7])
fractions = st.builds(Fraction, st.integers(-10**7, 10**7), denominators)
key_numbers = st.one_of(
    st.integers(-10**6, 10**6), st.integers(-10**30, 10**30),
    fractions.map(lambda x: {"exact": str(x), "value": float(x)}),
    st.sampled_from(CLOSED).map(lambda e: {"exact": e, "value": 0.5}),
    st.sampled_from([0.1, 2.5, -0.75, 1e-3, 3.0]))
CHARS = " 0123456789.,;:-+/eE[](){}xX\n\t%=≈−⁻²abcdlogexp|\"'_*^"
garbage = st.text(alphabet=CHARS, max_size=30)


def decimal(x: Fraction, places: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 80
        return format(round(Decimal(x.numerator) / Decimal(x.denominator), places), "f")


@st.composite
def spelled(draw: st.DrawFn, key: Any) -> str:
    """A key number as a student might write it: right, rounded, off by a tolerance's edge, odd."""
    exact = ref.ref_exact_key(key) if not isinstance(key, bool) else Fraction(int(key))
    if not isinstance(exact, Fraction):
        return draw(st.sampled_from([str(key["exact"]), "2.1972", "0.5", "1.6487", draw(garbage)]))
    step = Fraction(draw(st.sampled_from([0, 0, 1, -1, 2, -2])), 2 * 10 ** draw(st.integers(0, 6)))
    edges = [exact * 0, exact / 1000, -exact / 1000, exact / 999, Fraction(1, 10**9)]  # 0.1 % and beyond
    edge: Fraction = draw(st.sampled_from(edges))
    x = exact + step + edge
    body = decimal(x, draw(st.integers(0, 12)))
    style = draw(st.integers(0, 13))
    forms = [body, f"{x.numerator}/{x.denominator}", f"{x.numerator} / {x.denominator}",
             f"{body}e0", f"{decimal(x * 100, 6)}%", f"= {body}", f"≈{body}", body.replace("-", "−"),
             body.replace(".", ","), f"{int(x):,}", f"{int(x):_}".replace("_", " "),
             f"+{body}" if x >= 0 else body, f"{decimal(x * 1000, 4)}×10⁻³", draw(garbage)]
    return forms[style]


@st.composite
def joined(draw: st.DrawFn, items: list[str], depth: int = 1) -> str:
    seps = [", ", ",", " ", "; ", "\n", " , ", ",\n"] if depth == 1 else [", ", ",", "; ", "\n"]
    sep = draw(st.sampled_from(seps))
    wrap = draw(st.sampled_from(["[{}]", "({})", "{{{}}}", "{}", "tensor([{}])", "[{}", "{}]", "[{},]",
                                 "[[{}]]", " [ {} ] "]))
    return wrap.format(sep.join(items))


@st.composite
def numbers(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    key = draw(key_numbers if kind == "number" else st.integers(-10**6, 10**6))
    return key, draw(spelled(key))


@st.composite
def shapes(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    key = draw(st.lists(st.integers(0, 300), min_size=1, max_size=5))
    sizes = [str(n + draw(st.sampled_from([0, 0, 1, -1]))) for n in key]
    listed = ", ".join(sizes)
    return key, draw(st.sampled_from(["x".join(sizes), " × ".join(sizes), f"({listed})", " by ".join(sizes),
                                      f"torch.Size([{listed}])", draw(garbage)]))


@st.composite
def lists(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    key = draw(st.lists(key_numbers, min_size=1, max_size=5))
    items = [draw(spelled(k)) for k in key] + draw(st.lists(st.sampled_from(["1", "0.5"]), max_size=1))
    text = draw(joined(items[:draw(st.integers(0, len(items)))] if draw(st.booleans()) else items))
    if kind == "list" and draw(st.booleans()):
        return [key, key[:1]], f"[{text}, [{draw(spelled(key[0]))}]]"
    return key, text


@st.composite
def matrices(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    key = [[draw(key_numbers) for _ in range(cols)] for _ in range(rows)]
    cells = [[draw(spelled(k)) for k in row] for row in key]
    return key, draw(st.sampled_from([
        "[" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "]", "\n".join(" ".join(r) for r in cells),
        "[" + "; ".join(" ".join(r) for r in cells) + "]", ", ".join(x for r in cells for x in r),
        "(" + ", ".join("(" + ", ".join(r) + ")" for r in cells) + ")"]))


@st.composite
def tables(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    key = [{"layer": f"CONV-{i}", "shape": draw(st.lists(st.integers(1, 64), min_size=1, max_size=3)),
            "weights": draw(st.integers(0, 5000)), "biases": draw(key_numbers)} for i in range(2)]
    rows = [{name: draw(spelled(cell if name == "biases" else 1)) if name == "biases" or not draw(
        st.integers(0, 4)) else cell for name, cell in row.items()} for row in key]
    cells = [["x".join(map(str, c)) if isinstance(c, list) else str(c) for c in r.values()] for r in rows]
    lines = ["layer | shape | weights | biases"] + [" | ".join(r) for r in cells]
    return key, draw(st.sampled_from([json.dumps(rows), "\n".join(lines), "\n".join(lines[1:]), str(rows),
                                      json.dumps(rows[:1])]))


@st.composite
def columns(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    key = {"square_avg": [draw(key_numbers) for _ in range(2)], "step": [draw(key_numbers)]}
    values = {name: [draw(spelled(k)) for k in ks] for name, ks in key.items()}
    return key, draw(st.sampled_from(["\n".join(f"{n}: {', '.join(v)}" for n, v in values.items()),
                                      json.dumps(values), "square_avg = 1, 2"]))


@st.composite
def letters(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    if kind == "true_false":
        return draw(st.booleans()), draw(st.sampled_from(["true", "F", "ja", "no", "maybe", " ✓ "]))
    key = draw(st.sampled_from(["b", "a"])) if kind == "choice" else draw(
        st.lists(st.sampled_from("abcd"), unique=True, max_size=3))
    return key, draw(st.one_of(st.text(alphabet="abcdefABCDEF ,;()[]{}-and", max_size=12),
                               st.sampled_from(["none", "B, D", "option b", "b or c"])))


@st.composite
def others(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    return {"w": [1, -1], "b": 0}, draw(st.sampled_from(['{"w": [1, -1], "b": 0}', "w = 1, -1", "?", "why"]))


ANSWERS = {"number": numbers, "integer": numbers, "shape": shapes, "vector": lists, "list": lists,
           "matrix": matrices, "table": tables, "columns": columns, "choice": letters, "choices": letters,
           "true_false": letters, "text": others, "design": others}


@st.composite
def cases(draw: st.DrawFn) -> tuple[Part, Any]:
    """A part of any kind with its key, and an answer to it (now and then a JSON value or garbage)."""
    kind = draw(st.sampled_from(sorted(ANSWERS)))
    key, text = draw(ANSWERS[kind](kind))
    answer: Any = text
    if draw(st.integers(0, 9)) == 0:
        answer = draw(st.one_of(garbage, st.none(), st.integers(), st.floats(),
                                st.lists(st.integers(), max_size=3)))
    kind = "table" if kind == "columns" else kind
    options = ("p", "q", "r", "s") if kind in ("choice", "choices") else ()
    return Part("p", kind, key, marks=draw(st.integers(0, 4)), options=options), answer


widths = st.sampled_from([Fraction(0), Fraction(1, 1000), Fraction(1, 100), Fraction(1, 2)])
tolerances = st.one_of(st.none(), st.builds(Tolerance, st.just("exact")),
                       st.builds(Tolerance, st.sampled_from(["absolute", "relative"]), widths),
                       st.builds(Tolerance, st.just("sigfigs"), st.integers(1, 5)))
locales = st.sampled_from(["en", "de", "fr-CH", "nl"])
how = st.fixed_dictionaries({"policy": st.sampled_from(POLICIES), "tolerance": tolerances,
                             "calculator": st.booleans(), "locale": locales})


# -- the properties -----------------------------------------------------------------------

@settings(max_examples=600)
@given(cases(), how)
def test_every_kind_of_answer_is_read_and_scored_exactly_as_before(case: tuple[Part, Any], kw: dict) -> None:
    part, text = case
    assert_scored_as_before(part, text, **kw)


@settings(max_examples=400)
@given(key_numbers.flatmap(lambda k: st.tuples(st.just(k), spelled(k))), how)
def test_numbers_at_the_edge_of_every_tolerance_are_judged_as_before(case: tuple[Any, str], kw: dict) -> None:
    key, text = case
    assert_scored_as_before(Part("n", "number", key, marks=2), text, **kw)
    assert_scored_as_before(Part("v", "vector", [key, 7], marks=3), f"[{text}, 7]", **kw)


def attempt(f: Any, *args: Any, **kw: Any) -> Any:
    try:
        return f(*args, **kw)
    except Exception as e:
        return "raised", type(e).__name__, str(e)


@given(st.one_of(key_numbers, st.booleans(), st.sampled_from(["3/0", "log(", "7", "x", "", None, "1/2 "])),
       st.booleans())
def test_key_numbers_convert_and_get_the_default_tolerance_as_before(key: Any, calculator: bool) -> None:
    new, old = attempt(default_tolerance, key, calculator=calculator), attempt(
        ref.ref_default_tolerance, key, calculator=calculator)
    assert (new.kind, new.value) == (old.kind, old.value) if isinstance(new, Tolerance) else new == old
    assert same(attempt(exact_key, key), attempt(ref.ref_exact_key, key))


@given(st.one_of(fractions, st.integers(-100, 100), st.booleans(), st.none(), st.sampled_from(
    [Fraction(1, 3), ref.ref_exact_key("log(9)"), "1", [Fraction(1)]])), key_numbers, tolerances)
def test_tolerances_accept_exactly_what_they_accepted_before(value: Any, key: Any, tolerance: Any) -> None:
    rule = tolerance or Tolerance()
    old = ref.RefTolerance(rule.kind, rule.value)
    assert rule.accepts(value, key) == old.accepts(value, key)
    assert rule.accepts(value, key) == rule.accepts(value, key)  # remembered keys change nothing
    assert equivalent(value, key) == ref.ref_equivalent(value, key)


@given(st.integers(0, 20), st.integers(1, 8), st.integers(0, 40), st.integers(1, 40))
def test_half_marks_round_as_before(top: int, bottom: int, right: int, total: int) -> None:
    marks, t = Fraction(top, bottom), Tally(min(right, total), total)
    assert same(half_marks(marks, t), ref.half_marks(marks, ref.Tally(t.right, t.total)))


# -- whole topics, a broken key, speed ------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_every_topics_key_spelled_exactly_or_as_decimals_scores_as_before(seed: int) -> None:
    for topic in all_topics():
        q = dlexam.question(topic.id, seed=seed)
        for part in q.parts:
            for text in (json.dumps(part.answer), str(part.answer), "0", "[1, 2]"):
                for calculator in (False, True):
                    assert_scored_as_before(part, text, policy="negative", calculator=calculator)


def floats(x: Any) -> Any:
    """The same design with every whole number written as a float (1.0 for 1)."""
    if isinstance(x, dict):
        return {k: floats(v) for k, v in x.items()}
    if isinstance(x, list):
        return [floats(v) for v in x]
    return float(x) if type(x) is int else x


@pytest.mark.parametrize("topic", ["design.logic_gate", "design.region_classifier"])
def test_remembered_design_checks_give_each_design_its_own_verdict(topic: str) -> None:
    for seed in range(3):
        q = dlexam.question(topic, seed=seed)
        part = next(p for p in q.parts if p.kind == "design")
        first = next(iter(part.answer))
        designs = [part.answer, dict(reversed(list(part.answer.items()))), {**part.answer, first: 0},
                   {**part.answer, first: -0.0}, {**part.answer, first: 1}, {**part.answer, first: True},
                   {**part.answer, first: 1.0}, {**part.answer, first: "1"}, {**part.answer, "extra": 1},
                   floats(part.answer)]
        for design in designs * 2:  # the second time from memory
            for params in (q.params, dlexam.question(topic, seed=seed + 3).params):
                kw = {"policy": "negative", "topic": topic, "params": params}
                assert_scored_as_before(part, json.dumps(design), **kw)


def test_a_broken_key_is_still_loud() -> None:
    for key in ({"exact": "log(", "value": 0}, {"exact": "3/0", "value": 0}):
        for kind, answer in (("number", key), ("vector", [key])):
            with pytest.raises(ValueError, match="cannot be read"):
                score(Part("k", kind, answer), "1", policy="negative")
            with pytest.raises(ValueError, match="cannot be read"):
                ref.ref_score(Part("k", kind, answer), "1", policy="negative")


def spell(answer: Any) -> str:
    """A key as a student types it: lists in brackets, exact numbers as decimals or ratios."""
    if isinstance(answer, list):
        return "[" + ", ".join(spell(a) for a in answer) + "]"
    if isinstance(answer, dict) and "exact" in answer:
        x = ref.ref_exact_key(answer)
        return decimal(x, 8).rstrip("0").rstrip(".") if x.denominator in (2, 4, 5, 8, 10) else str(x)
    return json.dumps(answer)


def test_scoring_a_class_of_typical_answers_is_at_least_twice_as_fast_as_before() -> None:
    parts = [p for seed in range(4) for topic in ("norm.batchnorm", "dropout.apply", "conv.output_shape")
             for p in dlexam.question(topic, seed=seed).parts]
    work = [(p, spell(p.answer)) for p in parts] * 20

    def best(f: Any) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            for part, text in work:
                f(part, text, policy="negative")
            times.append(time.perf_counter() - start)
        return min(times)
    assert all(score(p, t, policy="negative").status == "right" for p, t in work[:len(parts)])
    assert best(score) * 2 <= best(ref.ref_score)
