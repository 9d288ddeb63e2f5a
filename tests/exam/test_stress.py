"""The stress test: every drawn variant of a class is checked before anything is printed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dlexam.exam import Student, check_variant, load_spec, read_roster, stress_test
from dlexam.model import Part
from dlexam.topics import question

from .conftest import BASE, spec_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_midterm_passes_for_its_roster_and_reports_the_spread() -> None:
    spec = load_spec(ROOT / "examples" / "midterm.toml")
    students = read_roster(ROOT / "examples" / "roster.csv")
    report = stress_test(spec, students)
    assert report.ok, report.problems
    assert len(report.papers) == 30 and [p.student_id for p in report.papers] == [s.id for s in students]
    spread = {s.key: s for s in report.spread}
    assert set(spread) == {s.key for s in spec.slots}
    assert spread["s1q1"].distinct == 1  # pinned
    assert spread["s2q1"].distinct == 30  # mlp.sgd_step, drawn
    text = "\n".join(report.lines())
    assert "distinct of 30" in text and text.startswith("drew 30 papers")


def test_redraws_are_reported_and_no_neighbours_share_numbers() -> None:
    spec = spec_of(BASE.replace('topic = "pool.output_shape"', 'topic = "relu.linear_regions"'))
    report = stress_test(spec, [Student(f"x{i}", "") for i in range(200)])
    assert report.ok and report.redraws
    assert any(line.startswith("redrawn: ") for line in report.lines())


def test_a_key_with_more_decimals_than_promised_is_a_problem() -> None:
    q = question("conv.kernel_apply", seed=1)  # promises 1 decimal
    bad = replace(q, parts=(Part("output", "number", {"exact": "1/8", "value": 0.125}, 1, "x"),))
    assert "needs 3 decimals" in check_variant(bad)[0]
    irrational = replace(q, parts=(Part("output", "number", {"exact": "log(9)", "value": 2.19}, 1, "x"),))
    assert "promises no calculator" in check_variant(irrational)[0]
    assert check_variant(q) == []


def test_a_design_key_that_fails_its_own_check_is_a_problem() -> None:
    q = question("design.logic_gate", seed=2)
    broken = replace(q, parts=(replace(q.parts[0], answer={"nonsense": 1}),))
    assert "fails its own check" in check_variant(broken)[0]


def test_a_paper_that_cannot_be_drawn_is_a_problem_not_a_crash(monkeypatch: object) -> None:
    import dlexam.exam.variants as variants
    from dlexam.errors import DlexamError

    spec = spec_of()

    def refuse(*args: object, **kw: object) -> object:
        raise DlexamError("topic refused")

    monkeypatch.setattr(variants, "_drawn", refuse)  # type: ignore[attr-defined]
    report = stress_test(spec, [Student("a", ""), Student("b", "")])
    assert not report.ok and report.problems[0] == "a: the paper cannot be drawn: topic refused"
