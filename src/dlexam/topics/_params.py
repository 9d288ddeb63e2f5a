"""Reading a topic's params: validate each one, fill in defaults, echo them back.

Every topic reads its raw JSON params through a `Params` reader. A bad value raises a
`ParamError` whose one-line message names the param, what is allowed, and what was
given. `finish()` returns the params as the Question reports them: every param, in
the order the topic documents them, with the user's own values untouched (0.1 stays
0.1, "3/16" stays "3/16") and defaults filled in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..errors import ParamError

__all__ = ["REQUIRED", "Params", "parse_number", "plain_json"]

REQUIRED: Any = object()
MAX_INT = 10**12  # no exam number is larger; bigger ints are refused before any arithmetic
_NUMBER_TEXT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(\s*/\s*[+-]?\d+)?\s*$", re.ASCII)
_MAX_EXPONENT = 60  # 1e61 and 1e-61 are refused: no exam number is that large, and a
# string like "1e999999999" must not make us build a billion-digit integer


def parse_number(x: Any) -> Fraction:
    """An exact number from a JSON number, a Decimal, or a string like "3/16" or "0.1".
    Raises ValueError with a short reason."""
    if isinstance(x, bool) or x is None:
        raise ValueError("not a number")
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        if x != x or x in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        x = repr(x)
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise ValueError("not a finite number")
        x = str(x)
    if not isinstance(x, str) or len(x) > 100 or not _NUMBER_TEXT.match(x):
        raise ValueError("not a number")
    text = x.replace(" ", "")
    for exponent in re.findall(r"[eE]([+-]?\d+)", text):
        if abs(int(exponent)) > _MAX_EXPONENT:
            raise ValueError("exponent out of range")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise ValueError("division by zero") from None


def plain_json(value: Any) -> Any:
    """The user's value as plain JSON, unchanged in meaning: a Decimal from the CLI's
    JSON reader becomes the float it printed as when that is exact, else a string."""
    if isinstance(value, Decimal):
        f = float(value)  # Decimal comparison is exact and never builds huge integers
        return f if math.isfinite(f) and Decimal(repr(f)) == value else str(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return value


def show(value: Any) -> str:
    """A given value as it appears in an error message (short, JSON-like)."""
    try:
        text = json.dumps(plain_json(value), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(value)
        except (ValueError, RecursionError):  # an int of over 4,300 digits, a list nested too deep
            text = f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= 60 else text[:57] + "..."


class Params:
    """A reader over one topic's raw params. Read each param once, then `finish()`."""

    def __init__(self, topic: str, raw: Any, names: Iterable[str]) -> None:
        self.topic = topic
        self.names = list(names)
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise ParamError(topic, None, f"params must be a JSON object, got {show(raw)}")
        unknown = [k for k in raw if k not in self.names]
        if unknown:
            name = json.dumps(str(unknown[0]), ensure_ascii=False)[1:-1]  # a newline stays on one line
            raise ParamError(topic, name, f"is not a param of this topic; it takes {', '.join(self.names)}")
        self.raw = dict(raw)
        self.read: dict[str, Any] = {}

    def error(self, name: str, message: str) -> ParamError:
        return ParamError(self.topic, name, message)

    def fail(self, name: str, allowed: str) -> ParamError:
        """The standard complaint: what is allowed, and what was given."""
        return self.error(name, f"must be {allowed}, got {show(self.raw.get(name))}")

    def has(self, name: str) -> bool:
        return name in self.raw

    def get(self, name: str, default: Any = REQUIRED) -> Any:
        """The raw value, or the default; records it for `finish()`. An integer anywhere
        in the value beyond ±MAX_INT is refused here, once for every reader."""
        if name in self.raw:
            value = self.raw[name]
            reason = _out_of_bounds(value)
            if reason:
                raise self.error(name, reason)
        elif default is REQUIRED:
            raise self.error(name, "is required")
        else:
            value = default
        self.read[name] = value
        return value

    # -- typed readers --------------------------------------------------------
    def integer(self, name: str, default: Any = REQUIRED, *, lo: int | None = None,
                hi: int | None = None) -> int:
        value = self.get(name, default)
        if not _is_int(value) or (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.fail(name, _int_range(lo, hi))
        return int(value)

    def int_list(self, name: str, default: Any = REQUIRED, *, length: int | Iterable[int] | None = None,
                 lo: int | None = None) -> list[int]:
        value = self.get(name, default)
        lengths = {length} if isinstance(length, int) else set(length or ())
        ok = isinstance(value, list) and all(_is_int(v) and (lo is None or v >= lo) for v in value)
        if not ok or (lengths and len(value) not in lengths):
            count = f"{' or '.join(map(str, sorted(lengths)))} " if lengths else ""
            raise self.fail(name, f"a list of {count}{_int_range(lo, None, plural=True)}")
        return [int(v) for v in value]

    def int_or_ints(self, name: str, dims: int, default: Any = REQUIRED, *, lo: int = 1,
                    what: str | None = None) -> tuple[int, ...]:
        """One integer for every spatial dimension, or a list with one per dimension
        (as PyTorch's kernel_size, stride, padding and dilation)."""
        value = self.get(name, default)
        allowed = what or f"{_int_range(lo, None)} or a list of {dims} of them"
        if _is_int(value) and value >= lo:
            return (int(value),) * dims
        if isinstance(value, list) and len(value) == dims and all(_is_int(v) and v >= lo for v in value):
            return tuple(int(v) for v in value)
        raise self.fail(name, allowed)

    def number(self, name: str, default: Any = REQUIRED, *, lo: Fraction | int | None = None,
               hi: Fraction | int | None = None, lo_open: bool = False) -> Fraction:
        value = self.get(name, default)
        try:
            x = parse_number(value)
        except ValueError:
            raise self.fail(name, "a number (e.g. 0.5 or \"1/3\")") from None
        if (lo is not None and (x < lo or (lo_open and x == lo))) or (hi is not None and x > hi):
            bound = f"> {lo}" if lo_open else f">= {lo}" if lo is not None else ""
            upper = f"<= {hi}" if hi is not None else ""
            raise self.fail(name, "a number " + " and ".join(b for b in (bound, upper) if b))
        return x

    def vector(self, name: str, default: Any = REQUIRED, *, length: int | None = None) -> list[Fraction]:
        value = self.get(name, default)
        try:
            if not isinstance(value, list) or (length is not None and len(value) != length):
                raise ValueError
            return [parse_number(v) for v in value]
        except ValueError:
            count = f"{length} " if length is not None else ""
            raise self.fail(name, f"a list of {count}numbers") from None

    def matrix(self, name: str, default: Any = REQUIRED, *, rows: int | None = None,
               cols: int | None = None) -> list[list[Fraction]]:
        value = self.get(name, default)
        shape = f"a {rows}×{cols}" if rows is not None and cols is not None else "an m×n"
        try:
            if not isinstance(value, list) or not value or (rows is not None and len(value) != rows):
                raise ValueError
            width = cols if cols is not None else (len(value[0]) if isinstance(value[0], list) else -1)
            if width < 1 or any(not isinstance(r, list) or len(r) != width for r in value):
                raise ValueError
            return [[parse_number(v) for v in row] for row in value]
        except ValueError:
            raise self.fail(name, f"{shape} matrix given as a list of rows of numbers") from None

    def choice(self, name: str, options: Iterable[str], default: Any = REQUIRED) -> str:
        value = self.get(name, default)
        options = list(options)
        if value not in options:
            raise self.fail(name, "one of " + ", ".join(f'"{o}"' for o in options))
        return str(value)

    def boolean(self, name: str, default: Any = REQUIRED) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "true or false")
        return value

    def finish(self) -> dict[str, Any]:
        """Every param read, in the topic's documented order, as plain JSON."""
        return {n: plain_json(self.read[n]) for n in self.names if n in self.read}


def _out_of_bounds(v: Any, depth: int = 0) -> str | None:
    """Why a value is beyond anything an exam needs (and could make us slow), or None."""
    if depth > 8:
        return "is nested deeper than any param of a topic"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INT:
        return "holds an integer beyond ±10^12; exam numbers are smaller"
    items = v.values() if isinstance(v, Mapping) else v if isinstance(v, list | tuple) else ()
    for x in items:
        reason = _out_of_bounds(x, depth + 1)
        if reason:
            return reason
    return None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int_range(lo: int | None, hi: int | None, *, plural: bool = False) -> str:
    noun = "integers" if plural else "an integer"
    if lo == 1 and hi is None:
        return "positive integers" if plural else "a positive integer"
    if lo == 0 and hi is None:
        return "non-negative integers" if plural else "a non-negative integer"
    if lo is not None and hi is not None:
        return f"{noun} from {lo} to {hi}"
    if lo is not None:
        return f"{noun} >= {lo}"
    if hi is not None:
        return f"{noun} <= {hi}"
    return noun
