"""The exact engine: numbers that never round, and reverse-mode differentiation over
them with a tape of named quantities (see `autograd`). Knows nothing of questions."""

from .autograd import Equation, Gradient, Tape, Value
from .exact import Exact, exact, is_rational, to_float

__all__ = ["Equation", "Exact", "Gradient", "Tape", "Value", "exact", "is_rational", "to_float"]
