"""Tables and designs as students write them.

A table part's key is a list of row objects (cnn.layer_table: {"layer", "shape", "weights",
"biases"} per layer) or an object of columns (optim.step: {"square_avg": [...]}). A student
may answer with JSON (or a Python literal), or with text:

- rows: one line per row, cells split by "|" (a Markdown table), tabs, ";" or commas (as in
  lists; in an "en" exam ";" may also end a row on a one-line answer), else spaces. A
  header line naming the columns (case-insensitive, "output shape" names "shape") sets
  their order; without one, the cells follow the key's columns, and a row may leave out
  the text columns the question already gives (the layer names).
- columns: one line per column, "name: values" or "name = values".

Cells mirror the key: a number is read exactly, a list (a shape or a vector) as a list of
exact numbers (2x12x10 and [2, 12, 10] alike), text is kept stripped.

A design becomes plain JSON for the topic's checker, which decides everything else: JSON,
a Python literal ({'w': (1, -1)}), or "name = value" lines. Decimals stay as typed: a float
only where it is exactly the decimal the student wrote, else the string ("0.1" stays 0.1).
"""

from __future__ import annotations

import ast
import json
import re
from fractions import Fraction
from typing import Any

from ._parse_arrays import Leaf, nest_depth, read_nested, read_shape, split, text_depth
from ._parse_numbers import NumberError, Refusal, read_digits

__all__ = ["read_design", "read_table"]

_EXACT_TYPES = frozenset({int, Fraction})
_JSON_FLOAT = re.compile(r"-?([0-9.]+)(?:[eE]([+-]?[0-9]+))?")
_TABLE = "expected the table as JSON or one row per line (cells separated by | or commas)"
_DESIGN = 'expected the weights as a JSON object, like {"w": [0.5, -1], "b": 2}'


def _exact_float(text: str) -> Fraction:
    m = _JSON_FLOAT.fullmatch(text)
    if m is None:
        raise NumberError(f"{text} is not a number")
    value = read_digits(m.group(1), m.group(2) or "", comma=False)
    return -value if text.startswith("-") else value


def _refuse_constant(name: str) -> Any:
    raise NumberError(f"{name} is not a number")


def _literal(text: str, exact: bool) -> Any:
    """JSON (floats as exact Fractions if `exact`), else a Python literal, else None."""
    if text[:1] not in "[{(":
        return None
    try:
        if exact:
            return json.loads(text, parse_float=_exact_float, parse_constant=_refuse_constant)
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError):
        return None


def _cell(value: Any, expected: Any, comma: bool, leaf: Leaf) -> Any:
    """One cell (or a nested value) read in the shape of the key's `expected` cell."""
    kind, key_kind = type(value), type(expected)
    if kind in _EXACT_TYPES and (key_kind is int or (key_kind is dict and "exact" in expected)):
        return Fraction(value)  # the common cells, as the rules below read them: a number for a number
    if kind is str and key_kind is str:
        return value.strip()  # text for text
    if kind is list and key_kind is list and expected and type(expected[0]) is int and all(
            type(v) in _EXACT_TYPES for v in value):
        return [Fraction(v) for v in value]  # a list of numbers for a list of ints (a shape)
    if isinstance(expected, dict) and "exact" in expected:
        expected = 0  # the key's exact number: any number
    if isinstance(value, dict) and isinstance(value.get("exact"), str):
        value = value["exact"]  # the key's own form, pasted
    if isinstance(value, dict) and (expected is None or isinstance(expected, dict)):
        keyed = expected or {}
        fields = {str(k): _cell(v, keyed.get(k), comma, leaf) for k, v in value.items()}
        wrong = next((c for c in fields.values() if isinstance(c, Refusal)), None)
        return wrong or fields
    if isinstance(expected, str):
        if isinstance(value, dict | list | tuple):
            return Refusal("expected text, not a list")
        return str(value).strip()
    if isinstance(expected, list) or (expected is None and isinstance(value, list | tuple)):
        if isinstance(value, str):
            shape = read_shape(value, comma, None, None) if "x" in value.lower() or "*" in value else None
            if isinstance(shape, tuple):
                return [Fraction(n) for n in shape]
            return read_nested(value, max(nest_depth(expected), 1), leaf, comma)
        if not isinstance(value, list | tuple):
            return Refusal("expected a list of numbers")
        each = expected[0] if isinstance(expected, list) and expected else None
        cells = [_cell(v, each, comma, leaf) for v in value]
        wrong = next((c for c in cells if isinstance(c, Refusal)), None)
        return wrong or cells
    if isinstance(value, bool) or value is None or isinstance(value, dict | list | tuple):
        return Refusal(f"expected a number, got {json.dumps(value, default=str)[:40]}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value)) if value == value and abs(value) != float("inf") else Refusal(
            "expected a finite number")
    number = leaf(str(value).strip(), comma)
    if expected is None and isinstance(value, str) and isinstance(number, Refusal):
        return value.strip()  # no key to say it is a number: keep the text
    return number


def _columns(expected: Any) -> list[str]:
    names: list[str] = []
    for row in expected:
        names += [k for k in row if k not in names] if isinstance(row, dict) else []
    return names


def _record(row: Any, example: dict[str, Any], columns: list[str], comma: bool, leaf: Leaf,
            header: list[str] | None = None) -> dict[str, Any] | Refusal:
    if isinstance(row, dict):
        named = {c.lower(): c for c in columns}
        pairs = [(named.get(str(k).strip().lower(), str(k)), v) for k, v in row.items()]
    else:
        cells = list(row)
        given = [c for c in columns if not isinstance(example.get(c), str)]
        names = header or (columns if len(cells) == len(columns) else given)
        if len(cells) != len(names):
            return Refusal(f"{len(cells)} cells where the table has {len(columns)} columns "
                           f"({', '.join(columns)})")
        pairs = list(zip(names, cells, strict=True))
    record = {}
    for name, value in pairs:
        if name not in example and columns:
            return Refusal(f"unknown column {name!r} (the columns are {', '.join(columns)})")
        cell = _cell(value, example.get(name), comma, leaf)
        if isinstance(cell, Refusal):
            return Refusal(f"{name}: {cell}")
        record[name] = cell
    return record


def _header(cells: list[str], columns: list[str]) -> list[str] | None:
    found = []
    for cell in cells:
        words = cell.lower().replace("_", " ")
        match = ([c for c in columns if c.lower() == words]
                 or [c for c in columns if c.lower() in words.split()])
        if len(match) != 1 or match[0] in found:
            return None
        found.append(match[0])
    return found


def _text_rows(text: str, comma: bool) -> list[list[str]] | Refusal:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) == 1 and not comma and ";" in lines[0]:
        parts = split(lines[0], comma, rows=True)
        if isinstance(parts, Refusal):
            return parts
        lines = parts
    rows = []
    for line in lines:
        if re.fullmatch(r"[\s|:+=-]+", line):
            continue  # a Markdown or ASCII rule
        if "|" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
        elif "\t" in line:
            cells = [c.strip() for c in line.split("\t")]
        else:
            found = split(line, comma)
            if isinstance(found, Refusal):
                return found
            cells = found
        rows.append(cells)
    return rows


def read_table(text: str, comma: bool, expected: Any, leaf: Leaf) -> Any:
    data = _literal(text, exact=True)
    if isinstance(expected, dict):
        return _column_table(text, data, comma, expected, leaf)
    records = isinstance(expected, list) and expected and all(isinstance(r, dict) for r in expected)
    if data is not None and not records:
        return _cell(data, expected, comma, leaf)
    if not records:
        return Refusal(_TABLE)
    columns = _columns(expected)
    example = {k: v for row in reversed(expected) for k, v in row.items()}
    header = None
    if isinstance(data, list | tuple):
        rows: list[Any] = list(data)
    elif data is not None:
        return Refusal(_TABLE)
    else:
        lines = _text_rows(text, comma)
        if isinstance(lines, Refusal):
            return lines
        header = _header(lines[0], columns) if lines else None
        rows = lines[1:] if header else lines
    if not rows:
        return Refusal(_TABLE)
    out = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict | list | tuple):
            return Refusal(f"row {i}: {_TABLE}")
        record = _record(row, example, columns, comma, leaf, header)
        if isinstance(record, Refusal):
            return Refusal(f"row {i}: {record}")
        out.append(record)
    return out


def _column_table(text: str, data: Any, comma: bool, expected: dict[str, Any], leaf: Leaf) -> Any:
    named = {str(k).lower(): k for k in expected}
    if data is None:
        data = {}
        for line in (line.strip() for line in text.split("\n")):
            m = re.fullmatch(r"([^:=]+?)\s*[:=]\s*(.+)", line)
            if line and m is None:
                return Refusal('expected one column per line, like "name: 1, 2"')
            if m is not None:
                data[m.group(1)] = m.group(2)
    if not isinstance(data, dict):
        return Refusal(_TABLE)
    out = {}
    for key, value in data.items():
        name = named.get(str(key).strip().lower())
        if name is None:
            return Refusal(f"unknown column {str(key)[:40]!r} "
                           f"(the columns are {', '.join(map(str, expected))})")
        cell = _cell(value, expected[name], comma, leaf)
        if isinstance(cell, Refusal):
            return Refusal(f"{name}: {cell}")
        out[name] = cell
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)  # a closed form: the checker says what is wrong with it


def _design_float(text: str) -> Any:
    exact = _exact_float(text)
    f = float(text)
    return f if Fraction(repr(f)) == exact else text


def read_design(text: str, comma: bool, leaf: Leaf) -> Any:
    data: Any = None
    if text[:1] in "[{(":
        try:
            data = json.loads(text, parse_float=_design_float, parse_constant=_refuse_constant)
        except ValueError:
            data = _literal(text, exact=False)
    else:
        lines = split(text, comma, rows=True)
        if isinstance(lines, Refusal):
            return lines
        data = {}
        for line in lines:
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(.+)", line)
            if m is None:
                return Refusal(_DESIGN)
            name, raw = m.groups()
            value = _literal(raw, exact=False)
            if value is None:
                value = leaf(raw, comma)
            if isinstance(value, Refusal):
                nested = read_nested(raw, text_depth(raw), leaf, comma)
                value = value if isinstance(nested, Refusal) else nested
            if isinstance(value, Refusal):
                return Refusal(f"{name}: {value}")
            data[name] = value
    if not isinstance(data, dict) or not data:
        return Refusal(_DESIGN)
    return _plain(data)
