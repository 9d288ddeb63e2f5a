"""A paper is plain data: it survives a JSON round trip and counts its marks."""

from __future__ import annotations

import json

from dlexam import question
from dlexam.bank import load_bank
from dlexam.model import Entry, ExamInfo, Paper, PaperSection


def paper() -> Paper:
    item = next(iter(load_bank()))
    entries = (
        Entry("1", "s1q1", question("conv.output_shape", seed=1)),
        Entry("2", "s1q2", item.to_question()),
        Entry("3", "s1q3", question("mlp.sgd_step", seed=2), bonus=True),
    )
    info = ExamInfo("dl-quiz", "Deep Learning", "Quiz 1", "2026-12-01", 60, "Show your work.", "none", 10)
    return Paper(info, "s001", "Ada Lovelace", "ab12", (PaperSection("Beginner", "all_or_nothing", entries),))


def test_a_paper_round_trips_through_json() -> None:
    p = paper()
    assert Paper.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_bonus_questions_do_not_count_towards_the_papers_marks() -> None:
    p = paper()
    assert p.marks == sum(e.question.marks for e in p.entries[:2])
    assert len(p.entries) == 3
