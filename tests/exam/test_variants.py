"""Drawing papers: reproducible from the secret and the id, private without the secret,
picks and shuffles that keep every key right, and neighbours with different numbers."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections import Counter
from dataclasses import replace

import pytest

from dlexam.exam import (
    Spec,
    Student,
    derive_seed,
    draw_paper,
    draw_papers,
    draw_roster,
    pools,
    student_seed,
)
from dlexam.model import Paper
from dlexam.topics import question

from .conftest import BASE, SECRET, spec_of

STUDENTS = [Student(f"s{i:03d}", f"Student {i}") for i in range(60)]


def _json(paper: Paper) -> str:
    return json.dumps(paper.to_dict(), sort_keys=True)


def test_the_student_seed_is_the_hmac_of_the_secret_and_the_id(base_spec: Spec) -> None:
    expected = hmac.new(SECRET.encode(), b"s001", hashlib.sha256).hexdigest()
    assert student_seed(SECRET, "s001") == expected
    assert draw_paper(base_spec, STUDENTS[1]).seed == expected


def test_a_paper_is_reproduced_exactly_from_the_secret_and_the_id(base_spec: Spec) -> None:
    again = spec_of()
    for s in STUDENTS[:5]:
        assert _json(draw_paper(base_spec, s)) == _json(draw_paper(again, s))


def test_a_drawn_question_is_the_topic_at_the_seed_the_paper_records(base_spec: Spec) -> None:
    paper = draw_paper(base_spec, STUDENTS[0])
    entry = next(e for e in paper.entries if e.key == "s1q2")
    assert entry.question.seed == derive_seed(SECRET, "s000/s1q2")
    assert entry.question == question("pool.output_shape", seed=entry.question.seed)


def test_another_secret_gives_other_papers_so_a_classmates_id_reveals_nothing() -> None:
    other = spec_of(BASE.replace(SECRET, "another-secret-of-enough-length"))
    base = spec_of()
    for s in STUDENTS[:5]:
        a, b = draw_paper(base, s), draw_paper(other, s)
        assert a.seed != b.seed
        assert a.seed != hashlib.sha256(s.id.encode()).hexdigest()  # not a plain hash of the public id
        assert _json(a) != _json(b)


def test_students_get_different_numbers(base_spec: Spec) -> None:
    params = {json.dumps(e.question.params) for p in draw_papers(base_spec, STUDENTS)
              for e in p.entries if e.key == "s1q2"}
    assert len(params) > 40


def test_every_paper_has_every_slot_once_numbered_in_order_with_the_spec_marks(base_spec: Spec) -> None:
    for paper in draw_papers(base_spec, STUDENTS[:20]):
        assert sorted(e.key for e in paper.entries) == sorted(s.key for s in base_spec.slots)
        assert [e.number for e in paper.entries] == [str(i) for i in range(1, len(paper.entries) + 1)]
        assert paper.marks == base_spec.total_marks
        assert paper.exam.total_marks == base_spec.total_marks


def test_shuffled_sections_change_the_order_but_not_the_questions(base_spec: Spec) -> None:
    orders = {tuple(e.key for e in p.entries) for p in draw_papers(base_spec, STUDENTS[:20])}
    assert len(orders) > 5


def test_bonus_questions_stay_where_the_spec_puts_them() -> None:
    text = BASE.replace('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nbonus = true')
    spec = spec_of(text)
    assert spec.total_marks == spec_of().total_marks - spec.slots[1].marks
    for paper in draw_papers(spec, STUDENTS[:20]):
        assert paper.entries[1].key == "s1q2" and paper.entries[1].bonus


# -- picks -----------------------------------------------------------------------------------

def test_picks_respect_tags_and_level_and_never_repeat_an_item() -> None:
    text = BASE.replace('pick = { count = 2, tags = ["gan"] }\nmarks = 1',
                        'pick = { count = 2, tags = ["gan"], level = "advanced" }\nmarks = 1\n'
                        '[[sections.questions]]\npick = { count = 1, tags = ["gan"] }\nmarks = 1')
    spec = spec_of(text)
    bank = spec.bank
    seen: Counter[str] = Counter()
    for paper in draw_papers(spec, STUDENTS):
        items = [e.question.params["item"] for e in paper.entries if e.question.topic == "bank"]
        assert len(items) == len(set(items))
        for e in paper.entries:
            if e.key in ("s1q4", "s1q5"):
                item = bank.get(e.question.params["item"])
                assert "gan" in item.tags and item.level == "advanced"
                seen[item.id] += 1
            if e.key == "s1q6":
                assert "gan" in bank.get(e.question.params["item"]).tags
    assert len(seen) == 3  # every advanced gan item with 1 mark turns up


def test_an_item_placed_by_id_is_never_picked_again() -> None:
    text = BASE.replace('item = "activations.dead-relu"', 'item = "gan.minimax-objective"')
    for paper in draw_papers(spec_of(text), STUDENTS):
        items = [e.question.params["item"] for e in paper.entries if e.question.topic == "bank"]
        assert items.count("gan.minimax-objective") == 1


# -- shuffled options ----------------------------------------------------------------------

def test_shuffled_options_keep_every_key_pointing_at_the_same_option(base_spec: Spec) -> None:
    bank = base_spec.bank
    moved = 0
    for paper in draw_papers(base_spec, STUDENTS):
        for e in paper.entries:
            if e.question.topic != "bank":
                continue
            item, part = bank.get(e.question.params["item"]), e.question.parts[0]
            assert sorted(part.options) == sorted(item.options)
            if item.kind == "single":
                assert part.options[ord(part.answer) - 97] == item.option(str(item.answer))
            elif item.kind == "multi":
                assert isinstance(item.answer, tuple)
                chosen = {part.options[ord(a) - 97] for a in part.answer}
                assert chosen == {item.option(a) for a in item.answer}
            moved += part.options != item.options
    assert moved > 20


def test_options_stay_in_bank_order_when_the_section_does_not_shuffle_them() -> None:
    spec = spec_of(BASE.replace("shuffle_options = true", "shuffle_options = false"))
    for paper in draw_papers(spec, STUDENTS[:10]):
        for e in paper.entries:
            if e.question.topic == "bank":
                assert e.question == spec.bank.get(e.question.params["item"]).to_question()


# -- neighbours ------------------------------------------------------------------------------

LOW_VARIETY = BASE.replace('topic = "pool.output_shape"', 'topic = "relu.linear_regions"')


def test_neighbours_in_the_roster_never_share_a_drawn_questions_numbers() -> None:
    spec = spec_of(LOW_VARIETY)
    students = [Student(f"n{i}", "") for i in range(300)]
    papers, redraws = draw_roster(spec, students)
    assert redraws, "a topic with few variants must have clashed somewhere in 300 students"
    for a, b in itertools.pairwise(papers):
        assert a.entries and _params(a, "s1q2") != _params(b, "s1q2")
    for r in redraws:
        paper = next(p for p in papers if p.student_id == r.student_id)
        assert r.key == "s1q2" and _seed(paper, "s1q2") != derive_seed(SECRET, f"{r.student_id}/s1q2")


def test_a_redrawn_paper_is_what_drawing_it_after_its_neighbour_gives() -> None:
    spec = spec_of(LOW_VARIETY)
    students = [Student(f"n{i}", "") for i in range(120)]
    papers = draw_papers(spec, students)
    chained: list[Paper] = []
    for s in students:
        chained.append(draw_paper(spec, s, previous=chained[-1] if chained else None))
    assert [_json(p) for p in chained] == [_json(p) for p in papers]


def _params(paper: Paper, key: str) -> object:
    return next(e.question.params for e in paper.entries if e.key == key)


def _seed(paper: Paper, key: str) -> object:
    return next(e.question.seed for e in paper.entries if e.key == key)


def test_where_keeps_only_variants_with_the_given_params() -> None:
    text = BASE.replace('topic = "pool.output_shape"', 'topic = "init.variance"\nwhere = { scheme = "he" }')
    for paper in draw_papers(spec_of(text), STUDENTS[:30]):
        assert _params(paper, "s1q2")["scheme"] == "he"  # type: ignore[index]


def test_drawing_in_two_processes_gives_the_same_papers() -> None:
    spec = spec_of(LOW_VARIETY)
    students = [Student(f"p{i}", "") for i in range(120)]
    assert [_json(p) for p in draw_papers(spec, students, workers=2)] == \
        [_json(p) for p in draw_papers(spec, students)]


# -- pools for LMS export ----------------------------------------------------------------------

def test_pools_give_one_variant_for_fixed_questions_and_distinct_ones_for_drawn(base_spec: Spec) -> None:
    out = pools(base_spec, 12)
    assert [p.key for p in out] == [s.key for s in base_spec.slots]
    assert [p.number for p in out] == ["1", "2", "3", "4", "5"]
    assert len(out[0].variants) == 1 and out[0].variants[0].seed is None
    drawn = out[1].variants
    assert len(drawn) == 12 and len({json.dumps(q.params) for q in drawn}) == 12
    assert all(q == question("pool.output_shape", seed=q.seed) for q in drawn)
    assert out[2].variants[0].params == {"item": "activations.dead-relu"}
    picked = [q.params["item"] for p in out[3:] for q in p.variants]
    assert len(picked) == len(set(picked)) and all(p.variants for p in out[3:])
    assert all(p.section == "One" and p.policy == "all_or_nothing" for p in out)


def test_pools_carry_the_spec_marks() -> None:
    spec = spec_of(BASE.replace('topic = "pool.output_shape"', 'topic = "params.count"\nmarks = 6'))
    assert all(q.marks == 6 for q in pools(spec, 5)[1].variants)


def test_pools_refuse_a_nonsense_variant_count(base_spec: Spec) -> None:
    with pytest.raises(Exception, match="positive integer"):
        pools(base_spec, 0)


def test_marks_from_the_spec_reach_every_variant() -> None:
    spec = spec_of(BASE.replace('topic = "pool.output_shape"', 'topic = "cnn.layer_table"\n'
                                'marks = { rows = 4 }'))
    for paper in draw_papers(spec, STUDENTS[:30]):
        q = next(e.question for e in paper.entries if e.key == "s1q2")
        assert q.part("rows").marks == 4 and q.marks == spec.slots[1].marks


def test_an_unchanged_question_keeps_its_variant_when_another_question_changes(base_spec: Spec) -> None:
    other = spec_of(BASE.replace("kernel = 3 }", "kernel = 5 }"))
    for s in STUDENTS[:5]:
        a, b = draw_paper(base_spec, s), draw_paper(other, s)
        assert _params(a, "s1q2") == _params(b, "s1q2")
        assert replace(a, sections=()) == replace(b, sections=())
