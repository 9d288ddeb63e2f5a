"""Grading: reading what students wrote, scoring it, and analysing how the items worked.

    from dlexam.grade.analysis import analyse
    report = analyse(scores, max_marks, part_ids=ids)   # facility, discrimination, α, …

Issue 5 builds this package; so far it holds the item analysis (`analysis`) and the
answer readers (`parse`).
"""
