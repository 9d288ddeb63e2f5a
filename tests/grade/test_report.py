"""The item-analysis report: a Grading read into the analysis' input, and the HTML page built from it.

Cohorts are plain data of known structure; every expected number is recomputed here from the
cohort itself (statistics.correlation, collections.Counter, hashlib), never copied from our output.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlexam import DlexamError
from dlexam.grade._report_input import analysis_input
from dlexam.grade.analysis import ExamAnalysis
from dlexam.grade.report import analyse_grading, analysis_html, json_safe, write_report
from dlexam.grade.results import Grading, PartResult, StudentResult
from dlexam.model import Entry, ExamInfo, Paper, PaperSection, Part, Question

INFO = ExamInfo("dl-test", "Deep learning", "Midterm")


def result(question: str, part: str, marks: object, out_of: object = 1, *, status: str = "",
           kind: str = "number", answer: str = "x", bonus: bool = False) -> PartResult:
    status = status or ("right" if marks == out_of else "wrong")
    return PartResult(question, "1", part, kind, answer, marks, out_of, status, "", bonus=bonus)  # type: ignore[arg-type]


def student(sid: str, parts: Sequence[PartResult]) -> StudentResult:
    total = sum((p.marks for p in parts if isinstance(p.marks, Fraction | int)), Fraction(0))
    return StudentResult(sid, sid.upper(), tuple(parts), Fraction(total), Fraction(len(parts)))


def question(title: str, parts: Sequence[Part], params: dict[str, object] | None = None,
             topic: str = "topic.x") -> Question:
    return Question(topic, title, params or {}, "prompt", tuple(parts), ())


def paper(sid: str, entries: Sequence[Entry]) -> Paper:
    return Paper(INFO, sid, sid.upper(), "00", (PaperSection("Section", "all_or_nothing", tuple(entries)),))


def grading(students: Sequence[StudentResult], keys: Sequence[str],
            papers: dict[str, Paper] | None = None) -> Grading:
    return Grading("dl-test", "Midterm", tuple(keys), tuple(students), papers or {})


def ability_cohort(n: int = 40) -> tuple[Grading, list[list[int]]]:
    """Students of rising ability; six anchor questions that stronger students get right, one part
    only the stronger half gets right ("s1q7.a") and one marked with a wrong key ("s1q8.a"), which
    only the weaker half gets "right"."""
    students, rows = [], []
    for i in range(n):
        ability = i / (n - 1)
        row = [int(ability >= t) for t in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85)]
        row += [int(ability >= 0.5), int(ability < 0.5)]
        rows.append(row)
        marked = [result(f"s1q{j + 1}", "a", Fraction(m)) for j, m in enumerate(row)]
        students.append(student(f"s{i:02d}", marked))
    return grading(students, [f"s1q{j}" for j in range(1, 9)]), rows


def corrected_point_biserial(rows: list[list[int]], j: int) -> float:
    item = [row[j] for row in rows]
    rest = [sum(row) - row[j] for row in rows]
    return statistics.correlation(item, rest)


def params_label(params: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:8]


class _Page(HTMLParser):
    """Collects the tags, the text inside <svg> elements and the rows of every table."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.svg_depth, self.svg_text = 0, [""]
        self.rows: list[tuple[str, list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        if tag == "svg":
            self.svg_depth += 1
            self.svg_text.append("")
        elif tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.svg_depth -= 1
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1][1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.svg_depth:
            self.svg_text[-1] += data + "\n"
        if self.cell is not None:
            self.cell.append(data)

    def row(self, first_cell: str) -> tuple[str, list[str]]:
        return next(r for r in self.rows if r[1] and r[1][0] == first_cell)


def parsed(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def test_the_adapter_matrix_is_each_students_marks_by_key_and_part_whatever_the_paper_order() -> None:
    rng = random.Random(5)
    cells = [("s1q1", "a"), ("s1q1", "b"), ("s1q2", "a"), ("s2q1", "a")]
    expected: list[list[Fraction | None]] = []
    students = []
    for i in range(12):
        row: list[Fraction | None] = []
        blocks: dict[str, list[PartResult]] = {}
        for q, p in cells:
            status = rng.choice(["right", "wrong", "partial", "blank", "awaiting_ta"])
            marks = {"right": Fraction(2), "partial": Fraction(rng.randint(1, 3), 2)}.get(status, Fraction(0))
            blocks.setdefault(q, []).append(result(q, p, marks, 2, status=status,
                                                   answer="" if status == "blank" else "1"))
            row.append(None if status == "awaiting_ta" else marks)
        questions = list(blocks)
        rng.shuffle(questions)  # a shuffled section prints its questions in another order
        students.append(student(f"s{i}", [r for q in questions for r in blocks[q]]))
        expected.append(row)
    data = analysis_input(grading(students, ["s1q1", "s1q2", "s2q1"]))
    assert data.part_ids == [f"{q}.{p}" for q, p in cells]  # spec order, parts in question order
    assert [list(row) for row in data.scores] == expected
    assert data.max_marks == [2, 2, 2, 2]
    blanks = sum(1 for s in students for p in s.parts if p.status == "blank")
    assert blanks and sum(1 for row in data.scores for v in row if v == 0) >= blanks  # a blank is a 0
    awaiting = Counter(f"{p.question}.{p.part}" for s in students for p in s.parts
                       if p.status == "awaiting_ta")
    assert {c.id: c.awaiting_ta for c in data.columns} == {i: awaiting.get(i, 0) for i in data.part_ids}


def test_bonus_parts_are_left_out_and_bad_marks_are_noted_by_student_not_dropped_silently() -> None:
    students = [student("good", [result("s1q1", "a", Fraction(1)), result("s1q9", "a", 1, bonus=True)]),
                student("odd", [result("s1q1", "a", Fraction(5)), result("s1q9", "a", 0, bonus=True)])]
    data = analysis_input(grading(students, ["s1q1", "s1q9"]))
    assert data.part_ids == ["s1q1.a"]
    assert data.scores == ((Fraction(1),), (None,))
    assert any("odd" in note and "s1q1.a" in note for note in data.notes)
    with_bonus = analysis_input(grading(students, ["s1q1", "s1q9"]), include_bonus=True)
    assert with_bonus.part_ids == ["s1q1.a", "s1q9.a"]


def test_a_part_out_of_different_marks_on_different_papers_is_scaled_to_one_maximum_and_noted() -> None:
    students = [student("a", [result("s1q1", "a", Fraction(1), 2)]),
                student("b", [result("s1q1", "a", Fraction(1), 4)])]
    data = analysis_input(grading(students, ["s1q1"]))
    assert data.max_marks == [4] and data.scores == ((Fraction(2),), (Fraction(1),))
    assert any("scaled" in note for note in data.notes)


def test_a_part_strong_students_get_right_discriminates_and_a_wrong_key_discriminates_negatively() -> None:
    cohort, rows = ability_cohort()
    analysis = analyse_grading(cohort)
    assert analysis.ok, analysis.error
    by_id = {p.id: p for p in analysis.parts}
    for j, part in enumerate(analysis.parts):
        assert part.point_biserial.value == pytest.approx(corrected_point_biserial(rows, j), abs=1e-12)
        assert part.facility.value == pytest.approx(statistics.mean(row[j] for row in rows))
    assert by_id["s1q7.a"].point_biserial.value > 0.6  # type: ignore[operator]
    assert by_id["s1q8.a"].point_biserial.value < 0  # type: ignore[operator]
    page = parsed(analysis_html(cohort, analysis))
    css, cells = page.row("s1q8.a")
    assert css == "bad" and "discriminates negatively: check the key" in cells[-1]
    assert "discriminates negatively" not in page.row("s1q7.a")[1][-1]


def test_a_part_everyone_gets_right_shows_a_dash_with_the_reason_as_its_title() -> None:
    cohort, _ = ability_cohort(10)
    students = [student(s.student_id, [*s.parts, result("s1q9", "a", Fraction(1))]) for s in cohort.students]
    easy = grading(students, [*cohort.question_keys, "s1q9"])
    analysis = analyse_grading(easy)
    reason = next(p for p in analysis.parts if p.id == "s1q9.a").point_biserial.reason
    assert reason
    page = analysis_html(easy, analysis)
    assert f'<span class="undef" title="{reason}">—</span>' in page
    assert "too easy" in parsed(page).row("s1q9.a")[1][-1]


def test_a_drawn_question_whose_one_variant_is_much_harder_is_flagged_in_the_report() -> None:
    variants = [{"n": 1, "act": "relu"}, {"n": 2, "act": "relu"}, {"n": 3, "act": "tanh"}]
    students, papers = [], {}
    for i in range(90):
        params = variants[i % 3]
        right = (i // 3) % 10 != 0 if params["n"] != 3 else (i // 3) % 10 == 0  # 90% vs 10%
        sid = f"s{i:02d}"
        students.append(student(sid, [result("s1q1", "a", Fraction(i % 2)),
                                      result("s1q2", "a", Fraction(right))]))
        papers[sid] = paper(sid, [
            Entry("1", "s1q1", question("Fixed", [Part("a", "number", 1)])),
            Entry("2", "s1q2", question("Conv shapes", [Part("a", "number", 1)], params))])
    cohort = grading(students, ["s1q1", "s1q2"], papers)
    data = analysis_input(cohort)
    assert "s1q1.a" not in data.variants  # a pinned question has one variant: nothing to compare
    assert data.variants["s1q2.a"] == tuple(params_label(variants[i % 3]) for i in range(90))
    analysis = analyse_grading(cohort)
    drawn = next(p for p in analysis.parts if p.id == "s1q2.a")
    assert {v.label for v in drawn.variants if v.flagged} == {params_label(variants[2])}
    page = parsed(analysis_html(cohort, analysis))
    css, cells = page.row(params_label(variants[2]))
    assert css == "bad" and "flagged" in cells[-1] and "tanh" in cells[1]
    assert page.row(params_label(variants[0]))[0] == ""


def test_distractor_counts_by_option_text_add_up_across_students_with_shuffled_options() -> None:
    texts = ["ReLU", "tanh", "sigmoid", "GELU"]
    rng = random.Random(11)
    students, papers, chosen, omitted = [], {}, Counter[str](), 0
    for i in range(60):
        sid = f"s{i:02d}"
        order = texts[:]
        rng.shuffle(order)
        pick = rng.choice([*texts, "", "zz", "b, c"])
        if pick in texts:
            letter = "abcd"[order.index(pick)]
            answer = rng.choice([letter, letter.upper(), f"({letter})", f"option {letter}"])
            chosen[pick] += 1
        else:
            answer, omitted = pick, omitted + 1  # blank, unreadable, or two letters for a single choice
        key = "abcd"[order.index("ReLU")]
        part = Part("a", "choice", key, 1, "", tuple(order))
        item = question("Activations", [part], {"item": "act"}, "bank")
        papers[sid] = paper(sid, [Entry("1", "s1q1", item)])
        students.append(student(sid, [result("s1q1", "a", Fraction(pick == "ReLU"), kind="choice",
                                             answer=answer)]))
    cohort = grading(students, ["s1q1"], papers)
    analysis = analyse_grading(cohort)
    (stats,) = analysis.parts
    assert {o.option: o.count for o in stats.options} == {t: chosen[t] for t in texts}
    assert {o.option for o in stats.options if o.is_key} == {"ReLU"}
    assert stats.omitted == omitted
    page = parsed(analysis_html(cohort, analysis))
    assert page.row("ReLU")[1][1] == "✓ key" and page.row("GELU")[1][1] == ""
    assert page.row("tanh")[1][2] == str(chosen["tanh"])


def test_multiple_choice_and_true_false_picks_are_counted_by_what_was_checked() -> None:
    texts = ["dropout", "batch norm", "weight decay"]
    rng = random.Random(3)
    students, papers = [], {}
    checked, truths = Counter[str](), Counter[str]()
    for i in range(30):
        sid = f"s{i}"
        order = texts[:]
        rng.shuffle(order)
        picks = sorted(rng.sample(texts, rng.randint(1, 3)))
        checked.update(picks)
        truth = rng.choice(["true", "false", "T", "no"])
        truths["true" if truth in ("true", "T") else "false"] += 1
        key = sorted("abc"[order.index(t)] for t in ("dropout", "weight decay"))
        parts = [Part("a", "choices", key, 1, "", tuple(order)), Part("b", "true_false", True)]
        papers[sid] = paper(sid, [Entry("1", "s1q1", question("Regularisers", parts))])
        students.append(student(sid, [
            result("s1q1", "a", Fraction(0), kind="choices",
                   answer=", ".join("abc"[order.index(t)] for t in picks)),
            result("s1q1", "b", Fraction(0), kind="true_false", answer=truth)]))
    analysis = analyse_grading(grading(students, ["s1q1"], papers))
    multiple, true_false = analysis.parts
    assert {o.option: o.count for o in multiple.options} == dict(checked)
    assert {o.option for o in multiple.options if o.is_key} == {"dropout", "weight decay"}
    assert {o.option: o.count for o in true_false.options} == dict(truths)
    assert {o.option for o in true_false.options if o.is_key} == {"true"}


def test_the_page_parses_holds_both_plots_inline_links_nothing_and_is_the_same_every_time() -> None:
    cohort, _ = ability_cohort()
    analysis = analyse_grading(cohort)
    page = analysis_html(cohort, analysis)
    parser = parsed(page)
    assert parser.tags["svg"] == 2 and parser.tags["html"] == 1
    assert not re.search(r"<(img|script|link)\b", page)
    outside_namespaces = re.sub(r'xmlns(:\w+)?="https?://[^"]*"', "", page)
    assert "http://" not in outside_namespaces and "https://" not in outside_namespaces
    scatter_text = parser.svg_text[2]
    assert all(p.id in scatter_text for p in analysis.parts)  # each point is labelled by its part id
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    again, _ = ability_cohort()
    assert analysis_html(again, analyse_grading(again)).encode() == page.encode()


def test_write_report_writes_the_page_and_the_analysis_as_json(tmp_path: Path) -> None:
    cohort, _ = ability_cohort(12)
    written = write_report(cohort, tmp_path / "out")
    assert written == tmp_path / "out" / "analysis.html"
    assert written.read_text(encoding="utf-8") == analysis_html(cohort, analyse_grading(cohort))
    loaded = json.loads((tmp_path / "out" / "analysis.json").read_text(encoding="utf-8"))
    assert loaded == json.loads(json.dumps(json_safe(analyse_grading(cohort).to_dict())))
    assert loaded["n_students"] == 12 and len(loaded["parts"]) == 8
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(DlexamError, match="file"):
        write_report(cohort, tmp_path / "file")


def test_json_safe_turns_fractions_and_numpy_numbers_into_plain_json() -> None:
    import numpy as np

    value = {"f": Fraction(1, 4), "i": np.int64(3), "x": np.float32(0.5), "nan": float("nan"),
             "b": np.bool_(True), "t": (1, {2})}
    assert json_safe(value) == {"f": 0.25, "i": 3, "x": 0.5, "nan": None, "b": True, "t": [1, [2]]}
    json.dumps(json_safe(value), allow_nan=False)


_MARKS = st.one_of(st.fractions(min_value=-1, max_value=3), st.integers(-1, 3), st.none(),
                   st.text(max_size=3), st.floats(allow_nan=True, allow_infinity=True))
_RESULTS = st.builds(
    lambda q, p, marks, out_of, status, kind, answer, bonus: PartResult(
        q, "1", p, kind, answer, marks, out_of, status, "", bonus=bonus),
    st.sampled_from(["s1q1", "s1q2", "s2q1", "zz"]), st.sampled_from(["a", "b"]), _MARKS,
    st.one_of(st.integers(-1, 3), st.fractions(min_value=0, max_value=3)),
    st.sampled_from(["right", "partial", "wrong", "unreadable", "blank", "awaiting_ta", "odd"]),
    st.sampled_from(["number", "choice", "choices", "true_false", "text"]), st.text(max_size=8),
    st.booleans())


@st.composite
def gradings(draw: st.DrawFn) -> Grading:
    students = []
    papers = {}
    for i in range(draw(st.integers(0, 7))):
        parts = draw(st.lists(_RESULTS, max_size=6))
        sid = f"s{i}"
        students.append(StudentResult(sid, sid, tuple(parts), Fraction(0), Fraction(draw(st.integers(0, 5)))))
        if draw(st.booleans()):
            options = tuple(draw(st.lists(st.text(max_size=4), max_size=4)))
            entries = [Entry("1", q, question(draw(st.text(max_size=3)), [
                Part(p, "choice", draw(st.sampled_from(["a", "b", ["a"], True, None])), 1, "", options)],
                {"v": draw(st.integers(0, 2))})) for q, p in {(r.question, r.part) for r in parts}]
            papers[sid] = paper(sid, sorted(entries, key=lambda e: e.key))
    return Grading("x", "X", tuple(draw(st.lists(st.sampled_from(["s1q1", "s1q2", "s2q1"]), max_size=3))),
                   tuple(students), papers)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gradings())
def test_any_grading_gives_an_analysis_and_a_page_without_raising(cohort: Grading) -> None:
    analysis = analyse_grading(cohort)
    assert isinstance(analysis, ExamAnalysis)
    page = analysis_html(cohort, analysis)
    assert page.startswith("<!DOCTYPE html>")
    parsed(page)
    json.dumps(json_safe(analysis.to_dict()), allow_nan=False)
