"""Moodle XML export: parsed back with ElementTree, every question, answer, fraction,
tolerance and category checked against the pools built from real topics and bank items."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.bank import load_bank
from dlexam.model import ExamInfo, Part, Pool, Question, Step
from dlexam.render import _lms
from dlexam.render.moodle import GRADES, moodle_xml, multi_fractions, nearest_grade, weights

INFO = ExamInfo("dl-mid-2026", "Deep Learning", "Midterm", duration_minutes=60, total_marks=50)
ALLOWED = {Decimal(g) for g in GRADES} | {-Decimal(g) for g in GRADES}
CLOZE = re.compile(r"\{(\d+):NUMERICAL:=(-?[0-9.]+):([0-9.]+)\}")


def _bank_pick() -> list[Question]:
    """One bank item of each kind, and every multiple-answer item."""
    items = load_bank().items
    seen: set[str] = set()
    picked = []
    for it in items:
        if it.kind not in seen or it.kind == "multi":
            seen.add(it.kind)
            picked.append(it.to_question())
    return picked


@cache
def pools() -> tuple[Pool, ...]:
    topics = [t.id for t in dlexam.all_topics()]
    out = [Pool(str(i + 1), f"s1q{i + 1}", "Computation", "all_or_nothing",
                tuple(dlexam.question(t, seed=s) for s in (1, 2, 3)), bonus=(t == topics[-1]))
           for i, t in enumerate(topics)]
    for j, q in enumerate(_bank_pick()):
        policy = ("all_or_nothing", "per_option", "negative")[j % 3]
        out.append(Pool(str(len(topics) + j + 1), f"s2q{j + 1}", "Concepts", policy, (q,)))
    return tuple(out)


@cache
def parsed() -> ET.Element:
    return ET.fromstring(moodle_xml(INFO, pools()))


def questions() -> list[tuple[Pool, Question, ET.Element]]:
    """Every exported question beside the variant and pool it came from, in order."""
    elems = [q for q in parsed() if q.get("type") != "category"]
    pairs = [(p, v) for p in pools() for v in p.variants]
    assert len(elems) == len(pairs)
    return [(p, v, e) for (p, v), e in zip(pairs, elems, strict=True)]


def text_of(e: ET.Element, path: str) -> str:
    return e.findtext(path + "/text") or ""


def test_every_pool_is_a_category_holding_exactly_its_variants() -> None:
    current, counts = None, {}
    for e in parsed():
        if e.get("type") == "category":
            current = text_of(e, "category")
            counts[current] = 0
        else:
            counts[current] += 1
    assert list(counts) == [f"$course$/dl-mid-2026/Q{p.number.zfill(2)}" for p in pools()]
    assert list(counts.values()) == [len(p.variants) for p in pools()]


def test_every_fraction_is_one_moodle_allows() -> None:
    fractions = [Decimal(a.get("fraction")) for a in parsed().iter("answer")]
    assert fractions and all(f in ALLOWED for f in fractions)


def test_question_types_follow_the_parts() -> None:
    for _, q, e in questions():
        kinds = [p.kind for p in q.parts]
        expected = {"choice": "multichoice", "choices": "multichoice", "true_false": "truefalse",
                    "text": "essay", "design": "essay"}.get(kinds[0], "cloze")
        if kinds in (["number"], ["integer"]):
            expected = "numerical"
        assert e.get("type") == expected, (q.topic, kinds)


def test_single_choice_gives_full_marks_to_the_key_only() -> None:
    for _, q, e in questions():
        if q.parts[0].kind == "choice":
            part = q.parts[0]
            assert e.findtext("single") == "true"
            fr = [a.get("fraction") for a in e.findall("answer")]
            assert fr == ["100" if chr(97 + i) == part.answer else "0" for i in range(len(part.options))]
            assert e.findtext("defaultgrade") == str(part.marks)


def test_true_false_marks_the_key() -> None:
    for _, q, e in questions():
        if q.parts[0].kind == "true_false":
            marks = {text_of(a, "."): a.get("fraction") for a in e.findall("answer")}
            assert marks == {"true": "100" if q.parts[0].answer else "0",
                             "false": "0" if q.parts[0].answer else "100"}


@pytest.mark.parametrize("policy", ["all_or_nothing", "per_option", "negative"])
def test_multiple_answer_fractions_follow_the_policy_and_sum_to_full_marks(policy: str) -> None:
    for right in range(1, 6):
        for n in range(right, 9):
            good, bad, _ = multi_fractions(policy, right, n)
            assert Decimal(good) in ALLOWED and Decimal(bad) in ALLOWED
            assert abs(float(good) * right - 100) < 0.01
            everything = float(good) * right + float(bad) * (n - right)
            if policy != "negative" and n > right:
                assert everything < 0.001  # ticking every box earns nothing
    for p, q, e in questions():
        if q.parts[0].kind == "choices":
            right = set(q.parts[0].answer)
            fr = [float(a.get("fraction")) for a in e.findall("answer")]
            assert e.findtext("single") == "false"
            assert abs(sum(f for f in fr if f > 0) - 100) < 0.01
            assert [f > 0 for f in fr] == [chr(97 + i) in right for i in range(len(fr))]
            wrong = len(fr) - len(right)
            expect = {"negative": -100 / len(right), "per_option": -100 / wrong, "all_or_nothing": -100}
            assert all(abs(f - expect[p.policy]) < 0.01 for f in fr if f <= 0)


def test_a_grade_outside_the_list_takes_the_nearest_one() -> None:
    assert nearest_grade(100 / 7) == "14.28571" and nearest_grade(-100 / 9) == "-11.11111"
    assert nearest_grade(100 / 11) == "10"
    good, _, note = multi_fractions("negative", 11, 12)
    assert good == "10" and "not a Moodle grade" in note


def test_all_or_nothing_is_approximated_in_a_comment_or_written_for_the_plugin() -> None:
    xml = moodle_xml(INFO, pools()).decode()
    assert "<!-- all_or_nothing: core Moodle cannot" in xml
    plugin = ET.fromstring(moodle_xml(INFO, pools(), all_or_nothing_plugin=True))
    sets = [e for e in plugin if e.get("type") == "multichoiceset"]
    assert sets and all({a.get("fraction") for a in e.findall("answer")} <= {"100", "0"} for e in sets)


def test_numerical_questions_carry_the_key_and_its_tolerance() -> None:
    seen = 0
    for _, q, e in questions():
        if e.get("type") == "numerical":
            (answer,) = e.findall("answer")
            n = _lms.num(q.parts[0].answer, q.calculator)
            assert text_of(answer, ".") == n.text and answer.findtext("tolerance") == _lms.plain(n.tolerance)
            assert abs(float(n.text) - n.value) <= float(n.tolerance) + 1e-12
            seen += 1
    assert seen


def test_tolerance_is_exact_for_integers_half_a_unit_for_decimals_and_relative_otherwise() -> None:
    assert _lms.num(27).tolerance == 0 and _lms.num(27).text == "27"
    n = _lms.num({"exact": "3/16", "value": 0.1875})
    assert (n.text, n.tolerance) == ("0.1875", Decimal("0.00005")) and "3/16" in n.spellings
    assert _lms.num({"exact": "-5/2", "value": -2.5}).text == "-2.5"
    assert _lms.num({"exact": "1/20", "value": 0.05}).tolerance == Decimal("0.005")
    assert _lms.num({"exact": "1/1024", "value": 1 / 1024}, calculator=True).tolerance == Decimal("9.8E-7")
    log9 = _lms.num({"exact": "log(19) + 1", "value": 3.9444389791664403})
    assert log9.tolerance == Decimal("0.0039") and "3.944" in log9.spellings
    third = _lms.num({"exact": "1/3", "value": 1 / 3})
    assert "1/3" in third.spellings and third.tolerance == Decimal("0.00033")


def test_cloze_has_one_blank_per_number_with_its_key_and_weights_in_proportion_to_marks() -> None:
    seen = 0
    for _, q, e in questions():
        if e.get("type") != "cloze":
            continue
        blanks = CLOZE.findall(text_of(e, "questiontext"))
        keys = [_lms.num(x, q.calculator) for p in q.parts for x in _lms.numbers(p.answer)]
        assert [(b[1], b[2]) for b in blanks] == [(k.text, _lms.plain(k.tolerance)) for k in keys]
        for (_, text, tol), k in zip(blanks, keys, strict=True):
            assert abs(Fraction(text) - Fraction(repr(k.value))) <= Fraction(tol) + Fraction(1, 10**12)
        w = weights(q.parts)
        per_part = [wi * len(_lms.numbers(p.answer)) for wi, p in zip(w, q.parts, strict=True)]
        assert all(Fraction(x, q.parts[i].marks) == Fraction(per_part[0], q.parts[0].marks)
                   for i, x in enumerate(per_part))
        assert [int(b[0]) for b in blanks] == [wi for wi, p in zip(w, q.parts, strict=True)
                                               for _ in _lms.numbers(p.answer)]
        seen += 1
    assert seen > 20


def test_short_answers_and_designs_are_essays_with_the_key_for_graders_only() -> None:
    seen = 0
    for _, q, e in questions():
        if e.get("type") == "essay":
            info = text_of(e, "graderinfo")
            assert "Answer key" in info
            for p in q.parts:
                if p.kind == "text":
                    assert "Rubric" in info and all(f"[{c.points}]" in info for c in p.rubric)
                if p.kind == "design":
                    assert "passes the check" in info
            assert e.findtext("defaultgrade") == str(q.marks)
            seen += 1
    assert seen


def test_the_worked_solution_is_general_feedback_and_math_is_mathjax() -> None:
    for _, q, e in questions():
        fb = text_of(e, "generalfeedback")
        assert q.solution[0].title in fb
        assert "$" not in text_of(e, "questiontext").replace("$course$", "") or "<code>" in text_of(
            e, "questiontext")
    assert r"\(" in text_of(questions()[0][2], "questiontext")


def test_the_export_is_deterministic() -> None:
    assert moodle_xml(INFO, pools()) == moodle_xml(INFO, pools())


def test_markdown_and_math_render_safely() -> None:
    out = _lms.html("a **b** $x_1 * y_2 | z < 1$ and $$\\begin{bmatrix} 1 & 2 \\\\ 3 \\end{bmatrix}$$\n\n"
                    "`$not math$` <script>")
    assert r"\(x_1 * y_2 | z &lt; 1\)" in out and r"\[\begin{bmatrix} 1 &amp; 2 \\ 3 \end{bmatrix}\]" in out
    assert "<code>$not math$</code>" in out and "&lt;script&gt;" in out and "<strong>b</strong>" in out


def made_of(text: str) -> tuple[Question, Question]:
    """A numerical and a cloze question whose every text is `text`."""
    one = Part("x", "number", {"exact": "1/4", "value": 0.25}, 2, prompt=text)
    two = Part("v", "vector", [1, {"exact": "-3/2", "value": -1.5}], 1, prompt=text)
    return (Question("t.t", text, {}, text, (one,), (Step(text, text),)),
            Question("t.t", text, {}, text, (one, two), (Step(text, text),)))


#: Markdown, LaTeX and XML's own trouble-makers, mixed with any text.
TRICKY = st.lists(st.one_of(st.text(), st.sampled_from([
    "]]>", "$", "$$", "\\(", "`", "```\n", "|", "&", "<b>", "\r", "\x00", "\ud800", "{1:NUMERICAL:=1}",
    "**", "_", "\\begin{bmatrix} 1 & 2 \\\\ 3 \\end{bmatrix}", "-->", "--", "\n\n- ", "#", "~", "/"]),
)).map("".join)


@given(TRICKY)
def test_any_markdown_or_latex_text_survives_escaping(text: str) -> None:
    pool = Pool("1", "s1q1", text, "negative", made_of(text))
    root = ET.fromstring(moodle_xml(ExamInfo(text or "x", text, text), [pool]))
    numerical, cloze = root[1], root[2]
    assert _lms.clean(text) in (numerical.findtext("name/text") or "")
    assert numerical.find("answer/text").text == "0.25"
    body = cloze.findtext("questiontext/text") or ""
    assert [b[1] for b in CLOZE.findall(body)] == ["0.25", "1", "-1.5"]
    assert len(re.findall(r"\{[0-9]*:", body)) == 3  # a prompt's own "{1:" starts no blank
