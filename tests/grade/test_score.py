"""Scoring one answer to one part.

Oracles, computed here and not by dlexam.grade: the part's own marks for its own key (in
the spellings students use: exact fractions, decimals from Decimal arithmetic, 2x3x4 shapes,
letters); SymPy's evalf for closed forms; proportional credit and significant-figure bounds
from their textbook definitions; Moodle's answer fractions (render/moodle.multi_fractions)
summed and clamped the way Moodle does for the choice policies; the exports' tolerance
(render/_lms.num) for the default tolerance; each design topic's own checker.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.bank import load_bank
from dlexam.grade.score import STATUSES, Score, Tolerance, default_tolerance, score
from dlexam.model import KINDS, POLICIES, Part
from dlexam.render import _lms
from dlexam.render.moodle import multi_fractions
from dlexam.topics import all_topics, get_topic

SEEDS = range(4)
QUESTIONS = [dlexam.question(t.id, seed=s) for t in all_topics() for s in SEEDS]
BANK = [item.to_question() for item in load_bank()]


def exact_text(x: Any) -> str:
    """A key number as a student writes it exactly: 7, 3/16, log(9)."""
    return str(x["exact"]).replace(" ", "") if isinstance(x, dict) else str(x)


def decimal_text(x: Any) -> str:
    """A key number as a decimal: all its digits when it terminates, else its float."""
    f = Fraction(str(x["exact"]).replace(" ", "")) if isinstance(x, dict) and "/" in x["exact"] and \
        all(c in "0123456789/- " for c in x["exact"]) else None
    if isinstance(x, int):
        return str(x)
    if f is not None:
        q = f.denominator
        while q % 2 == 0:
            q //= 2
        while q % 5 == 0:
            q //= 5
        if q == 1:
            with localcontext() as ctx:
                ctx.prec = 100
                return format(Decimal(f.numerator) / Decimal(f.denominator), "f")
    return repr(float(x["value"]))


def as_text(answer: Any, kind: str, number: Any) -> str:
    """A whole key written out: shapes as 2x3x4, lists in brackets, tables as JSON."""
    if isinstance(answer, list):
        if kind == "shape":
            return "x".join(number(a) for a in answer)
        return "[" + ", ".join(as_text(a, kind, number) for a in answer) + "]"
    if isinstance(answer, dict) and "exact" not in answer:
        return "{" + ", ".join(f"{json.dumps(k)}: {as_json(v, number)}" for k, v in answer.items()) + "}"
    return number(answer)


def as_json(value: Any, number: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(as_json(v, number) for v in value) + "]"
    if isinstance(value, dict) and "exact" not in value:
        return "{" + ", ".join(f"{json.dumps(k)}: {as_json(v, number)}" for k, v in value.items()) + "}"
    return number(value)


def grade(q: Any, part: Part, text: str, policy: str = "per_option") -> Score:
    return score(part, text, policy=policy, topic=q.topic, params=q.params, calculator=q.calculator)


def half_up(x: Fraction) -> Fraction:
    return Fraction(math.floor(2 * x + Fraction(1, 2)), 2)


def proportional(marks: int, right: int, total: int) -> Fraction:
    """Textbook proportional credit to the nearest half mark, never full unless all right."""
    if right == total:
        return Fraction(marks)
    return max(Fraction(0), min(half_up(Fraction(marks * right, total)), Fraction(marks) - Fraction(1, 2)))


# -- every topic's key scores full marks ----------------------------------------------------

@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: f"{q.topic}#{q.seed}")
def test_the_keys_own_text_scores_full_marks(q: Any) -> None:
    for part in q.parts:
        if part.kind == "design":
            texts = [json.dumps(part.answer)]
        elif part.kind == "table":
            texts = [as_text(part.answer, part.kind, decimal_text)]  # JSON holds no 3/16
        else:
            texts = [as_text(part.answer, part.kind, spell) for spell in (exact_text, decimal_text)]
        for text in texts:
            s = grade(q, part, text)
            assert (s.marks, s.status) == (part.marks, "right"), (part.id, text, s)


@pytest.mark.parametrize("q", BANK[::3], ids=lambda q: q.title)
def test_bank_keys_score_full_marks_and_a_wrong_letter_scores_nothing(q: Any) -> None:
    part = q.parts[0]
    if part.kind == "text":
        assert score(part, "because of the gradient", policy="negative").status == "awaiting_ta"
        return
    if part.kind == "true_false":
        right, wrong = str(part.answer).lower(), "no" if part.answer else "yes"
    else:
        letters = [part.answer] if part.kind == "choice" else list(part.answer)
        right = ", ".join(x.upper() for x in letters)
        others = [chr(97 + i) for i in range(len(part.options)) if chr(97 + i) not in letters]
        wrong = others[0]
    for policy in POLICIES:
        s = score(part, right, policy=policy)
        assert (s.marks, s.status) == (part.marks, "right")
        assert score(part, wrong, policy=policy).marks == 0


# -- typical mistakes -------------------------------------------------------------------------

@pytest.mark.parametrize("topic", ["conv.output_shape", "pool.output_shape"])
@pytest.mark.parametrize("seed", SEEDS)
def test_a_shape_off_by_one_in_one_dimension_earns_credit_per_dimension(topic: str, seed: int) -> None:
    q = dlexam.question(topic, seed=seed)
    part = q.parts[0]
    n = len(part.answer)
    for i in range(n):  # ceil instead of floor: one size one too big
        wrong = [a + (j == i) for j, a in enumerate(part.answer)]
        s = grade(q, part, "x".join(map(str, wrong)))
        assert s.marks == proportional(part.marks, n - 1, n)
        assert s.feedback == f"{n - 1} of {n} sizes right"
        assert s.status == ("partial" if s.marks else "wrong")
    dropped = grade(q, part, "x".join(map(str, [*part.answer[1:], 1])))  # batch forgotten: nothing lines up
    assert dropped.marks < part.marks


ARRAYS = ("vector", "matrix", "list", "table")


@pytest.mark.parametrize("q", [q for q in QUESTIONS if any(p.kind in ARRAYS for p in q.parts)],
                         ids=lambda q: f"{q.topic}#{q.seed}")
def test_one_wrong_entry_costs_its_share(q: Any) -> None:
    for part in q.parts:
        if part.kind not in ARRAYS:
            continue
        flat: list[Any] = []
        as_text(part.answer, part.kind, lambda x, flat=flat: flat.append(x) or "")
        n, seen = len(flat), iter(range(len(flat)))

        def first_wrong(x: Any, seen: Any = seen) -> str:
            return "1234567" if next(seen) == 0 else decimal_text(x)

        text = as_text(part.answer, part.kind, first_wrong)
        s = grade(q, part, text)
        assert s.marks == proportional(part.marks, n - 1, n), (part.id, text, s)
        assert s.feedback.startswith(f"{n - 1} of {n} ")


def test_a_mistaken_number_is_wrong_and_says_so() -> None:
    q = dlexam.question("mlp.sgd_step", seed=2)
    loss = q.part("loss")
    key = Fraction(loss.answer["exact"]) if isinstance(loss.answer, dict) else Fraction(loss.answer)
    s = grade(q, loss, str(key * 2))  # forgetting the 1/2 of the MSE
    assert (s.marks, s.status, s.feedback) == (0, "wrong", "wrong: not equal to the key")


# -- tolerances -------------------------------------------------------------------------------

LOG9 = Part("p", "number", {"exact": "log(9)", "value": 2.1972245773362196}, marks=2)


@pytest.mark.parametrize("factor", ["0.9991", "0.99999", "1.0009", "0.9989", "1.0011", "1.5"])
def test_relative_tolerance_against_sympy(factor: str) -> None:
    key = sympy.N(sympy.log(9), 50)
    text = str(sympy.N(key * sympy.Rational(factor), 20))
    s = score(LOG9, text, policy="negative")
    inside = abs(sympy.Rational(factor) - 1) <= sympy.Rational(1, 1000)
    assert (s.marks == 2) is bool(inside)
    assert ("0.1%" in s.feedback) and (s.status == ("right" if inside else "wrong"))


def test_closed_forms_equal_to_the_key_score_as_exact() -> None:
    for text in ["log(9)", "2*log(3)", "ln 9", "log(3) + log(3)"]:
        assert score(LOG9, text, policy="negative") == Score(Fraction(2), "right", "right")


@given(st.fractions(min_value=-10**6, max_value=10**6).filter(lambda f: f != 0), st.integers(1, 8))
def test_significant_figures_against_decimal_rounding(key: Fraction, n: int) -> None:
    part = Part("p", "number", {"exact": f"{key.numerator}/{key.denominator}", "value": float(key)})
    rule = Tolerance("sigfigs", n)
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(key.numerator) / Decimal(key.denominator)
        exponent = exact.adjusted() - n + 1  # the place of the n-th significant digit
        rounded = exact.quantize(Decimal(1).scaleb(exponent))
        two_off = rounded + 2 * Decimal(1).scaleb(exponent)
    assert score(part, str(rounded), policy="negative", tolerance=rule).status == "right"
    assert score(part, str(two_off), policy="negative", tolerance=rule).status == "wrong"


def test_absolute_tolerance_and_its_wording() -> None:
    part = Part("p", "number", {"exact": "3/16", "value": 0.1875})
    rule = Tolerance("absolute", Fraction(1, 100))
    s = score(part, "0.197", policy="negative", tolerance=rule)
    assert s.feedback == "right: within ±0.01 of the key"
    assert score(part, "0.198", policy="negative", tolerance=rule).status == "wrong"
    assert score(part, "0.19", policy="negative").feedback == "wrong: not equal to the key"


def test_the_default_tolerance_is_the_exports_rule() -> None:
    for q in QUESTIONS:
        for part in q.parts:
            if part.kind in ("design", "shape") or part.kind not in KINDS:
                continue
            for key in _lms.numbers(part.answer):
                ours, theirs = default_tolerance(key, calculator=q.calculator), _lms.num(key, q.calculator)
                if ours.kind == "relative":
                    share = theirs.tolerance / Decimal(abs(theirs.value))  # 0.1 %, to 2 figures
                    assert abs(share - Decimal("0.001")) < Decimal("5e-5")
                elif ours.kind == "absolute":
                    assert Decimal(ours.value.numerator) / ours.value.denominator == theirs.tolerance
                else:  # exact: an integer, or a terminating decimal on a paper without a calculator
                    assert theirs.tolerance == 0 or not q.calculator


@pytest.mark.parametrize(("kind", "value"), [("sideways", 1), ("absolute", -1), ("sigfigs", Fraction(1, 2)),
                                             ("sigfigs", 0), ("relative", "x")])
def test_a_bad_tolerance_is_refused(kind: str, value: Any) -> None:
    with pytest.raises(ValueError):
        Tolerance(kind, value)


# -- multiple-answer policies -----------------------------------------------------------------

def moodle_marks(policy: str, marks: int, right: set[str], chosen: set[str], n: int) -> float:
    """Moodle's rule: add the ticked answers' fractions, clamp to 0 … 100 %."""
    good, bad, _ = multi_fractions(policy, len(right), n)
    total = sum(float(good) if c in right else float(bad) for c in chosen)
    return marks * min(1.0, max(0.0, total / 100))


CASES = [(n, k) for n in (3, 4, 5) for k in range(1, n)]


@pytest.mark.parametrize(("n", "k"), CASES)
@pytest.mark.parametrize("policy", ["per_option", "negative"])
def test_partial_policies_match_moodles_fractions(n: int, k: int, policy: str) -> None:
    letters = [chr(97 + i) for i in range(n)]
    right = set(letters[:k])
    part = Part("p", "choices", sorted(right), marks=4, options=tuple(letters))
    for size in range(1, n + 1):
        for chosen in itertools.combinations(letters, size):
            s = score(part, ", ".join(chosen), policy=policy)
            hits, misses = len(set(chosen) & right), len(set(chosen) - right)
            penalty = Fraction(1, k) if policy == "negative" else Fraction(1, n - k)
            exact = 4 * max(Fraction(0), min(Fraction(1), hits * Fraction(1, k) - misses * penalty))
            assert s.marks == exact
            moodle = moodle_marks(policy, 4, right, set(chosen), n)
            assert abs(float(s.marks) - moodle) < 0.05  # Moodle rounds to its nearest grade
            assert s.status == ("right" if set(chosen) == right else "partial" if exact else "wrong")


@pytest.mark.parametrize(("n", "k"), CASES)
def test_all_or_nothing_needs_exactly_the_right_set(n: int, k: int) -> None:
    letters = [chr(97 + i) for i in range(n)]
    part = Part("p", "choices", letters[:k], marks=3, options=tuple(letters))
    for size in range(0, n + 1):
        for chosen in itertools.combinations(letters, size):
            text = ", ".join(chosen) or "none"
            expected = 3 if set(chosen) == set(letters[:k]) else 0
            assert score(part, text, policy="all_or_nothing").marks == expected


def test_ticking_every_box_earns_nothing_under_per_option() -> None:
    part = Part("p", "choices", ["a", "c"], marks=2, options=("w", "x", "y", "z"))
    assert score(part, "a, b, c, d", policy="per_option").marks == 0
    assert score(part, "a b c", policy="negative").marks == 1


# -- designs, short answers, blanks, errors ------------------------------------------------------

@pytest.mark.parametrize("topic", [t.id for t in all_topics() if t.checks_designs])
@pytest.mark.parametrize("seed", SEEDS)
def test_designs_are_marked_by_the_topics_checker(topic: str, seed: int) -> None:
    q = dlexam.question(topic, seed=seed)
    part = q.parts[0]
    zeroed = json.loads(json.dumps(part.answer), parse_float=lambda s: 0, parse_int=lambda s: 0)
    for design in (part.answer, zeroed, {"w": "x"}):
        verdict = get_topic(topic).check(q.params, design)
        s = grade(q, part, json.dumps(design))
        assert (s.marks, s.feedback) == (part.marks if verdict.ok else 0, " ".join(verdict.message.split()))


def test_short_answers_await_a_ta_and_blanks_are_blank() -> None:
    part = Part("p", "text", "the model answer", marks=3)
    assert score(part, "it overfits", policy="negative") == Score(Fraction(0), "awaiting_ta",
                                                                   "awaiting a TA's marks against the rubric")
    for kind in sorted(KINDS):
        empty = Part("p", kind, 1 if kind not in ("choice", "choices", "true_false") else True, marks=2)
        for text in ("", "   ", None):
            assert score(empty, text, policy="negative").status == "blank"


def test_unreadable_answers_get_the_readers_message() -> None:
    part = Part("p", "shape", [2, 12, 248, 83], marks=2)
    s = score(part, "two by twelve", policy="negative")
    assert (s.marks, s.status) == (0, "unreadable") and "2x12x248x83" in s.feedback


def test_caller_errors_are_loud() -> None:
    part = Part("p", "number", 3)
    with pytest.raises(ValueError):
        score(part, "3", policy="lenient")
    with pytest.raises(ValueError):
        score(Part("p", "number", {"exact": "not a key"}), "3", policy="negative")


# -- no text raises -------------------------------------------------------------------------------

PARTS = [(q, p) for q in QUESTIONS[::3] for p in q.parts] + [(q, q.parts[0]) for q in BANK[::20]]
JSONS = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4),
                     max_leaves=12)
TEXTS = st.text(max_size=60) | st.text(alphabet="0123456789x/.,-()[]{} ;elogxp|\n", max_size=60) \
    | JSONS.map(lambda v: json.dumps(v))


@given(st.sampled_from(PARTS), TEXTS | JSONS, st.sampled_from(POLICIES), st.sampled_from(["en", "de"]))
def test_any_answer_scores_within_the_parts_marks(qp: Any, text: Any, policy: str, locale: str) -> None:
    q, part = qp
    s = score(part, text, policy=policy, topic=q.topic if part.kind == "design" else None, params=q.params,
              locale=locale, calculator=q.calculator)
    assert 0 <= s.marks <= part.marks and s.status in STATUSES
    assert isinstance(s.marks, Fraction) and "\n" not in s.feedback and s.feedback
    assert (s.marks == part.marks) == (s.status == "right") or part.marks == 0


def test_speed_of_a_mix_of_kinds() -> None:
    mix = []
    for q in QUESTIONS:
        for part in q.parts:
            if part.kind == "design" or q.calculator:
                continue  # SymPy-heavy and checker parts report their own figures
            mix.append((part, as_text(part.answer, part.kind, decimal_text)))
    mix += [(q.parts[0], "a") for q in BANK]
    start = time.perf_counter()
    for part, text in mix * 3:
        score(part, text, policy="per_option")
    rate = 3 * len(mix) / (time.perf_counter() - start)
    assert rate > 2000, f"{rate:.0f} parts/s"
