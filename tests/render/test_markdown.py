"""Markdown: a question with its key (`to_markdown`), and a whole paper or answer key
(`paper_markdown`) that shows every question, a box per number to fill in, and the answers,
grading notes and worked solutions only in the key."""

from __future__ import annotations

import re

import dlexam
from dlexam.bank import load_bank
from dlexam.model import Entry, ExamInfo, Paper, PaperSection
from dlexam.render import _key_text
from dlexam.render.markdown import paper_markdown, to_markdown

INFO = ExamInfo("dl-mid", "Deep Learning", "Midterm", "2026-11-02", 60, "Answer **every** question.",
                "one sheet of notes", 100)


def paper(seed: int, name: str = "Ada Lovelace") -> Paper:
    items = [item.to_question() for item in list(load_bank())[seed::30]]
    topics = [dlexam.question(t.id, seed=seed) for t in dlexam.all_topics()]
    entries = [Entry(str(i + 1), f"q{i + 1}", q, bonus=i == 0) for i, q in enumerate(topics + items)]
    return Paper(INFO, "s042", name, "beef", (PaperSection("Beginner", "all_or_nothing", tuple(entries[:10])),
                                               PaperSection("Advanced", "per_option", tuple(entries[10:]))))


def test_a_question_still_renders_with_its_key_and_worked_solution() -> None:
    q = dlexam.question("conv.output_shape", seed=7)
    text = to_markdown(q)
    assert q.prompt in text and "### Answer key" in text and "### Worked solution" in text
    assert "### Answer key" not in to_markdown(q, solution=False)


def test_the_paper_shows_every_prompt_part_and_option_and_no_answer() -> None:
    p = paper(1)
    text = paper_markdown(p)
    assert "Ada Lovelace" in text and "s042" in text and INFO.instructions in text
    assert text.count(_key_text.MARKING_RULE) == 1
    for entry in p.entries:
        q = entry.question
        assert f"### Question {entry.number}" in text and q.prompt in text
        for part in q.parts:
            assert part.prompt in text
            for option in part.options:
                assert option in text
    assert "Worked solution" not in text and "**Answer:**" not in text and "- [x]" not in text


def test_the_key_shows_answers_grading_notes_and_worked_solutions() -> None:
    p = paper(2)
    text = paper_markdown(p, key=True)
    assert "answer key" in text and "`beef`" in text
    for entry in p.entries:
        for part in entry.question.parts:
            for note in _key_text.grading_notes(part, "per_option", entry.question.calculator)[:1]:
                if part.kind not in ("choice", "choices", "true_false"):
                    assert note in text
            if part.kind in ("integer", "number") and _key_text.is_number(part.answer):
                assert f"**Answer:** {_key_text.escape(_key_text.number(part.answer))}" in text
            if part.kind in ("choice", "choices", "true_false"):
                for letter in _key_text.right_letters(part):
                    assert f"- [x] **{letter})**" in text
        for step in entry.question.solution:
            assert step.text in text
    assert text.count("#### Worked solution") == sum(1 for e in p.entries if e.question.solution)


def test_a_shape_is_asked_as_one_box_per_dimension() -> None:
    q = dlexam.question("conv.output_shape", seed=3)
    p = Paper(INFO, "s1", "A", "x", (PaperSection("S", "negative", (Entry("1", "q1", q),)),))
    boxes = " × ".join(["☐"] * len(q.parts[0].answer))
    assert f"*Answer:* {boxes}" in paper_markdown(p)


def test_names_and_titles_are_escaped_so_they_print_as_typed() -> None:
    p = paper(0, name="*Bob* <b>_x_</b> | $5 & [link](http://e.com)")
    text = paper_markdown(p)
    line = next(row for row in text.splitlines() if row.startswith("| Student |"))
    for escaped in ("\\*Bob\\*", "\\<b\\>", "\\|", "\\$5", "\\[link\\]", "\\&"):
        assert escaped in line
    assert not re.search(r"(?<!\\)<b>", line)


def test_figures_are_inline_data_images_with_no_url() -> None:
    q = dlexam.question("mlp.sgd_step", seed=1)
    p = Paper(INFO, "s1", "A", "x", (PaperSection("S", "negative", (Entry("1", "q1", q),)),))
    text = paper_markdown(p)
    assert "](data:image/svg+xml;base64," in text and "http://" not in text.replace("http://www.w3.org", "")
