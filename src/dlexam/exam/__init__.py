"""Exams: a TOML spec, a roster, and one paper per student drawn from keyed hashes.

    from dlexam.exam import load_spec, read_roster, stress_test, pools
    spec = load_spec("examples/midterm.toml")       # checked completely; SpecError names file:line: field
    students = read_roster("examples/roster.csv")   # RosterError names the rows to fix
    report = stress_test(spec, students)            # draws every paper, checks every drawn variant
    papers = report.papers                          # dlexam.model.Paper, one per student, roster order
    lms = pools(spec, 20)                           # dlexam.model.Pool per question, for Moodle / QTI

This layer knows topics, the bank and the model; renderers read the Papers and Pools it
makes. docs/exam-spec.md documents the spec format.
"""

from ._base import Slot, SpecError
from .roster import RosterError, Student, parse_roster, read_roster
from .spec import Section, Spec, load_spec, parse_spec
from .stress import Report, Spread, check_variant, stress_test
from .variants import Redraw, derive_seed, draw_paper, draw_papers, draw_roster, pools, student_seed

__all__ = [
    "Redraw",
    "Report",
    "RosterError",
    "Section",
    "Slot",
    "Spec",
    "SpecError",
    "Spread",
    "Student",
    "check_variant",
    "derive_seed",
    "draw_paper",
    "draw_papers",
    "draw_roster",
    "load_spec",
    "parse_roster",
    "parse_spec",
    "pools",
    "read_roster",
    "stress_test",
    "student_seed",
]
