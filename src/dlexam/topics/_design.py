"""Reading a student's design for the design.* topics: any JSON in, exact numbers out.

A design is a JSON object of named weights (a number, a list of numbers, or a list of
rows). Numbers may be JSON numbers, exact strings ("1/2", "0.25") or the key's own
{"exact": "1/2", "value": 0.5}. Whatever is wrong with a design becomes one
`DesignError` whose message is a single line a student can act on; a topic's `check`
turns it into Verdict(False, message) and never lets anything else escape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

from ._latex import decimal
from ._params import parse_number, show

__all__ = ["LIMIT", "DesignError", "as_json", "entries", "plain", "read"]

LIMIT = 10**12  # no sensible weight is larger; bigger ones are refused before any arithmetic

Shape = tuple[int, ...]


class DesignError(Exception):
    """A design that cannot be run as given; the message says where and why."""


def plain(x: Fraction) -> str:
    """An exact number as a student writes it: 0.5, -3, or 1/3 when it never ends."""
    text = decimal(x)
    if text is not None and len(text) <= 16:
        return text
    return f"{x.numerator}/{x.denominator}"


def as_json(value: Any) -> Any:
    """A design of Fractions as a student would type it: 2, 0.5, or "1/3"."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    x = Fraction(value)
    return int(x) if x.denominator == 1 else float(x) if decimal(x) is not None else plain(x)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    return "a number" if isinstance(value, int | float) else f"a {type(value).__name__}"


def number(value: Any, where: str) -> Fraction:
    """One exact number, or a DesignError naming `where`."""
    if isinstance(value, Mapping) and "exact" in value and set(value) <= {"exact", "value"}:
        value = value["exact"]  # the key's own form: {"exact": "1/2", "value": 0.5}
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list | tuple):
        raise DesignError(f"{where} must be a number, got {_kind(value)}")
    try:
        x = parse_number(value)
    except ValueError as e:
        reason = str(e)
        if "finite" in reason or (isinstance(value, str) and value.strip().lower().lstrip("+-")
                                  in ("nan", "inf", "infinity")):
            raise DesignError(f"{where} is not finite") from None
        if "exponent" in reason:
            raise DesignError(f"{where} = {show(value)} is too large or too small to use") from None
        if "division" in reason:
            raise DesignError(f"{where} = {show(value)} divides by zero") from None
        raise DesignError(f'{where} must be a number (e.g. 0.5 or "1/2"), got {_kind(value)}') from None
    if abs(x) > LIMIT:
        raise DesignError(f"{where} = {show(value)} is too large; keep weights within ±10^12")
    return x


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _vector(value: Any, where: str, n: int, what: str) -> list[Fraction]:
    if not isinstance(value, list | tuple):
        raise DesignError(f"{where} must be {what}, got {_kind(value)}")
    if len(value) != n:
        got = f"{len(value)} {'entry' if len(value) == 1 else 'entries'}"
        raise DesignError(f"{where} must be {what}, got {got}")
    return [number(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _value(value: Any, name: str, shape: Shape) -> Any:
    if not shape:
        return number(value, name)
    if len(shape) == 1:
        return _vector(value, name, shape[0], f"a list of {_plural(shape[0], 'number')}")
    rows, cols = shape
    what = f"{_plural(rows, 'row')} of {_plural(cols, 'number')}"
    if not isinstance(value, list | tuple):
        raise DesignError(f"{name} must be {what} (a list of lists), got {_kind(value)}")
    if len(value) != rows:
        raise DesignError(f"{name} must be {what}, got {_plural(len(value), 'row')}")
    return [_vector(row, f"{name}[{i}]", cols, f"a row of {_plural(cols, 'number')}")
            for i, row in enumerate(value)]


def read(design: Any, spec: dict[str, Shape]) -> dict[str, Any]:
    """The design's values as Fractions, shaped as `spec` says: () a number, (n,) a list,
    (rows, cols) a list of rows. Keys are checked first, then values in spec order."""
    names = ", ".join(spec)
    if not isinstance(design, Mapping):
        raise DesignError(f"the design must be a JSON object with the keys {names}, got {_kind(design)}")
    for key in design:
        if key not in spec:
            raise DesignError(f"the design has an unexpected key {show(str(key))}; it takes only {names}")
    for name in spec:
        if name not in design:
            raise DesignError(f"the design has no {name}; it needs {names}")
    return {name: _value(design[name], name, shape) for name, shape in spec.items()}


def entries(values: dict[str, Any]) -> Iterator[tuple[str, Fraction]]:
    """Every number of a read design with its place: W1[0][1], b2, ..."""
    for name, v in values.items():
        if isinstance(v, list):
            for i, row in enumerate(v):
                if isinstance(row, list):
                    for j, x in enumerate(row):
                        yield f"{name}[{i}][{j}]", x
                else:
                    yield f"{name}[{i}]", row
        else:
            yield name, v
