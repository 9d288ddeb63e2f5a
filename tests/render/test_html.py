"""The exam as HTML: every topic and bank item renders into a page that parses, loads
nothing from anywhere, shows the questions, and shows the answers only in the key; the
math converts without a single fallback; the cached (skeleton) paths of the math and
Markdown converters give exactly what the direct paths give."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.bank import load_bank
from dlexam.model import Entry, ExamInfo, Paper, PaperSection, Question
from dlexam.render import _html_boxes, _key_text, _md_html
from dlexam.render._mathml import MathError, _direct, mathml
from dlexam.render.html import paper_html

TOPICS = [t.id for t in dlexam.all_topics()]
INFO = ExamInfo("dl-mid", "Deep Learning", "Midterm", "2026-11-02", 60,
                "Answer **every** question.\n\n- Show your working.", "one sheet of notes", 100)
_MATH = re.compile(r"(?ms)^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$|(`+).+?(?<!`)\2(?!`)|\\[\\$]"
                   r"|\$\$(.+?)\$\$|\$((?:\\.|[^$\\])+?)\$")


@cache
def bank_questions() -> tuple[Question, ...]:
    return tuple(item.to_question() for item in load_bank())


def paper_of(questions: list[Question], *, name: str = "Ada Lovelace", sid: str = "s001",
             policy: str = "all_or_nothing") -> Paper:
    """Questions split into two sections (the second with `policy`), the last one a bonus."""
    half = max(1, len(questions) // 2)
    entries = [Entry(str(i + 1), f"q{i + 1}", q, bonus=i == len(questions) - 1)
               for i, q in enumerate(questions)]
    sections = (PaperSection("Beginner", "all_or_nothing", tuple(entries[:half])),
                PaperSection("Advanced", policy, tuple(entries[half:])))
    return Paper(INFO, sid, name, "ab12cd", sections)


def seed_paper(seed: int) -> Paper:
    bank = bank_questions()
    return paper_of([dlexam.question(t, seed=seed) for t in TOPICS] + list(bank[seed::40]))


class Page(HTMLParser):
    """Parses a page, checks every element is closed in order, and keeps its text and tags."""

    VOID: ClassVar[set[str]] = {"meta", "input", "br", "hr", "img", "link", "col", "wbr", "source", "area",
                                "base"}

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()
        assert not self.stack, f"unclosed elements: {self.stack[-5:]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def assert_self_contained(page: str) -> None:
    parsed = Page(page)
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "iframe", "img", "object", "embed", "base"), tag
        for attr in ("src", "href", "action", "xlink:href", "srcset"):
            assert attr not in attrs, f"<{tag} {attr}=…>"
    assert "<script" not in page.lower()
    style = page[page.index("<style>"):page.index("</style>")]
    assert not re.search(r"(?i)url\(|@import|https?:", style)
    for tag in re.findall(r"<[A-Za-z][^>]*>", page):  # the tags as written, whatever the parser makes of them
        assert not re.search(r"(?i)\s(src|href|action)\s*=", tag), tag


def prose_words(markdown: str) -> list[str]:
    """Plain words of a Markdown text (math, code and markup cut out) a page must show."""
    text = _MATH.sub(" ", markdown)
    text = re.sub(r"\|[^\n]*\|", " ", text)  # table rows: cells may be math or code
    return [w for w in re.findall(r"[A-Za-z]{4,}", text)]


@pytest.mark.parametrize("seed", range(10))
def test_every_topic_renders_a_page_and_a_key_that_parse_and_load_nothing(seed: int) -> None:
    paper = seed_paper(seed)
    for key in (False, True):
        assert_self_contained(paper_html(paper, key=key))
    assert not _md_html.FALLBACKS


def test_every_bank_item_renders_under_every_policy() -> None:
    for policy in ("all_or_nothing", "per_option", "negative"):
        paper = paper_of(list(bank_questions()), policy=policy)
        for key in (False, True):
            page = paper_html(paper, key=key)
            assert_self_contained(page)
            assert _key_text.policy_text(policy) in Page(page).all_text
    assert not _md_html.FALLBACKS


@cache
def corpus_texts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(blocks, inlines): every text of every topic at seeds 0..49 and of every bank item."""
    blocks: list[str] = []
    inlines: list[str] = []
    for q in [dlexam.question(t, seed=s) for t in TOPICS for s in range(50)] + list(bank_questions()):
        blocks += [q.prompt, *(s.text for s in q.solution)]
        blocks += [str(p.answer) for p in q.parts if p.kind == "text"]
        inlines += [p.prompt for p in q.parts] + [o for p in q.parts for o in p.options]
        inlines += [s.title for s in q.solution] + [c.text for p in q.parts for c in p.rubric]
    return tuple(blocks), tuple(inlines)


def test_latex2mathml_converts_every_expression_of_every_topic_and_bank_item() -> None:
    blocks, inlines = corpus_texts()
    failures: dict[str, str] = {}
    count = 0
    for text in blocks + inlines:
        for m in _MATH.finditer(text):
            latex, display = (m.group(3), True) if m.group(3) is not None else (m.group(4), False)
            if latex is None:
                continue
            count += 1
            try:
                direct = _direct(latex, display)
            except MathError as e:
                failures[latex] = e.reason
                continue
            assert mathml(latex, display=display) == direct, latex  # the skeleton cache is exact
    assert count > 10_000
    assert not failures, f"unsupported LaTeX: {failures}"


def test_markdown_through_the_skeleton_cache_equals_markdown_rendered_directly() -> None:
    blocks, inlines = corpus_texts()
    for text in blocks:
        assert _md_html.block(text) == _md_html._direct(text, False), text
    for text in inlines:
        assert _md_html.inline(text) == _md_html._direct(text, True), text
    assert not _md_html.FALLBACKS


fragments = st.sampled_from([
    "1. ", "- ", "* ", "> ", "\n", "\n\n", "  \n", "    ", "\t", "12", "3.5", "-7", "0.25", "x", "word ",
    "**", "*", "_", "__", "`", "``", "```\n", "~~~", "$", "$$", "$x_1$", "$\\frac{3}{4}$", "$a*b*c$",
    "$\\frac12$", "$x^23$", "$2^{10}$", "\\$", "\\\\", "|", "| a | b |\n|---|---|\n", "<b>", "<script>",
    "&", "&#123;", "&frac12;", "&amp;", "[x](http://e.com)", "![i](https://e.com/a.png)", "<http://e.com>",
    "#", "## ", "(", ")", "\ue000", "\ue001", "1)", "10.", " 2.", "=", "\\(", "{", "}", "é", "∂",
])
texts = st.lists(fragments, max_size=30).map("".join) | st.text(max_size=60)


@given(texts)
def test_any_markdown_renders_the_same_through_the_cache_and_never_emits_a_tag_of_its_own(text: str) -> None:
    for one_line in (False, True):
        out = _md_html._render(text, one_line)
        assert out == _md_html._direct(text, one_line)
        assert "<script" not in out and "<img" not in out and "href=" not in out and "src=" not in out


latex = st.lists(st.sampled_from([
    "1", "2", "12", "3.5", "0", "x", "y_1", "^", "_", "{", "}", "\\frac", "\\frac12", "\\sqrt", "\\cdot",
    "+", "-", "(", ")", "\\left(", "\\right)", " ", "\\text{step 3}", "\\mathrm{ReLU}", "\\hat", "[",
    "]", "&", "\\\\", "\\begin{bmatrix}", "\\end{bmatrix}", "\\sum_{i=1}^{n}", "\\le", "10^{-5}",
    "\\tfrac", "\\mathbf", "-3", "(-2.5)", "--", "\\big(", "\\text{-3}", "\\mathrm{d}", "x2", "e-",
    "1.2.3", "'", "^2", "_1", "\\binom", "\\overset", "\\sqrt[3]", "\\quad",
]), max_size=20).map("".join)


@given(latex)
def test_the_math_skeleton_cache_gives_what_a_direct_conversion_gives(tex: str) -> None:
    try:
        direct = _direct(tex, False)
    except MathError:
        with pytest.raises(MathError):
            mathml(tex)
        return
    assert mathml(tex) == direct


def test_an_unknown_command_is_shown_as_latex_source_and_counted_never_dropped() -> None:
    before = sum(_md_html.FALLBACKS.values())
    out = _md_html.inline(r"see $\foobar{x} + 1$ here")
    assert '<code class="tex"' in out and r"\foobar{x} + 1" in out
    assert sum(_md_html.FALLBACKS.values()) == before + 1
    _md_html.FALLBACKS.clear()


def test_math_in_markdown_keeps_its_underscores_stars_and_bars() -> None:
    out = _md_html.block("Let $a_1 * b_2 = c_1 * d_2$ and | $x|y$ |\n\n`$not math$` costs \\$5")
    assert "<em>" not in out
    assert out.count("<math") == 2 and "<code>$not math$</code>" in out and "costs $5" in out


def test_no_name_or_question_text_can_inject_markup() -> None:
    prompt = "<script>alert(1)</script> [x](http://e.com) <img src=x>"
    evil = Question("bank", "evil", {"item": "evil"}, prompt,
                    (dlexam.Part("answer", "choice", "a", 1, "<b>pick</b>", ("<i>one</i>", "two")),),
                    (dlexam.Step("<b>Why</b>", "<iframe src=//e.com></iframe>"),))
    paper = paper_of([evil], name="<script>alert(2)</script>", sid='"><img src=x>')
    for key in (False, True):
        page = paper_html(paper, key=key)
        assert_self_contained(page)
        text = Page(page).all_text
        assert "<script>alert(2)</script>" in text and "<script>alert(1)</script>" in text


@pytest.mark.parametrize("seed", [0, 5])
def test_the_page_shows_every_question_its_parts_and_its_marks(seed: int) -> None:
    paper = seed_paper(seed)
    text = Page(paper_html(paper)).all_text
    for entry in paper.entries:
        q = entry.question
        assert f"Question {entry.number}" in text
        for word in prose_words(q.prompt) + [w for p in q.parts for w in prose_words(p.prompt)]:
            assert word in text, (q.topic, word)
        for part in q.parts:
            for option in part.options:
                for word in prose_words(option):
                    assert word in text
    for cover in (paper.student_name, paper.student_id, INFO.course, INFO.title, INFO.aids, "Show your"):
        assert cover in text


def test_the_cover_has_a_marks_table_and_prints_the_marking_rule_once() -> None:
    paper = seed_paper(1)
    page = paper_html(paper)
    parsed = Page(page)
    rows = [a for t, a in parsed.tags if t == "td" and a.get("class") == "scored"]
    assert len(rows) == len(paper.entries) + 1  # one per question and the total
    assert page.count(_key_text.MARKING_RULE) == 1
    bonus = sum(e.marks for e in paper.entries if e.bonus)
    assert f"{paper.marks} + {bonus} bonus" in parsed.all_text


def test_the_key_shows_every_answer_and_the_paper_shows_none() -> None:
    paper = seed_paper(2)
    page, key = paper_html(paper), paper_html(paper, key=True)
    assert 'class="val"' not in page and "Worked solution" not in page
    assert not [a for t, a in Page(page).tags if t == "input" and "checked" in a]
    assert "Worked solution" in key and "ANSWER KEY" in key
    key_text = Page(key).all_text
    for entry in paper.entries:
        for part in entry.question.parts:
            if part.kind in ("integer", "number") and _html_boxes.is_number(part.answer):
                assert _key_text.number(part.answer) in key_text
            elif part.kind in ("choice", "choices", "true_false"):
                for letter in _key_text.right_letters(part):
                    assert f'value="{letter}" checked' in key
            elif part.kind == "text":
                assert prose_words(str(part.answer))[0] in key_text
                assert str(part.rubric[0].text)[:20] in key_text
    grading = key_text.count("Grading")
    assert grading == sum(len(e.question.parts) for e in paper.entries)


def test_the_layer_names_of_a_table_answer_are_printed_as_givens_on_the_paper() -> None:
    layers = dlexam.question("cnn.layer_table", seed=4)
    page = paper_html(paper_of([layers]))
    for row in layers.parts[0].answer:
        assert f'<span class="given">{row["layer"]}</span>' in page


def test_figures_are_inlined_as_svg() -> None:
    questions = [dlexam.question("mlp.sgd_step", seed=1), dlexam.question("conv.output_shape", seed=1)]
    page = paper_html(paper_of(questions))
    assert page.count("<svg") == 1 and '<figure class="figure"><svg' in page


def test_the_same_paper_gives_the_same_page() -> None:
    assert paper_html(seed_paper(3), key=True) == paper_html(seed_paper(3), key=True)
