"""Grading: answers in, marks, feedback and item statistics out.

    from dlexam.grade import grade_exam
    result = grade_exam("build/midterm", answers="answers.csv", out="grades",
                        scores="ta.csv", rules="grading.toml", feedback=("html", "pdf"))

The flow, one module a step:

    answers   the answers file read against the build's manifest, every row accounted for
    rubric    TAs' rubric scores for short answers (same rows, shared in _rows)
    rules     grading.toml: tolerances, corrected keys, follow-through credit, rubric changes
    parse     what a student wrote → a value (numbers, expressions, shapes, arrays, choices)
    score     one part marked: tolerance, per-cell credit, the multiple-choice policy, designs
    carry     error carried forward: a later part checked against the student's own values
    run       `grade_exam` / `mark`: every part of every paper → a `Grading` (results)
    _write    grades.csv, Moodle and Canvas grade books, parts.csv, report.txt
    audit     graded.jsonl and audit.log: what a regrade changed, and why
    feedback  a page per student (HTML, PDF) with the worked solution of their variant
    analysis  facility, discrimination, α, distractors, unfair variants; report: the HTML page
    simulate  cohorts of simulated students with known marks (tests, benchmarks, the demo)
"""

from .analysis import ExamAnalysis, analyse
from .answers import AnswerSheet, read_answers
from .audit import audit_run
from .carry import carry_forward
from .feedback import feedback_html, feedback_pdf, write_feedback
from .parse import read
from .report import analyse_grading, analysis_html, write_report
from .results import Grading, PartResult, StudentResult
from .rubric import TaSheet, read_ta_scores
from .rules import Rules, load_rules
from .run import GradeResult, grade_exam, mark
from .score import Score, Tolerance, score

__all__ = [
    "AnswerSheet", "ExamAnalysis", "GradeResult", "Grading", "PartResult", "Rules", "Score", "StudentResult",
    "TaSheet", "Tolerance", "analyse", "analyse_grading", "analysis_html", "audit_run", "carry_forward",
    "feedback_html", "feedback_pdf", "grade_exam", "load_rules", "mark", "read", "read_answers",
    "read_ta_scores", "score", "write_feedback", "write_report",
]
