"""Plain data that every later layer shares: questions, parts, worked-solution steps,
and the papers an exam draws from them."""

from .exam import POLICIES, Entry, ExamInfo, Paper, PaperSection, Pool
from .question import CHOICE_KINDS, KINDS, Criterion, Part, Question, Step, Verdict

__all__ = [
    "CHOICE_KINDS",
    "KINDS",
    "POLICIES",
    "Criterion",
    "Entry",
    "ExamInfo",
    "Paper",
    "PaperSection",
    "Part",
    "Pool",
    "Question",
    "Step",
    "Verdict",
]
