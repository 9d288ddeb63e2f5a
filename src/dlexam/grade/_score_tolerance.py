"""How close a number must be to its key: exact, absolute, relative or significant figures,
and the default for a key, which is the rule the LMS exports and the printed keys state.

Default rule (render/_lms.py `num` and render/_key_text.py `grading_notes` print it):
  * an integer key is exact: 27.5 for 27 is a forgotten floor, not a rounding;
  * a terminating decimal key (3/16 = 0.1875) is exact on a no-calculator question: the
    student can write it out in full. On a calculator question it accepts half a unit in its
    last decimal or 0.1 % of the key (that 0.1 % rounded to two significant figures, exactly
    as the exports compute it), whichever is larger;
  * an irrational or repeating key (log 9, 1/3) accepts 0.1 % of the key, which every correct
    rounding to 4 significant figures falls within.

Comparing a rational answer with a rational key is most of grading's work, so each (rule, key
number) is turned once into the exact key and the distance accepted (the fast path at the
end); `default_accepts(calculator)` is `default_tolerance(key).accepts` on that path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..engine import decimal_places
from ._parse_expr import MP
from .parse import approximate, equivalent, exact_key

__all__ = ["RELATIVE", "TOLERANCE_KINDS", "Tolerance", "default_accepts", "default_tolerance"]

TOLERANCE_KINDS = ("exact", "absolute", "relative", "sigfigs")
RELATIVE = Fraction(1, 1000)  # 0.1 %: twice the worst rounding error of a 4-significant-figure answer


def _as_fraction(x: Any) -> Fraction:
    if isinstance(x, bool) or not isinstance(x, int | float | Fraction | Decimal | str):
        raise ValueError(f"a tolerance value must be a number, got {x!r}")
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


@dataclass(frozen=True)
class Tolerance:
    """How far a number may be from its key and still count as right.

    exact: equal to the key (any spelling of the same number: 3/16, 0.1875, 1.875e-1);
    absolute: |answer − key| ≤ value; relative: |answer − key| ≤ value·|key|;
    sigfigs: the answer agrees with the key to `value` significant figures, i.e.
    |answer − key| ≤ half a unit in the key's `value`-th significant digit."""

    kind: str = "exact"
    value: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        if self.kind not in TOLERANCE_KINDS:
            raise ValueError(f"tolerance kind must be one of {', '.join(TOLERANCE_KINDS)}, got {self.kind!r}")
        value = _as_fraction(self.value)
        if value < 0:
            raise ValueError(f"a tolerance cannot be negative, got {value}")
        if self.kind == "sigfigs" and (value.denominator != 1 or value < 1):
            raise ValueError(f"significant figures must be a whole number ≥ 1, got {value}")
        object.__setattr__(self, "value", value)

    def accepts(self, answer: Any, key: Any) -> bool:
        """Whether a read value is right for the key (its JSON or an exact value)."""
        verdict = _rational_verdict(self, answer, key)
        if verdict is not None:
            return verdict
        if self.kind == "exact":
            return equivalent(answer, key)
        if self.kind == "absolute":
            return equivalent(answer, key, abs_tol=self.value)
        if self.kind == "relative":
            return equivalent(answer, key, rel_tol=self.value)
        return equivalent(answer, key, abs_tol=sigfig_step(exact_key(key), int(self.value)))

    def describe(self) -> str:
        """The rule in a few words: "exactly", "within 0.1% of the key", …"""
        if self.kind == "exact":
            return "exactly"
        if self.kind == "absolute":
            return f"within ±{_decimal(self.value)} of the key"
        if self.kind == "relative":
            return f"within {_decimal(self.value * 100)}% of the key"
        n = int(self.value)
        return f"to {n} significant figure{'s' if n != 1 else ''}"


def _decimal(x: Fraction) -> str:
    """A tolerance as a short decimal (a repeating one to 6 significant figures)."""
    text = format(Decimal(x.numerator) / Decimal(x.denominator), ".6g")
    return text if "e" in text or "." not in text else text.rstrip("0").rstrip(".")


def magnitude(x: Any) -> int:
    """floor(log10 |x|) of a non-zero exact value: exactly for a rational, at 60 digits otherwise."""
    if isinstance(x, Fraction):
        x = abs(x)
        m = len(str(x.numerator)) - len(str(x.denominator))
        return m - 1 if x < Fraction(10) ** m else m
    return int(MP.floor(MP.log10(abs(approximate(x)))))


def sigfig_step(key: Any, figures: int) -> Fraction:
    """Half a unit in the `figures`-th significant digit of the key (0 for a zero key)."""
    if key == 0:
        return Fraction(0)
    return Fraction(5) * Fraction(10) ** (magnitude(key) - figures)


EXACT = Tolerance()
_DEFAULT_RELATIVE = Tolerance("relative", RELATIVE)


def default_tolerance(key: Any, *, calculator: bool = False) -> Tolerance:
    """The tolerance a key gets when the exam sets none (see the module's rule). Raises
    ValueError for a key that is not a number: keys are ours."""
    scalar = _scalar(key)
    if scalar is not None:
        return _default_of(scalar, bool(calculator))
    return _default(key, calculator)


@lru_cache(maxsize=1 << 16, typed=True)
def _default_of(key: Any, calculator: bool) -> Tolerance:  # each key number of a class once
    return _default(key, calculator)


def _default(key: Any, calculator: bool) -> Tolerance:
    exact = exact_key(key)
    if not isinstance(exact, Fraction):
        return _DEFAULT_RELATIVE
    places = decimal_places(exact)
    if places is None:
        return _DEFAULT_RELATIVE
    if places == 0 or not calculator:
        return EXACT
    half_unit = Fraction(5, 10 ** (places + 1))
    relative = Fraction(Decimal(f"{abs(float(exact)) * float(RELATIVE):.2g}"))
    return Tolerance("absolute", max(half_unit, relative))


# -- the fast path: a rational answer against a rational key ------------------------------
#
# Almost every cell of a class is a Fraction read from a student's text compared with a key
# number in its JSON form (an int, or {"exact": "3/16", …}). `equivalent` would convert the
# key and both tolerances again for every cell; here each (rule, key number) is converted
# once into the exact key and the largest distance still accepted, and a cell costs one
# comparison. Anything else (a closed form on either side, a non-number) takes the full path.

_SCALARS = frozenset({int, float, Fraction, str})
_RATIONALS = frozenset({int, Fraction})
Bound = tuple[int, int, Fraction | None]  # the key's numerator, denominator, distance accepted (None: 0)


def _scalar(key: Any) -> Any:
    """The hashable key number `exact_key` reads from `key` (the text of {"exact": text}), or
    None for anything else (a SymPy value, a bool, a broken key), which is not remembered."""
    kind = type(key)
    if kind is dict:
        key = key.get("exact")
        return key if type(key) is str else None
    return key if kind in _SCALARS else None


def _bound_of(rule: Tolerance, key: Any) -> Bound | None:
    """(p, q, bound) with the key b = p/q: a rational answer a is accepted when |a − b| ≤ bound,
    exactly as `rule.accepts` decides it; None when b is a closed form. Raises ValueError for
    a key that is not a number, as `exact_key` does."""
    b = exact_key(key)
    if type(b) is not Fraction:
        return None
    bound: Fraction | None
    if rule.kind == "exact":
        bound = None
    elif rule.kind == "absolute":
        bound = rule.value
    elif rule.kind == "relative":
        bound = rule.value * abs(b)
    else:
        bound = sigfig_step(b, int(rule.value))
    return b.numerator, b.denominator, bound


@lru_cache(maxsize=1 << 16, typed=True)
def _given_bound(kind: str, top: int, bottom: int, key: Any) -> Bound | None:
    return _bound_of(Tolerance(kind, Fraction(top, bottom)), key)


@lru_cache(maxsize=1 << 16, typed=True)
def _default_bound(calculator: bool, key: Any) -> Bound | None:
    return _bound_of(_default_of(key, calculator), key)


def _within(answer: Any, found: Bound) -> bool:
    top, bottom, bound = found
    if bound is None:  # exact: compare the reduced numerator and denominator
        if type(answer) is int:
            return bottom == 1 and answer == top
        return answer.numerator == top and answer.denominator == bottom
    return bool(abs(answer - Fraction(top, bottom)) <= bound)


def _rational_verdict(rule: Tolerance, answer: Any, key: Any) -> bool | None:
    """`rule.accepts(answer, key)` by the fast path, or None when it does not apply."""
    if type(answer) not in _RATIONALS:
        return None
    scalar = _scalar(key)
    if scalar is None:
        return None
    value = rule.value
    found = _given_bound(rule.kind, value.numerator, value.denominator, scalar)
    return None if found is None else _within(answer, found)


def default_accepts(calculator: bool) -> Callable[[Any, Any], bool]:
    """`accepts(value, key)` under each key number's default tolerance (`default_tolerance`)."""
    return _DEFAULT_ACCEPTS[bool(calculator)]


def _default_accepts(calculator: bool) -> Callable[[Any, Any], bool]:

    def accepts(value: Any, key: Any) -> bool:
        if type(value) in _RATIONALS:
            scalar = key if type(key) is int else _scalar(key)
            if scalar is not None:
                found = _default_bound(calculator, scalar)
                if found is not None:
                    return _within(value, found)
        return default_tolerance(key, calculator=calculator).accepts(value, key)
    return accepts


_DEFAULT_ACCEPTS = {False: _default_accepts(False), True: _default_accepts(True)}
