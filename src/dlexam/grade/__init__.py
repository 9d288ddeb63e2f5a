"""Grading: reading what students wrote, scoring it, and analysing how the items worked.

    from dlexam.grade.run import grade_exam
    grade_exam("build/midterm", answers="answers.csv", out="grades")   # grades.csv, parts.csv

`parse` reads what a student wrote, `score` marks one part, `answers` reads an answers
file against the build's manifest, `run` grades a whole exam, `analysis` computes item
statistics (facility, discrimination, α). Issue 5 builds the rest (error carried forward,
rubric merge, feedback, reports).
"""
