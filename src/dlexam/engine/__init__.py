"""The exact engine: numbers that never round (`exact`), and reverse-mode
differentiation over them with a tape of named quantities (`autograd`).
Knows nothing of questions, exams or text."""

from . import exact
from .autograd import Equation, Gradient, Tape, Value
from .exact import Exact, decimal_places, is_rational, to_float

__all__ = [
    "Equation", "Exact", "Gradient", "Tape", "Value", "decimal_places", "exact", "is_rational", "to_float",
]
