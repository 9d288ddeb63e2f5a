"""PDF papers and keys: QR codes decode from a 150 dpi render, output is reproducible, every
topic and concept item lands on the page, boxes fit the kind, keys carry the answers."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.bank import load_bank
from dlexam.model import Part, Question
from dlexam.model.exam import Entry, ExamInfo, Paper, PaperSection
from dlexam.render import pdf
from dlexam.render._key_text import MARKING_RULE, number
from dlexam.render._typst_paper import answer_box

EXAM = ExamInfo(id="dl-mid-26", course="Deep Learning", title="Midterm", date="2026-03-12",
                duration_minutes=90, instructions="Answer **all** questions.", aids="one A4 sheet")


def _bank_questions(n: int) -> list[Question]:
    """n concept items, one of each kind first (choice, choices, true/false, text)."""
    by_kind: dict[str, list[Question]] = {}
    for item in load_bank():
        q = item.to_question()
        by_kind.setdefault(q.parts[0].kind, []).append(q)
    firsts = [qs[0] for qs in by_kind.values()]
    rest = [q for qs in by_kind.values() for q in qs[1:]]
    return (firsts + rest)[:n]


def make_paper(student: str = "s1234567", name: str = "Ada Lovelace", seed: int = 1,
               topics: list[str] | None = None, items: int = 6) -> Paper:
    topics = topics if topics is not None else [t.id for t in dlexam.all_topics()]
    concepts = tuple(Entry(str(i + 1), f"s1q{i + 1}", q) for i, q in enumerate(_bank_questions(items)))
    drawn = tuple(Entry(str(items + i + 1), f"s2q{i + 1}", dlexam.question(t, seed=seed + i),
                        bonus=i == len(topics) - 1) for i, t in enumerate(topics))
    return Paper(EXAM, student, name, "9f2c41d0", (PaperSection("Concepts", "all_or_nothing", concepts),
                                                   PaperSection("Computation", "per_option", drawn)))


@pytest.fixture(scope="module")
def renderer() -> pdf.PdfRenderer:
    return pdf.PdfRenderer()


@pytest.fixture(scope="module")
def full_paper() -> Paper:
    return make_paper()


@pytest.fixture(scope="module")
def paper_bytes(renderer: pdf.PdfRenderer, full_paper: Paper) -> bytes:
    return renderer.paper(full_paper)


@pytest.fixture(scope="module")
def key_bytes(renderer: pdf.PdfRenderer, full_paper: Paper) -> bytes:
    return renderer.key(full_paper)


def page_texts(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def qr_codes(data: bytes) -> list[list[str]]:
    """The QR payloads found on each page rendered at 150 dpi."""
    doc = pdfium.PdfDocument(data)
    found = []
    for i in range(len(doc)):
        image = doc[i].render(scale=150 / 72).to_pil().convert("L")
        codes = zxingcpp.read_barcodes(image)
        found.append([r.text for r in codes if r.format == zxingcpp.BarcodeFormat.QRCode])
    return found


# -- QR codes -----------------------------------------------------------------------------------


def test_every_page_of_a_paper_has_a_qr_code_naming_exam_student_and_page(paper_bytes: bytes) -> None:
    codes = qr_codes(paper_bytes)
    assert len(codes) == pdf.page_count(paper_bytes)
    for page, texts in enumerate(codes, 1):
        assert texts == [f"dlexam:dl-mid-26:s1234567:{page}"]
        assert pdf.parse_qr_payload(texts[0]) == pdf.QrPayload("dl-mid-26", "s1234567", page)


def test_every_page_of_a_key_has_a_qr_code_that_says_key(key_bytes: bytes) -> None:
    for page, texts in enumerate(qr_codes(key_bytes), 1):
        expected = pdf.QrPayload("dl-mid-26", "s1234567", page, key=True)
        assert [pdf.parse_qr_payload(t) for t in texts] == [expected]


def test_a_qr_code_is_never_micro_qr_even_for_a_short_payload() -> None:
    svg = pdf.qr_svg("dlexam:a:b:1")
    assert 'viewBox="0 0 25 25"' in svg  # 21 modules (version 1) plus the quiet zone; Micro QR is ≤ 17


@given(st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True), st.text(min_size=1, max_size=30).filter(
    lambda s: "\n" not in s), st.integers(1, 999), st.booleans())
def test_a_payload_reads_back_as_what_was_written(exam: str, student: str, page: int, key: bool) -> None:
    text = pdf.qr_payload(exam, student, page, key=key)
    assert pdf.parse_qr_payload(text) == pdf.QrPayload(exam, student, page, key)


@given(st.text(max_size=60))
def test_any_text_a_scanner_reads_parses_to_a_payload_or_none(text: str) -> None:
    parsed = pdf.parse_qr_payload(text)
    assert parsed is None or pdf.qr_payload(parsed.exam_id, parsed.student_id, parsed.page,
                                            key=parsed.key) == text


@pytest.mark.parametrize("text", ["", "dlexam", "dlexam:x", "dlexam:x:1", "other:x:y:1", "dlexam:x:y:z",
                                  "dlexam::y:1"])
def test_texts_that_are_not_ours_parse_to_none(text: str) -> None:
    assert pdf.parse_qr_payload(text) is None


# -- reproducible output --------------------------------------------------------------------------


def test_the_same_paper_gives_byte_identical_pdfs_whatever_the_page_guess(full_paper: Paper,
                                                                        paper_bytes: bytes) -> None:
    short = pdf.PdfRenderer()
    short._pages_per_unit = {"paper": 0.0, "key": 0.0, "ta": 0.0}  # forces a second compile
    long = pdf.PdfRenderer()
    long._pages_per_unit = {"paper": 3.0, "key": 3.0, "ta": 3.0}  # QR codes for pages that never come
    assert short.paper(full_paper) == paper_bytes == long.paper(full_paper) == pdf.paper_pdf(full_paper)


def test_the_same_paper_gives_a_byte_identical_key(full_paper: Paper, key_bytes: bytes) -> None:
    assert pdf.key_pdf(full_paper) == key_bytes


def test_different_students_get_different_pdfs(renderer: pdf.PdfRenderer) -> None:
    a = make_paper("s1", topics=["conv.output_shape"], items=1)
    b = make_paper("s2", topics=["conv.output_shape"], items=1)
    assert renderer.paper(a) != renderer.paper(b)


# -- content ----------------------------------------------------------------------------------------


def test_every_topic_and_concept_item_appears_with_its_number(full_paper: Paper, paper_bytes: bytes) -> None:
    text = "\n".join(page_texts(paper_bytes))
    for entry in full_paper.entries:
        assert re.search(rf"Question {entry.number}\b", text), entry.question.topic
    assert "s1234567" in text and "Ada Lovelace" in text


def test_the_page_count_is_sane(full_paper: Paper, paper_bytes: bytes, key_bytes: bytes) -> None:
    entries = len(full_paper.entries)
    assert entries // 3 <= pdf.page_count(paper_bytes) <= entries + 2
    assert pdf.page_count(paper_bytes) <= pdf.page_count(key_bytes) <= 2 * entries
    texts = page_texts(paper_bytes)
    n = len(texts)
    assert all(f"Page {i} / {n}" in t and f"page {i} of {n}" in t for i, t in enumerate(texts, 1))


def test_the_cover_has_the_marks_table_and_the_marking_rule_printed_once(full_paper: Paper,
                                                                          paper_bytes: bytes) -> None:
    texts = page_texts(paper_bytes)
    cover = re.sub(r"\s+", " ", texts[0])
    for words in ("Deep Learning", "Midterm", "90 minutes", "one A4 sheet", "Scored", "Total", "(bonus)",
                  "all or nothing"):
        assert words in cover
    everything = re.sub(r"\s+", " ", "\n".join(texts))
    assert everything.count(MARKING_RULE[:40]) == 1
    assert str(full_paper.marks) in cover


def test_each_question_says_whether_a_calculator_is_allowed(full_paper: Paper, paper_bytes: bytes) -> None:
    text = "\n".join(page_texts(paper_bytes))
    allowed = sum(e.question.calculator for e in full_paper.entries)
    assert text.count("calculator allowed") == allowed
    assert text.count("no calculator") == len(full_paper.entries) - allowed


def test_text_a_user_typed_is_printed_as_typed_never_run_as_typst(renderer: pdf.PdfRenderer) -> None:
    odd = '#panic("x") $x$ [a] *b* \\ "q" @ref <l> // not a comment'
    paper = Paper(ExamInfo(id="e", course=odd, title=odd, aids=odd), odd, odd, "0", (
        PaperSection(odd, "negative", (Entry("1", "k", _bank_questions(1)[0]),)),))
    text = re.sub(r"\s+", " ", "\n".join(page_texts(renderer.paper(paper))))
    assert odd in text


# -- answer boxes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "answer", "expected"), [
    ("integer", 5, "dl-line()"),
    ("number", {"exact": "1/3", "value": 1 / 3}, "dl-line()"),
    ("shape", [16, 32, 12, 3], "dl-shape(4)"),
    ("vector", [1, 2, 3], "dl-vector(3)"),
    ("matrix", [[1, 2, 3], [4, 5, 6]], "dl-matrix(2, 3)"),
    ("table", {"velocity": [1, 2]}, 'dl-named(("velocity", ))'),
    ("design", {"w": [1, 1], "b": 0}, "dl-area(48mm)"),
    ("text", "because", "dl-lines(4)"),
])
def test_an_answer_box_is_sized_by_the_kind_and_the_shape_of_the_answer(kind: str, answer: object,
                                                                        expected: str) -> None:
    assert answer_box(Part("p", kind, answer))[0] == expected


def test_a_choice_part_has_a_lettered_box_per_option_and_true_false_has_two() -> None:
    box, _ = answer_box(Part("p", "choices", ["a"], options=("x", "y", "z")))
    assert [m for m in re.findall(r'dl-option\("(\w)"', box)] == ["a", "b", "c"]
    box, _ = answer_box(Part("p", "true_false", True))
    assert re.findall(r'dl-option\("(\w)"', box) == ["a", "b"]


# -- keys -------------------------------------------------------------------------------------------


def test_the_key_gives_each_part_its_answer_notes_and_the_worked_solution(renderer: pdf.PdfRenderer) -> None:
    q = dlexam.question("conv.output_shape", seed=1)
    std = dlexam.question("init.variance", seed=2).part("std").answer
    paper = make_paper(topics=["conv.output_shape", "init.variance"], items=1)
    text = re.sub(r"\s+", " ", "\n".join(page_texts(renderer.key(paper))))
    assert " × ".join(map(str, q.parts[0].answer)) in text
    assert "Per dimension" in text and "Worked solution" in text and "seed 1" in text
    assert "9f2c41d0" in text  # the variant's seed
    assert all(step.title in text for step in q.solution)
    assert number(std) in text and ("≈" in number(std) or "=" in number(std))  # exact and decimal


def test_the_ta_key_prints_each_distinct_variant_once_with_its_students(renderer: pdf.PdfRenderer) -> None:
    same_a = make_paper("s1", topics=["pool.output_shape"], items=2, seed=5)
    same_b = make_paper("s2", topics=["pool.output_shape"], items=2, seed=5)
    other = make_paper("s3", topics=["pool.output_shape"], items=2, seed=9)
    data = renderer.ta_key([same_a, same_b, other])
    text = re.sub(r"\s+", " ", "\n".join(page_texts(data)))
    assert "Variant 1.1 (concept item" in text and "s1, s2, s3" in text  # concept items: one variant
    assert re.search(r"Variant 3\.1 \(pool\.output_shape, seed 5\): s1, s2", text)
    assert re.search(r"Variant 3\.2 \(pool\.output_shape, seed 9\): s3", text)
    assert [pdf.parse_qr_payload(t) for t in qr_codes(data)[0]] == [pdf.QrPayload("dl-mid-26", "*", 1, True)]


def test_the_ta_key_shows_a_table_when_a_question_has_many_variants(renderer: pdf.PdfRenderer) -> None:
    papers = [make_paper(f"s{i}", topics=["conv.output_shape"], items=0, seed=i) for i in range(6)]
    text = re.sub(r"\s+", " ", "\n".join(page_texts(renderer.ta_key(papers))))
    assert "6 variants" in text and "Grading notes" in text
    for i, p in enumerate(papers):
        assert f"1.{i + 1} s{i}" in text
        assert " × ".join(map(str, p.entries[0].question.parts[0].answer)) in text


def test_a_ta_key_needs_papers() -> None:
    with pytest.raises(ValueError, match="at least one paper"):
        pdf.ta_key_pdf([])


def test_a_page_a_question_runs_onto_says_which_question_continues(paper_bytes: bytes) -> None:
    texts = page_texts(paper_bytes)
    started: dict[str, int] = {}
    continued = 0
    for page, text in enumerate(texts, 1):
        label = re.search(r"Question (\d+) \(continued\)", text)
        if label:
            continued += 1
            assert started[label.group(1)] < page  # it began on an earlier page
        for started_here in re.findall(r"Question (\d+)\b(?! \(continued)", text):
            started.setdefault(started_here, page)
    assert continued >= 1 and "(continued)" not in texts[0]
