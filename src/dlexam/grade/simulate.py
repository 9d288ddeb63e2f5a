"""Simulated cohorts: students of known ability answer an exam, and we know every mark they earn.

    cohort = simulate(papers, random.Random(1))          # papers: one dlexam.model.Paper per student
    cohort = cohort.with_problems(random.Random(2), duplicates=1, unknown_students=1)
    cohort.write_csv("answers.csv")                      # what `dlexam grade` reads
    cohort.expected[("s001", "s1q3", "shape")]           # Expected(marks, out_of, status, how)
    cohort.totals["s001"]                                # what the student's total must be

Per part a student answers right (more often the abler they are), wrong with a typical
mistake of the topic (ceil for floor, the MSE's ½ forgotten, the other momentum form;
`_sim_mistakes`) or an arithmetic slip (a sign, a factor of 2, one off), in an odd but valid
format (3/16, 1.875e-1, 2×12×248×83, {b,d}, T; `_sim_write`), with garbage, or not at all
(no row, or an empty one). The marks each answer earns are worked out here, without the
scorer, from the rules in score.py's docstring (`_sim_values`): a right answer earns full
marks, blank and garbage 0, a wrong value 0 unless it equals the key exactly, per-cell
credit for shapes, vectors, matrices and tables, and the section's policy for multiple
answers. Short answers stay awaiting a TA (0); a design is answered with the key's design.
A wrong value so close to the key that a tolerance might accept it is never used. Error
carried forward: see `_sim_mistakes` (no part another part builds on is ever wrong).

A dry run of an exam's grading (papers drawn without rendering, answers, expected marks):

    python -m dlexam.grade.simulate exam.toml --roster roster.csv --out dry [--seed 1]
    python -m dlexam.grade.simulate build/midterm --out dry      # the papers of a real build
    dlexam grade dry/built --answers dry/answers.csv --out dry/grades   # then compare dry/expected.csv

The bundled sample answers of `dlexam demo` (src/dlexam/examples/answers.csv) are made by

    python -m dlexam.grade.simulate --sample src/dlexam/examples/answers.csv
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exam import Spec, load_spec, read_roster, stress_test
from ..exam.build import manifest_entry
from ..model import Paper, Part, Question
from . import _sim_values as sv
from ._sim_cohort import Cohort, Expected, Row
from ._sim_mistakes import ONLY, mistakes
from ._sim_write import GARBAGE, GARBAGE_CHOICE, write

__all__ = ["SAMPLE_SEED", "Cohort", "Expected", "Row", "main", "sample_answers", "simulate", "write_dry_run"]

SAMPLE_SEED = 2026
Ability = Callable[[random.Random], float]
_CELLS = frozenset({"shape", "vector", "matrix", "list", "table"})


def _ability(rng: random.Random) -> float:
    return rng.betavariate(3.0, 2.0)  # mean 0.6: most of a class passes, a few struggle


def simulate(papers: Sequence[Paper], rng: random.Random, *, ability: Ability = _ability, odd: float = 0.3,
             expressions: bool = True, empty_rows: float = 0.25, numbers: float = 0.1) -> Cohort:
    """Every student of `papers` answers every part. `ability(rng)` draws a student's ability
    in [0, 1]; `odd` is the share of answers in an odd format; `expressions` lets a number be
    written as a closed form (log(9)); `empty_rows` is the share of blanks written as an
    empty row (the rest have no row); `numbers` the share of rows naming the question by
    its printed number (or Q3) and the part by its letter."""
    cohort = Cohort()
    for paper in papers:
        a = min(1.0, max(0.0, ability(rng)))
        cohort.abilities[paper.student_id] = a
        for section in paper.sections:
            for entry in section.entries:
                for part in entry.question.parts:
                    text, expected = _answer(part, entry.question, section.policy, a, rng, odd, expressions)
                    cohort.expected[(paper.student_id, entry.key, part.id)] = expected
                    if text is None and rng.random() >= empty_rows:
                        continue
                    spelled = rng.random() < numbers
                    question = rng.choice([entry.number, "Q" + entry.number]) if spelled else entry.key
                    name = _part_name(part, entry.question, spelled, rng)
                    cohort.rows.append(Row(paper.student_id, question, name, text or "",
                                           "" if text else "empty answer"))
    return cohort


def _part_name(part: Part, q: Question, spelled: bool, rng: random.Random) -> str:
    """The part column: its id, its letter ("b" for the second part, unless a part is called
    "b"), or nothing for a question of one part."""
    letter = chr(ord("a") + q.parts.index(part))
    if spelled and letter not in {p.id.casefold() for p in q.parts}:
        return letter
    return "" if len(q.parts) == 1 and rng.random() < 0.5 else part.id


def _answer(part: Part, q: Question, policy: str, a: float, rng: random.Random, odd_share: float,
            expressions: bool) -> tuple[str | None, Expected]:
    full = Fraction(part.marks)
    zero = Fraction(0)
    blank, garbage = 0.02 + 0.10 * (1 - a), 0.01 + 0.03 * (1 - a)
    u = rng.random()
    if u < blank:
        return None, Expected(zero, full, "blank", "blank")
    if u < blank + garbage or (part.kind == "design" and rng.random() > 0.15 + 0.85 * a):
        text = rng.choice(GARBAGE_CHOICE if part.kind in ("choice", "choices") else GARBAGE)
        return text, Expected(zero, full, "awaiting_ta" if part.kind == "text" else "unreadable", "garbage")
    if part.kind == "text":
        return _short(str(part.answer)), Expected(zero, full, "awaiting_ta", "an answer for a TA")
    odd = rng.random() < odd_share
    how = "right, odd format" if odd else "right"
    if rng.random() < 0.15 + 0.85 * a:
        return _right(part, rng, odd, expressions), Expected(full, full, "right", how)
    wrong = _wrong(part, q, policy, rng, odd, expressions)
    return wrong or (_right(part, rng, odd, expressions), Expected(full, full, "right", how))


def _short(model: str) -> str:
    """A student's short answer: the model answer's first sentences, as far as 300 characters."""
    cut = model[:300]
    return cut[:cut.rfind(". ") + 1] if len(model) > 300 and ". " in cut else cut


def _right(part: Part, rng: random.Random, odd: bool, expressions: bool) -> str:
    value = _letters(part) if part.kind in ("choice", "choices") else sv.exact_tree(part.answer)
    return write(part.kind, value, rng, odd=odd, expressions=expressions)


def _letters(part: Part) -> set[str]:
    return {part.answer} if isinstance(part.answer, str) else {str(x) for x in part.answer}


def _wrong(part: Part, q: Question, policy: str, rng: random.Random, odd: bool,
           expressions: bool) -> tuple[str, Expected] | None:
    """A wrong answer and the marks it earns, or None when the part has none to give."""
    full = Fraction(part.marks)
    if part.kind == "true_false":
        flipped = write("true_false", not part.answer, rng, odd=odd)
        return flipped, Expected(Fraction(0), full, "wrong", "the other truth value")
    if part.kind in ("choice", "choices"):
        return _wrong_choice(part, policy, rng, odd)
    if part.kind not in _CELLS | {"number", "integer"} or not _may_be_wrong(part, q):
        return None
    key = sv.exact_tree(part.answer)
    found = [(m.name, sv.exact_tree(m.answers[part.id])) for m in mistakes(q) if part.id in m.answers]
    found = [(name, v) for name, v in found if sv.same_structure(v, key) and not _near(v, key, q.calculator)]
    if found and rng.random() < 0.75:
        name, value = rng.choice(found)
        how = "mistake: " + name
    else:
        value, how = sv.slip(part.kind, key, rng), "slip"
        if value is None or _near(value, key, q.calculator):
            return None
    if part.kind in ("number", "integer"):
        marks = full if sv.same(value, key) else Fraction(0)
    else:
        marks = sv.cell_marks(full, *sv.cells_right(value, key))
    text = write(part.kind, value, rng, odd=odd, expressions=expressions)
    return text, Expected(marks, full, sv.status_of(marks, full), how)


def _may_be_wrong(part: Part, q: Question) -> bool:
    """Not a part a later part builds on (error carried forward stays out of the simulation)."""
    depended = {d for p in q.parts for d in p.depends_on}
    return part.id not in depended and part.id in ONLY.get(q.topic, {part.id})


def _near(value: Any, key: Any, calculator: bool) -> bool:
    if sv.is_num(key):
        return sv.near(value, key, calculator=calculator)
    pairs = zip(value, key, strict=True) if isinstance(key, list) else (
        ((value[k], key[k]) for k in key) if isinstance(key, dict) else ())
    return any(_near(v, k, calculator) for v, k in pairs)


def _wrong_choice(part: Part, policy: str, rng: random.Random, odd: bool) -> tuple[str, Expected] | None:
    full, right = Fraction(part.marks), _letters(part)
    letters = [chr(ord("a") + i) for i in range(len(part.options))]
    if part.kind == "choice":
        others = [x for x in letters if x not in right]
        if not others:
            return None
        chosen = {rng.choice(others)}
        marks = Fraction(0)
    else:
        chosen = set(right)
        for x in rng.sample(letters, min(len(letters), rng.choice([1, 1, 2]))):
            chosen ^= {x}
        if chosen == right:
            return None
        marks = sv.choices_marks(chosen, right, len(letters), full, policy)
    expected = Expected(marks, full, sv.status_of(marks, full), "wrong options")
    return write(part.kind, chosen, rng, odd=odd), expected


def write_dry_run(spec: Spec, papers: Sequence[Paper], out: str | Path) -> Path:
    """What `dlexam grade` reads of a build (manifest.json and variants/<id>.json with their
    sha256), written straight from drawn papers with no PDF or HTML rendered: a dry run
    for a simulated cohort, in seconds where a real build of a large class takes an hour."""
    from .. import __version__

    out = Path(out)
    (out / "variants").mkdir(parents=True, exist_ok=True)
    students = []
    for paper in papers:
        name = f"variants/{paper.student_id}.json"
        data = json.dumps(paper.to_dict(), ensure_ascii=False).encode()
        (out / name).write_bytes(data)
        students.append(manifest_entry(paper, {"variant": {"path": name,
                                                           "sha256": hashlib.sha256(data).hexdigest()}}))
    spec_file = Path(spec.path)
    manifest = {
        "format": 1, "dlexam": __version__, "dry_run": True, "exam": spec.info.to_dict(),
        "spec": {"file": spec_file.name, "sha256": hashlib.sha256(spec_file.read_bytes()).hexdigest()},
        "sections": [{"title": s.title, "policy": s.policy, "questions": [slot.key for slot in s.slots]}
                     for s in spec.sections],
        "files": {}, "students": students,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def sample_answers() -> Cohort:
    """The bundled sample answers: the bundled midterm for the bundled roster (the papers
    `dlexam demo` builds), a believable class with three rows a real export has problems with."""
    from ..examples import example_path

    spec = load_spec(example_path("midterm.toml"))
    papers = stress_test(spec, read_roster(example_path("roster.csv"))).papers
    cohort = simulate(papers, random.Random(SAMPLE_SEED), empty_rows=0.1)
    return cohort.with_problems(random.Random(SAMPLE_SEED + 1), duplicates=1, unknown_students=1,
                                unknown_questions=1)


def _papers(source: Path, roster: str | None) -> tuple[list[Paper], Spec | None]:
    if source.is_dir():
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        files = [source / s["files"]["variant"]["path"] for s in manifest["students"]]
        return [Paper.from_dict(json.loads(f.read_text(encoding="utf-8"))) for f in files], None
    if roster is None:
        raise SystemExit("give --roster with an exam spec (or give a built folder instead of the spec)")
    spec = load_spec(source)
    return list(stress_test(spec, read_roster(roster)).papers), spec


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlexam.grade.simulate",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("source", nargs="?", help="an exam spec (with --roster) or a built exam")
    parser.add_argument("--roster", help="the roster CSV, with a spec")
    parser.add_argument("--out", help="the folder to write the dry run into")
    parser.add_argument("--seed", type=int, default=1, help="the cohort's random seed (default 1)")
    parser.add_argument("--sample", metavar="CSV", help="write the sample answers of dlexam demo here")
    args = parser.parse_args(argv)
    if args.sample:
        sample_answers().write_csv(args.sample)
        print(f"wrote {args.sample}")
        return 0
    if not args.source or not args.out:
        parser.error("give an exam spec or a built folder, and --out")
    out = Path(args.out)
    papers, spec = _papers(Path(args.source), args.roster)
    out.mkdir(parents=True, exist_ok=True)
    built = write_dry_run(spec, papers, out / "built") if spec is not None else Path(args.source)
    cohort = simulate(papers, random.Random(args.seed))
    cohort.write_csv(out / "answers.csv")
    cohort.write_expected(out / "expected.csv")
    print(f"{len(papers)} simulated students; now run:\n"
          f"  dlexam grade {built} --answers {out / 'answers.csv'} --out {out / 'grades'}\n"
          f"and compare {out / 'grades' / 'parts.csv'} with {out / 'expected.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
