"""Plain data that every later layer shares: questions, parts and worked-solution steps."""

from .question import CHOICE_KINDS, KINDS, Criterion, Part, Question, Step, Verdict

__all__ = ["CHOICE_KINDS", "KINDS", "Criterion", "Part", "Question", "Step", "Verdict"]
