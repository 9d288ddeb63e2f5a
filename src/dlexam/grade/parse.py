"""Reading what students write: one answer's text in, an exact value or a one-line
format message out, per part kind. Nothing here decides whether the answer is right
(except `equivalent`, which says whether two exact values are the same number).

    read("number", "3/16")             -> Reading(value=Fraction(3, 16))
    read("number", "1,5", locale="de") -> Reading(value=Fraction(3, 2))
    read("number", "2*log(3)")         -> Reading(value=2*log(3))   (a SymPy expression)
    read("shape", "torch.Size([2, 12])") -> Reading(value=(2, 12))
    read("choices", "B and D")         -> Reading(value=frozenset({"b", "d"}))
    read("shape", "2 by twelve")       -> Reading(error="expected a shape like 2x12x248x83 …")

Values are exact: `Fraction` for rational numbers (an `int` for the integer kind and
inside shapes), a SymPy expression for a closed form that is not rational, lists (rows
of lists) of those for vectors, matrices and lists, a tuple of ints for a shape, a
frozenset of lower-case letters for choice and choices, a bool for true_false, the
stripped text for text, plain JSON for a design, and for a table the key's structure
(a list of row objects, or an object of columns) with exact cells. How numbers are spelled
in each locale is in `_parse_numbers`; expressions in `_parse_expr` (syntax) and
`_parse_exact` (bounded arithmetic); shapes, lists and matrices in `_parse_arrays`; tables
and designs in `_parse_tables`; choices and true/false in `_parse_choices`.

No input raises out of `read`: anything unexpected becomes a Reading with an error.
The commonest spellings (12, -0.25, 3/16) take a remembered fast path, `simple_number`, that
gives exactly what the general reader gives (tests/grade/test_parse_fast.py checks it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

from . import _parse_arrays as arrays
from ._parse_choices import read_choices, read_true_false
from ._parse_expr import KEYS, MP, evaluate
from ._parse_numbers import NumberError, Refusal, comma_decimal, normalise, plain_number, simple_number
from ._parse_tables import read_design

__all__ = ["NO_ANSWER", "Reading", "approximate", "equivalent", "exact_key", "read"]

NO_ANSWER = "no answer given"
MAX_TEXT = 20_000  # characters; a longer answer is refused before any parsing


@dataclass(frozen=True)
class Reading:
    """What a student's answer says: `value` when it could be read, else `error`, one line
    telling the student the expected format (it never reveals the key)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def blank(self) -> bool:
        return self.error == NO_ANSWER


def read(kind: str, text: Any, *, locale: str = "en", expected: Any = None,
         options: int | None = None) -> Reading:
    """Read one answer of a part of `kind` (see dlexam.model.KINDS). `expected` is the
    part's JSON answer, used only for structure (nesting of a list, a table's columns);
    `options` is how many options a choice part has, so letters beyond it are refused.
    A JSON value (from a JSON-lines export) is accepted in place of text."""
    try:
        if text is None:
            return Reading(error=NO_ANSWER)
        if not isinstance(text, str):
            text = json.dumps(text, ensure_ascii=False)
        if len(text) > MAX_TEXT:
            return Reading(error=f"the answer is too long to read (more than {MAX_TEXT} characters)")
        clean = normalise(text)
        if not clean:
            return Reading(error=NO_ANSWER)
        reader = _READERS.get(kind)
        if reader is None:
            return Reading(error=f"cannot read answers of kind {kind!r}")
        result = reader(clean, comma_decimal(locale), expected, options)
    except RecursionError:
        return Reading(error="the answer is nested too deeply to read")
    except Exception as e:  # a last resort: no answer may crash the grader
        return Reading(error=f"the answer could not be read ({type(e).__name__})")
    if isinstance(result, Refusal):
        return Reading(error=str(result))
    return Reading(value=result)


_LEAD = re.compile(r"^(?:=|≈|~|\\approx)\s*")
_EXPRESSION_CHARS = re.compile(r"[A-Za-z()^*/σπ√%]")


def read_number(text: str, comma: bool) -> Any:
    """An exact number (Fraction or SymPy expression), or a Refusal."""
    simple = simple_number(text, comma)
    if simple is not None:
        return simple
    text = _LEAD.sub("", text)
    try:
        value = plain_number(text, comma)
    except NumberError as e:
        return Refusal(str(e))
    if value is not None:
        return value
    if not _EXPRESSION_CHARS.search(text):
        return Refusal("expected a number like 0.25, 1/4 or 2.5e-1")
    result = evaluate(text, comma)
    if isinstance(result, str):
        return Refusal(f"not a number or expression we can read: {result}")
    return result.exact


def _number(text: str, comma: bool, expected: Any, options: int | None) -> Any:
    return read_number(text, comma)


def _integer(text: str, comma: bool, expected: Any, options: int | None) -> Any:
    value = read_number(text, comma)
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    if isinstance(value, Refusal):
        return value
    return Refusal("expected a whole number like 120")


def _text(text: str, comma: bool, expected: Any, options: int | None) -> Any:
    return text


_READERS = {
    "number": _number,
    "integer": _integer,
    "text": _text,
    "shape": arrays.read_shape,
    "vector": arrays.reader(read_number, "vector"),
    "matrix": arrays.reader(read_number, "matrix"),
    "list": arrays.reader(read_number, "list"),
    "table": arrays.reader(read_number, "table"),
    "design": lambda text, comma, expected, options: read_design(text, comma, read_number),
    "choice": read_choices,
    "choices": read_choices,
    "true_false": read_true_false,
}
_READERS["choice"] = lambda text, comma, expected, options: read_choices(text, comma, expected, options, 1)


# -- comparing exact values -------------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def _key_expression(text: str) -> Any:
    simple = simple_number(text, False)  # "3/16", "-2", "0.5": what evaluate reads them as, faster
    if simple is not None:
        return simple
    result = evaluate(normalise(text), comma=False, limits=KEYS)
    if isinstance(result, str):
        raise ValueError(f"the key {text!r} cannot be read: {result}")
    return result.exact


def exact_key(key: Any) -> Any:
    """A key's JSON number (an int, {"exact": "3/16", "value": …}, {"exact": "log(9)", …})
    as an exact value. Raises ValueError for a key that is not a number: keys are ours."""
    if isinstance(key, bool):
        raise ValueError(f"the key {key!r} is not a number")
    if isinstance(key, int | Fraction):
        return Fraction(key)
    if isinstance(key, float):
        return Fraction(repr(key))
    if isinstance(key, dict) and isinstance(key.get("exact"), str):
        key = key["exact"]
    if isinstance(key, str):
        return _key_expression(key)
    if isinstance(key, sympy.Basic):
        return key
    raise ValueError(f"the key {key!r} is not a number")


def approximate(value: Any) -> Any:
    """A 60-digit mpmath approximation of an exact value (int, Fraction, or a SymPy
    expression of numbers, E, pi, +, *, ^, exp, log, tanh)."""
    if isinstance(value, int | Fraction):
        return MP.mpf(value.numerator) / value.denominator
    return _approximate(value)


@lru_cache(maxsize=4096)
def _approximate(e: Any) -> Any:
    if e.is_Rational:
        return MP.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return MP.mpf(str(e))
    if e is sympy.E:
        return MP.e
    if e is sympy.pi:
        return MP.pi
    args = [_approximate(a) for a in e.args]
    if e.is_Add:
        return MP.fsum(args)
    if e.is_Mul:
        return MP.fprod(args)
    if e.is_Pow:
        return MP.power(args[0], args[1])
    functions = {sympy.exp: MP.exp, sympy.log: MP.log, sympy.tanh: MP.tanh}
    if e.func in functions and len(args) == 1:
        return functions[e.func](args[0])
    raise ValueError(f"cannot approximate {e}")


def equivalent(value: Any, key: Any, *, rel_tol: float | Fraction = 0, abs_tol: float | Fraction = 0) -> bool:
    """Whether a read value equals the key (its JSON or an exact value) within
    max(rel_tol·|key|, abs_tol). Two rationals are compared exactly; when either side is
    a closed form, both are evaluated at 60 digits and a difference below 1e-40 (relative)
    counts as equal, so log(9) equals 2*log(3) without any symbolic simplification.
    A value that is not a number is never equivalent; a key that is not a number raises."""
    b = exact_key(key)
    if isinstance(value, bool) or not isinstance(value, int | Fraction | sympy.Basic):
        return False
    a = Fraction(value) if isinstance(value, int) else value
    rel, tol = Fraction(str(rel_tol)), Fraction(str(abs_tol))
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return abs(a - b) <= max(rel * abs(b), tol)
    if a == b:
        return True
    try:
        x, y = approximate(a), approximate(b)
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        return False
    if not (MP.isfinite(x) and MP.isfinite(y)) or MP.im(x) or MP.im(y):
        return False
    bound = max(approximate(rel) * abs(y), approximate(tol)) + MP.mpf(10) ** -40 * max(abs(x), abs(y))
    return bool(abs(x - y) <= bound + MP.mpf(10) ** -55)
