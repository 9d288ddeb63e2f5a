"""Plain data that every later layer shares: questions, parts and worked-solution steps."""

from .question import KINDS, Part, Question, Step, Verdict

__all__ = ["KINDS", "Part", "Question", "Step", "Verdict"]
