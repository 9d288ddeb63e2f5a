"""Per-student feedback pages: every part of a student's own paper with what they wrote, the marks
`score` gave it, the key and the worked solution of their variant; escaped, loading nothing; the
PDF opens, names the student and counts its pages right; a batch survives one student's failure."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from fractions import Fraction
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlexam
from dlexam import DlexamError
from dlexam.bank import load_bank
from dlexam.exam import draw_papers, load_spec, read_roster
from dlexam.exam.build import build
from dlexam.grade import feedback
from dlexam.grade._papers import BuiltPapers, paper_refs
from dlexam.grade.feedback import FeedbackResult, feedback_html, feedback_pdf, write_feedback
from dlexam.grade.results import Grading, PartResult, StudentResult
from dlexam.grade.run import grade_exam
from dlexam.grade.score import score
from dlexam.grade.simulate import write_dry_run
from dlexam.model import Entry, ExamInfo, Paper, PaperSection
from tests.exam.conftest import BASE
from tests.grade.test_run import written
from tests.render.test_html import Page, assert_self_contained

NAMESPACES = {"http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2000/svg"}
INFO = ExamInfo("t-fb", "Deep Learning", "Quiz", "2026-11-02", 30, "", "", 0)


# -- fixtures: real papers, marked by the real scorer ---------------------------------------------

@pytest.fixture(scope="module")
def midterm() -> list[Paper]:
    examples = files("dlexam.examples")
    spec = load_spec(str(examples / "midterm.toml"))
    return draw_papers(spec, read_roster(str(examples / "roster.csv"))[:3])


def mark(paper: Paper, answers: dict[tuple[str, str], str]) -> StudentResult:
    """Score every part of `paper` the way `grade_exam` does; a part without an answer is blank."""
    parts = []
    for section in paper.sections:
        for e in section.entries:
            q = e.question
            for p in q.parts:
                text = answers.get((e.key, p.id), "")
                s = score(p, text, policy=section.policy, topic=q.topic if p.kind == "design" else None,
                          params=q.params, calculator=q.calculator)
                parts.append(PartResult(e.key, e.number, p.id, p.kind, text, s.marks, Fraction(p.marks),
                                        s.status, s.feedback, key=p.answer, bonus=e.bonus))
    total = sum((r.marks for r in parts), Fraction(0))
    return StudentResult(paper.student_id, paper.student_name, tuple(parts), total, Fraction(paper.marks))


def mixed_answers(paper: Paper) -> dict[tuple[str, str], str]:
    """The key for every other part, a wrong number for the rest."""
    out = {}
    pairs = [(e.key, p) for e in paper.entries for p in e.question.parts]
    for i, (key, p) in enumerate(pairs):
        out[(key, p.id)] = written(p) if i % 2 == 0 else "41"
    return out


def small_paper(sid: str = "s001", name: str = "Ada Lovelace") -> Paper:
    bank = [i.to_question() for i in load_bank()]
    text = next(q for q in bank if q.parts[0].kind == "text" and q.parts[0].rubric)
    choices = next(q for q in bank if q.parts[0].kind == "choices")
    entries = (Entry("1", "q1", dlexam.question("mlp.sgd_step", seed=1)),
               Entry("2", "q2", choices), Entry("3", "q3", text, bonus=True))
    return Paper(INFO, sid, name, "ab12", (PaperSection("One", "per_option", entries),))


class Parts(HTMLParser):
    """Text inside every element that has an id, and the text of the whole page."""

    VOID = Page.VOID

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str | None] = []
        self.text: dict[str, list[str]] = {}
        self.ids: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        ident = dict(attrs).get("id")
        if "badge" in (dict(attrs).get("class") or "").split():  # a part's status badge: "<part id>.badge"
            ident = next(i for i in reversed(self.open) if i) + ".badge"
        if ident:
            self.ids += [] if ident.endswith(".badge") else [ident]
            self.text[ident] = []
        self.open.append(ident)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <mspace/>: nothing opens

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self.open:
            if ident:
                self.text[ident].append(data)

    def of(self, ident: str) -> str:
        return " ".join(self.text[ident])  # a space between nodes: <mn>2</mn><mn>27</mn> is not 227


def shown(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):.3f}".rstrip("0")


def pdf_pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


# -- the HTML page --------------------------------------------------------------------------------

def test_every_part_of_the_students_paper_appears_with_its_marks_and_their_answer(
        midterm: list[Paper]) -> None:
    paper = midterm[0]
    result = mark(paper, mixed_answers(paper))
    page = feedback_html(paper, result)
    parsed = Parts(page)
    by_part = {(r.question, r.part): r for r in result.parts}
    part_ids = [f"p-{e.key}-{p.id}" for e in paper.entries for p in e.question.parts]
    assert [i for i in parsed.ids if i.startswith("p-")] == part_ids  # every part, in paper order
    for e in paper.entries:
        assert f"Question {e.number}" in parsed.of(f"q-{e.key}")
        for p in e.question.parts:
            text, r = parsed.of(f"p-{e.key}-{p.id}"), by_part[(e.key, p.id)]
            marks = "—" if r.status == "awaiting_ta" else shown(r.marks)
            assert f"{marks} / {p.marks}" in text
            assert r.answer in text
            assert " ".join(r.feedback.split()) in " ".join(text.split())
    assert {r.status for r in result.parts} >= {"right", "wrong"}  # the page was tested on both


def test_the_header_shows_the_total_of_max_and_percent_counting_bonus_marks(midterm: list[Paper]) -> None:
    paper = midterm[1]
    answers = {(e.key, p.id): written(p) for e in paper.entries for p in e.question.parts}
    result = mark(paper, answers)
    earned = sum((score(p, written(p), policy=s.policy, params=e.question.params,
                       topic=e.question.topic if p.kind == "design" else None,
                       calculator=e.question.calculator).marks
                 for s in paper.sections for e in s.entries for p in e.question.parts), Fraction(0))
    bonus = sum(p.marks for e in paper.entries if e.bonus for p in e.question.parts if p.kind != "text")
    maximum = sum(e.question.marks for e in paper.entries if not e.bonus)
    text = Page(feedback_html(paper, result)).all_text
    assert f"{shown(earned)} / {maximum} marks ({float(100 * earned / maximum):.1f} %)" in text
    assert bonus and f"includes {bonus} bonus marks" in text
    assert paper.student_name in text and paper.student_id in text and paper.exam.course in text


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                                  "</pre><b>bold</b>", "&amp; &lt;", "$x$ **not bold**"])
def test_an_answer_that_looks_like_markup_stays_the_text_the_student_wrote(evil: str) -> None:
    paper = small_paper()
    result = mark(paper, {("q1", "z"): evil, ("q2", "answer"): evil})
    page = feedback_html(paper, result)
    assert_self_contained(page)
    parsed = Parts(page)
    assert evil in parsed.of("p-q1-z") and evil in parsed.of("p-q2-answer")
    assert "<b>bold</b>" not in page and "<math" not in parsed.of("p-q1-z").split("Key")[0]


def test_the_page_refers_to_no_url_but_the_mathml_and_svg_namespaces(midterm: list[Paper]) -> None:
    paper = midterm[0]
    page = feedback_html(paper, mark(paper, mixed_answers(paper)))
    assert_self_contained(page)
    urls = set(re.findall(r"(?i)https?:[^\s\"'<>]*", page))
    assert urls <= NAMESPACES and "<math" in page
    assert any(dlexam.render.figure(e.question) for e in paper.entries)  # the SVG namespace was exercised


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_the_worked_solution_shown_is_the_students_own_variant(midterm: list[Paper]) -> None:
    ada, bob = midterm[0], midterm[1]
    pages = {p.student_id: Parts(feedback_html(p, mark(p, {}))) for p in (ada, bob)}
    differing = 0
    for e in ada.entries:
        other = next(x for x in bob.entries if x.key == e.key)
        own_steps = " ".join(s.text for s in e.question.solution)
        other_steps = " ".join(s.text for s in other.question.solution)
        own_only = _numbers(own_steps) - _numbers(other_steps)
        if not own_only or e.question.topic == "bank":  # the same variant, or a concept item
            continue
        differing += 1
        shown_ada = _numbers(pages[ada.student_id].of(f"sol-{e.key}"))
        shown_bob = _numbers(pages[bob.student_id].of(f"sol-{e.key}"))
        assert own_only <= shown_ada, e.key  # Ada's numbers are on Ada's page …
        assert not own_only <= shown_bob, e.key  # … and not all of them on Bob's
    assert differing >= 5


def test_the_key_shown_is_the_one_the_part_was_marked_against() -> None:
    paper = small_paper()
    result = mark(paper, {})
    corrected = tuple(replace(r, key=[[7777, 8888], [9999]]) if r.part == "z" else r for r in result.parts)
    page = Parts(feedback_html(paper, replace(result, parts=corrected)))
    assert "7777" in page.of("p-q1-z") and "8888" in page.of("p-q1-z")


@pytest.mark.parametrize(("status", "label"), [
    ("blank", "blank"), ("unreadable", "unreadable"), ("awaiting_ta", "awaiting a TA"),
    ("carried", "carried"), ("partial", "partial"), ("right", "right"), ("wrong", "wrong")])
def test_each_status_renders_its_label(status: str, label: str) -> None:
    paper = small_paper()
    result = mark(paper, {})
    parts = tuple(replace(r, status=status, carried_from=("z",) if status == "carried" else ())
                  if r.part == "a" else r for r in result.parts)
    page = Parts(feedback_html(paper, replace(result, parts=parts)))
    assert page.of("p-q1-a.badge").startswith(label)
    assert page.of("p-q1-z.badge") == "blank"  # the neighbour keeps its own
    if status == "carried":
        assert "recomputed from your answer to (a)" in page.of("p-q1-a")


def test_blank_unreadable_awaiting_and_carried_parts_say_so_in_the_pdf() -> None:
    paper = small_paper()
    result = mark(paper, {("q1", "z"): "[[1, 2], oops", ("q3", "answer"): "Skip connections help."})
    parts = tuple(replace(r, status="carried", carried_from=("z",), marks=Fraction(1))
                  if r.part == "a" else r for r in result.parts)
    statuses = {r.part if r.question == "q1" else r.question: r.status for r in parts}
    assert statuses["z"] == "unreadable" and statuses["q3"] == "awaiting_ta" and statuses["loss"] == "blank"
    text = " ".join(" ".join(pdf_pages(feedback_pdf(paper, replace(result, parts=parts)))).split())
    for label in ("unreadable", "blank", "awaiting a TA", "carried (error carried forward)", "no answer"):
        assert label in text, label
    assert "[[1, 2], oops" in text and "Skip connections help." in text


def test_the_rubric_shows_the_points_a_ta_gave_per_criterion() -> None:
    paper = small_paper()
    result = mark(paper, {("q3", "answer"): "An identity path."})
    parts = tuple(replace(r, status="partial", marks=Fraction(2), ta_points=(Fraction(1), Fraction(0),
                                                                              Fraction(1)))
                  if r.question == "q3" else r for r in result.parts)
    text = Parts(feedback_html(paper, replace(result, parts=parts))).of("p-q3-answer")
    assert "[1 / 1]" in text and "[0 / 1]" in text and "2 / 3" in text


def test_a_very_long_answer_is_cut_and_says_how_much_was_left_out() -> None:
    paper = small_paper()
    long = "7" * (feedback_module_max() + 123)
    text = Parts(feedback_html(paper, mark(paper, {("q1", "loss"): long}))).of("p-q1-loss")
    assert "123 more characters not shown" in text and long not in text


def feedback_module_max() -> int:
    from dlexam.render._html_feedback import MAX_SHOWN
    return MAX_SHOWN


answers = st.text(max_size=80) | st.lists(st.sampled_from(
    ["\x00", "\x1b[31m", "\ud800", "\r\n", "\t", "\u2028", "#", "$", "\\", '"', "]", "[", "`", "*", "<b>",
     "//", "@", "=", "é", "😀", "\u202e", " ", "0.5", "\"); #panic(\"x"]), max_size=20).map("".join)


@settings(max_examples=40)
@given(answers)
def test_no_answer_string_breaks_either_page(answer: str) -> None:
    paper = Paper(INFO, "s9", "Eve", "x", (PaperSection("", "all_or_nothing", (
        Entry("1", "q1", dlexam.question("loss.bce", seed=2)),)),))
    result = mark(paper, {("q1", "loss"): answer})
    page = feedback_html(paper, result)
    Page(page)
    page.encode("utf-8")  # no lone surrogate survives
    pdf = feedback_pdf(paper, result)
    assert len(pdf_pages(pdf)) >= 1
    if answer.strip() and answer.isprintable():
        assert answer in Parts(page).of("p-q1-loss")


# -- the PDF --------------------------------------------------------------------------------------

def test_the_pdf_opens_names_the_student_on_page_one_and_counts_its_pages(midterm: list[Paper]) -> None:
    paper = midterm[2]
    pages = pdf_pages(feedback_pdf(paper, mark(paper, mixed_answers(paper))))
    assert len(pages) > 3
    assert paper.student_id in pages[0] and paper.student_name in pages[0]
    for i, text in enumerate(pages, 1):
        found = re.search(r"page (\d+) of (\d+)", text)
        assert found and (int(found.group(1)), int(found.group(2))) == (i, len(pages))


def test_the_same_input_gives_the_same_bytes(midterm: list[Paper]) -> None:
    paper = midterm[0]
    result = mark(paper, mixed_answers(paper))
    assert feedback_html(paper, result) == feedback_html(paper, mark(paper, mixed_answers(paper)))
    assert feedback_pdf(paper, result) == feedback_pdf(paper, result)


def test_feedback_for_one_student_refuses_anothers_paper(midterm: list[Paper]) -> None:
    with pytest.raises(DlexamError, match="paper of"):
        feedback_html(midterm[0], mark(midterm[1], {}))


# -- write_feedback -------------------------------------------------------------------------------

def grading_of(papers: list[Paper]) -> Grading:
    students = tuple(mark(p, mixed_answers(p)) for p in papers)
    return Grading("t-fb", "Quiz", tuple(e.key for e in papers[0].entries), students,
                   {p.student_id: p for p in papers})


def test_one_students_failure_does_not_stop_the_others(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    papers = [small_paper(f"s{i}", f"Student {i}") for i in range(4)]
    grading = grading_of(papers)
    grading = replace(grading, papers={k: v for k, v in grading.papers.items() if k != "s3"})
    real = feedback.feedback_pdf

    def flaky(paper: Paper, result: StudentResult) -> bytes:
        if result.student_id == "s1":
            raise RuntimeError("typst fell over\nsecond line")
        return real(paper, result)

    monkeypatch.setitem(feedback._RENDER, "pdf", flaky)
    (tmp_path / "fb").mkdir()
    for stale in ("s1.pdf", "s3.html"):  # pages of an earlier run must not pass for this run's
        (tmp_path / "fb" / stale).write_text("old", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    done = write_feedback(grading, tmp_path / "fb", workers=1, progress=lambda d, n: seen.append((d, n)))
    assert isinstance(done, FeedbackResult) and not done.ok
    names = sorted(p.name for p in done.written)
    assert names == ["s0.html", "s0.pdf", "s1.html", "s2.html", "s2.pdf"]
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == names
    reasons = dict(done.failed)
    assert list(reasons) == ["s1", "s3"]
    assert reasons["s1"] == "pdf: RuntimeError: typst fell over second line" and "no paper" in reasons["s3"]
    assert seen[-1] == (3, 3)


def test_worker_processes_write_the_bytes_a_single_process_makes(tmp_path: Path,
                                                                 midterm: list[Paper]) -> None:
    grading = grading_of(midterm)
    done = write_feedback(grading, tmp_path, workers=2)
    assert done.ok and len(done.written) == 6
    for paper, result in zip(midterm, grading.students, strict=True):
        html = (tmp_path / f"{paper.student_id}.html").read_text(encoding="utf-8")
        assert html == feedback_html(paper, result)
        assert (tmp_path / f"{paper.student_id}.pdf").read_bytes() == feedback_pdf(paper, result)


def test_workers_read_a_builds_papers_themselves_and_a_paper_gone_since_grading_fails_alone(
        tmp_path: Path, midterm: list[Paper]) -> None:
    examples = files("dlexam.examples")
    write_dry_run(load_spec(str(examples / "midterm.toml")), midterm, tmp_path / "built")
    manifest = json.loads((tmp_path / "built" / "manifest.json").read_text(encoding="utf-8"))
    in_memory = grading_of(midterm)
    grading = replace(in_memory, papers=BuiltPapers(tmp_path / "built", paper_refs(manifest)))
    gone = midterm[1].student_id
    (tmp_path / "built" / "variants" / f"{gone}.json").unlink()
    (tmp_path / "fb").mkdir()
    (tmp_path / "fb" / f"{gone}.html").write_text("old", encoding="utf-8")
    done = write_feedback(grading, tmp_path / "fb", formats=("html",), workers=2)
    assert [p.name for p in done.written] == [f"{p.student_id}.html" for p in midterm if p.student_id != gone]
    assert [sid for sid, _ in done.failed] == [gone]
    assert done.failed[0][1].startswith("paper: ") and f"{gone}.json is missing" in done.failed[0][1]
    assert not (tmp_path / "fb" / f"{gone}.html").exists()
    for paper, result in zip(midterm, in_memory.students, strict=True):
        if paper.student_id != gone:
            html = (tmp_path / "fb" / f"{paper.student_id}.html").read_text(encoding="utf-8")
            assert html == feedback_html(paper, result)


def test_formats_are_checked_and_an_id_that_cannot_name_a_file_is_reported(tmp_path: Path) -> None:
    grading = grading_of([small_paper("s0"), small_paper("../evil")])
    with pytest.raises(DlexamError, match="formats must be among html, pdf"):
        write_feedback(grading, tmp_path, formats=("docx",))
    done = write_feedback(grading, tmp_path / "out", formats=("html",), workers=1)
    assert [p.name for p in done.written] == ["s0.html"]
    assert done.failed[0][0] == "../evil" and "cannot name a file" in done.failed[0][1]
    assert not (tmp_path / "evil.html").exists()


def test_feedback_from_a_graded_build_shows_the_marks_parts_csv_holds(tmp_path: Path) -> None:
    (tmp_path / "quiz.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("id,name\ns01,Ada Lovelace\ns02,Alan Turing\n", encoding="utf-8")
    build(tmp_path / "quiz.toml", roster=tmp_path / "roster.csv", out=tmp_path / "built", workers=1)
    variants = tmp_path / "built" / "variants"
    papers = {s: Paper.from_dict(json.loads((variants / f"{s}.json").read_text("utf-8")))
              for s in ("s01", "s02")}
    rows = [["s01", e.key, p.id, written(p)] for e in papers["s01"].entries for p in e.question.parts]
    rows += [["s02", e.key, p.id, "3"] for e in papers["s02"].entries for p in e.question.parts]
    with (tmp_path / "answers.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["student", "question", "part", "answer"], *rows])
    graded = grade_exam(tmp_path / "built", answers=tmp_path / "answers.csv", out=tmp_path / "grades")
    done = write_feedback(graded.grading, tmp_path / "fb", workers=1)
    assert done.ok and len(done.written) == 4
    pages = {s: Parts((tmp_path / "fb" / f"{s}.html").read_text(encoding="utf-8")) for s in papers}
    with (tmp_path / "grades" / "parts.csv").open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(table) == sum(len(e.question.parts) for p in papers.values() for e in p.entries)
    for row in table:
        text = pages[row["student"]].of(f"p-{row['question']}-{row['part']}")
        marks = "—" if row["status"] == "awaiting_ta" else row["marks"]
        assert f"{marks} / {row['out_of']}" in text
        assert pages[row["student"]].of(f"p-{row['question']}-{row['part']}.badge").startswith(
            row["status"].replace("awaiting_ta", "awaiting a TA"))
    assert {r["status"] for r in table} >= {"right", "wrong", "unreadable"}
    for s in papers:
        pdf = pdf_pages((tmp_path / "fb" / f"{s}.pdf").read_bytes())
        assert s in pdf[0] and f"page 1 of {len(pdf)}" in pdf[0]


def test_a_part_without_marks_says_not_marked_and_a_strange_name_still_renders() -> None:
    paper = small_paper(name="Zoë\x00\ud800 <b>O'Neil</b>")
    result = mark(paper, {("q1", "z"): "[[1, 2], [3, 4]]"})
    result = replace(result, parts=tuple(r for r in result.parts if r.part != "loss"))
    page = feedback_html(paper, result)
    page.encode("utf-8")
    parsed = Parts(page)
    assert parsed.of("p-q1-loss.badge") == "not marked" and "— / 1" in parsed.of("p-q1-loss")
    assert "Zoë\ufffd\ufffd <b>O'Neil</b>" in Page(page).all_text
    first = pdf_pages(feedback_pdf(paper, result))[0]
    assert "O'Neil" in first and "s001" in first
