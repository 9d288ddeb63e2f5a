"""One paper per student, drawn from the spec with keyed hashes of the exam secret.

    papers = draw_papers(spec, read_roster("roster.csv"))   # roster order matters, see below
    paper = draw_paper(spec, student)                      # one student alone
    lms = pools(spec, 20)                                   # every slot with up to 20 variants

A student's seed is HMAC-SHA256(secret, student id): the instructor recomputes it from
the secret; a student who knows a classmate's id cannot, without the secret. Everything
random on a paper comes from its own HMAC label, never from global randomness:
`"{student}/{key}"` gives a drawn question's seed (`"{student}/{key}/{n}"` the n-th
redraw), `"{student}/picks"` the concept items, `"{student}/s{i}/order"` a section's
question order and `"{student}/{key}/options"` an item's option order. So changing one
question of the spec leaves every other question of every paper as it was.

`draw_papers` also makes sure that no two students next to each other in the roster
(next to each other in the room, usually) get the same numbers for a drawn question:
the later one is redrawn with the next label, deterministically, and the seed used is
kept on the question (`Question.seed`), so a paper can always be rebuilt from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from ..bank import Item
from ..errors import DlexamError
from ..model import Entry, Paper, PaperSection, Pool, Question
from ..topics import get_topic
from ._base import Slot
from ._questions import assign, matches, same
from ._shuffle import shuffle_options
from .roster import Student
from .spec import Spec

__all__ = ["Redraw", "derive_seed", "draw_independent", "draw_paper", "draw_papers", "draw_roster",
           "keep_apart", "pools", "student_seed"]

MAX_DRAWS = 2000  # candidate seeds tried for one drawn question (a `where` keeps ≥ 1% of draws)
CHUNK = 50  # students per task when drawing in parallel


@dataclass(frozen=True)
class Redraw:
    """A drawn question that came out with the same numbers as the roster neighbour's and
    was drawn again; `tries` counts the draws it took."""

    student_id: str
    key: str
    neighbour_id: str
    tries: int


def _mac(secret: str, label: str) -> str:
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()


def student_seed(secret: str, student_id: str) -> str:
    """The hex digest a student's paper is drawn from (it goes into the manifest)."""
    return _mac(secret, student_id)


def derive_seed(secret: str, label: str) -> int:
    """A 60-bit seed for `label` ("{student}/{key}", ...): the first 15 hex digits."""
    return int(_mac(secret, label)[:15], 16)


def _nth_seed(spec: Spec, label: str, n: int) -> int:
    return derive_seed(spec.secret, f"{label}/{n}" if n else label)


def _rng(secret: str, label: str) -> random.Random:
    return random.Random(derive_seed(secret, label))


@lru_cache(maxsize=8192)
def _built(topic_id: str, params_json: str) -> Question:
    """Low-variety topics repeat params across a class: build each variant once."""
    return get_topic(topic_id).build(json.loads(params_json))


@cache
def _item_question(item: Item) -> Question:
    return item.to_question()


def _with_marks(q: Question, slot: Slot) -> Question:
    marks = dict(slot.part_marks)
    if all(marks.get(p.id, p.marks) == p.marks for p in q.parts):
        return q
    return replace(q, parts=tuple(replace(p, marks=marks.get(p.id, p.marks)) for p in q.parts))


def _pinned(spec: Spec, slot: Slot) -> Question:
    assert slot.topic is not None
    return _with_marks(_built(slot.topic, json.dumps(slot.params, sort_keys=True, default=str)), slot)


def _drawn(spec: Spec, slot: Slot, label: str, avoid: Any = None, start: int = 0) -> tuple[Question, int]:
    """The question drawn for `label`: the first of the seeds of "{label}", "{label}/1",
    "{label}/2", … (from the `start`-th) whose params fit the slot's `where` and differ
    from `avoid`; also how many draws equalled `avoid`."""
    assert slot.topic is not None
    topic = get_topic(slot.topic)
    clashes = 0
    for n in range(start, start + MAX_DRAWS):
        seed = _nth_seed(spec, label, n)
        params = topic.draw(seed)
        if not matches(topic, params, slot.where):
            continue
        if avoid is not None and same(params, avoid):
            clashes += 1
            continue
        q = _built(slot.topic, json.dumps(params, sort_keys=True))
        return replace(_with_marks(q, slot), seed=seed), clashes
    raise DlexamError(f"{spec.path}:{slot.line}: {slot.topic}: no variant in {MAX_DRAWS} draws fits `where` "
                      f"for {label.split('/')[0]}; relax where or pin params")


def _picked(spec: Spec, slots: Sequence[Slot], rng: random.Random) -> dict[str, str]:
    """One distinct item per pick slot (key → item id)."""
    options = []
    for slot in slots:
        assert slot.pick is not None
        candidates = list(slot.pick.candidates)
        rng.shuffle(candidates)
        options.append(candidates)
    chosen = assign(options)
    if None in chosen:  # load_spec checked this; a bank changed underneath would land here
        raise DlexamError(f"{spec.path}: the picks cannot be filled without repeating an item")
    return {slot.key: str(item) for slot, item in zip(slots, chosen, strict=True)}


def _independent(spec: Spec, student: Student) -> Paper:
    """The student's paper as if they sat alone."""
    secret, sid = spec.secret, student.id
    picks = _picked(spec, [s for s in spec.slots if s.pick is not None], _rng(secret, f"{sid}/picks"))
    sections, number = [], 0
    for i, section in enumerate(spec.sections, 1):
        order = list(section.slots)
        if section.shuffle_questions:
            movable = [k for k, s in enumerate(order) if not s.bonus]
            moved = [order[k] for k in movable]
            _rng(secret, f"{sid}/s{i}/order").shuffle(moved)
            for k, s in zip(movable, moved, strict=True):
                order[k] = s
        entries = []
        for slot in order:
            if slot.source == "drawn":
                q = _drawn(spec, slot, f"{sid}/{slot.key}")[0]
            elif slot.source == "pinned":
                q = _pinned(spec, slot)
            else:
                item_id = slot.item if slot.source == "item" else picks[slot.key]
                assert item_id is not None
                q = _with_marks(_item_question(spec.bank.get(item_id)), slot)
                if section.shuffle_options:
                    q = shuffle_options(q, _rng(secret, f"{sid}/{slot.key}/options"))
            number += 1
            entries.append(Entry(str(number), slot.key, q, slot.bonus))
        sections.append(PaperSection(section.title, section.policy, tuple(entries)))
    return Paper(spec.info, sid, student.name, student_seed(secret, sid), tuple(sections))


def _apart(spec: Spec, paper: Paper, previous: Paper) -> tuple[Paper, list[Redraw]]:
    """`paper` with every drawn question that repeats `previous`'s numbers drawn again,
    continuing the student's own sequence of seeds (so the result is the same as if the
    clash had been skipped while drawing)."""
    before = {e.key: e.question.params for e in previous.entries}
    slots = {s.key: s for s in spec.slots if s.source == "drawn"}
    redraws: list[Redraw] = []
    sections = []
    for section in paper.sections:
        entries = []
        for entry in section.entries:
            slot = slots.get(entry.key)
            if slot is not None and entry.key in before and same(entry.question.params, before[entry.key]):
                label = f"{paper.student_id}/{entry.key}"
                used = next(n for n in range(MAX_DRAWS) if _nth_seed(spec, label, n) == entry.question.seed)
                q, clashes = _drawn(spec, slot, label, before[entry.key], start=used + 1)
                entry = replace(entry, question=q)
                redraws.append(Redraw(paper.student_id, entry.key, previous.student_id, clashes + 2))
            entries.append(entry)
        sections.append(replace(section, entries=tuple(entries)))
    return replace(paper, sections=tuple(sections)), redraws


def draw_paper(spec: Spec, student: Student, *, previous: Paper | None = None) -> Paper:
    """`student`'s paper. With `previous` (the paper of the student before in the roster),
    no drawn question repeats that paper's numbers."""
    paper = _independent(spec, student)
    return paper if previous is None else _apart(spec, paper, previous)[0]


def _draw_chunk(spec: Spec, students: Sequence[Student]) -> list[Paper | str]:
    out: list[Paper | str] = []
    for student in students:
        try:
            out.append(_independent(spec, student))
        except DlexamError as e:
            out.append(f"{student.id}: the paper cannot be drawn: {e}")
    return out


def draw_independent(spec: Spec, students: Sequence[Student], *, workers: int = 1) -> list[Paper | str]:
    """Each student's paper as if they sat alone (or the one-line reason it cannot be
    drawn), over `workers` processes (spawned: a forked pool can hang after typst ran)."""
    if workers <= 1 or len(students) < 2 * CHUNK:
        return _draw_chunk(spec, students)
    chunks = [students[i:i + CHUNK] for i in range(0, len(students), CHUNK)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [p for done in pool.map(_draw_chunk, [spec] * len(chunks), chunks) for p in done]


def keep_apart(spec: Spec, papers: Sequence[Paper]) -> tuple[list[Paper], list[Redraw]]:
    """`papers` (in roster order) with neighbours' shared numbers redrawn, and the redraws."""
    out: list[Paper] = []
    redraws: list[Redraw] = []
    for paper in papers:
        if out:
            paper, again = _apart(spec, paper, out[-1])
            redraws += again
        out.append(paper)
    return out, redraws


def draw_roster(spec: Spec, students: Sequence[Student], *,
                workers: int = 1) -> tuple[list[Paper], list[Redraw]]:
    """Every student's paper in roster order, and the redraws that kept neighbours apart."""
    drawn = draw_independent(spec, students, workers=workers)
    failed = [p for p in drawn if isinstance(p, str)]
    if failed:
        raise DlexamError(failed[0])
    return keep_apart(spec, [p for p in drawn if isinstance(p, Paper)])


def draw_papers(spec: Spec, students: Sequence[Student], *, workers: int = 1) -> list[Paper]:
    """Every student's paper, neighbours in the roster never sharing a drawn question's numbers."""
    return draw_roster(spec, students, workers=workers)[0]


def pools(spec: Spec, n_variants: int) -> list[Pool]:
    """Every slot of the exam, in spec order, with the variants an LMS may draw from: one
    for a pinned topic or an item placed by id, up to `n_variants` distinct ones for a
    drawn topic, and for picks the candidate items shared out so that no item is in two
    pools (a quiz never shows one twice). Options are not shuffled: LMSs do that."""
    if isinstance(n_variants, bool) or not isinstance(n_variants, int) or n_variants < 1:
        raise DlexamError("the number of variants per question must be a positive integer, "
                          f"got {n_variants!r}")
    picked = _pool_picks(spec, n_variants)
    out, number = [], 0
    for section in spec.sections:
        for slot in section.slots:
            number += 1
            if slot.source == "drawn":
                variants = _pool_drawn(spec, slot, n_variants)
            elif slot.source == "pinned":
                variants = [_pinned(spec, slot)]
            else:
                ids = [slot.item] if slot.item else picked[slot.key]
                variants = [_with_marks(_item_question(spec.bank.get(str(i))), slot) for i in ids]
            out.append(Pool(str(number), slot.key, section.title, section.policy, tuple(variants),
                            slot.bonus))
    return out


def _pool_drawn(spec: Spec, slot: Slot, n_variants: int) -> list[Question]:
    seen: list[Any] = []
    variants: list[Question] = []
    for n in range(20 * n_variants):
        q, _ = _drawn(spec, slot, f"pool/{slot.key}/{n}")
        if not any(same(q.params, p) for p in seen):
            seen.append(q.params)
            variants.append(q)
            if len(variants) == n_variants:
                break
    return variants


def _pool_picks(spec: Spec, n_variants: int) -> dict[str, list[str]]:
    slots = [s for s in spec.slots if s.pick is not None]
    rng = _rng(spec.secret, "pool/picks")
    first = _picked(spec, slots, rng)
    share: dict[str, list[str]] = {key: [item] for key, item in first.items()}
    taken = set(first.values())
    for slot in slots:
        assert slot.pick is not None
        rest = [c for c in slot.pick.candidates if c not in taken]
        rng.shuffle(rest)
        for item in rest:  # each left-over item goes to the emptiest pool that may hold it
            fits = [s for s in slots if s.pick is not None and item in s.pick.candidates
                    and len(share[s.key]) < n_variants]
            if fits:
                share[min(fits, key=lambda s: len(share[s.key])).key].append(item)
                taken.add(item)
    return share
