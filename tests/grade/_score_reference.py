"""The scoring of `dlexam.grade.score` as it was before its fast paths (issue 5, P2): a reference.

Copied (changed only in imports and layout) from dlexam/grade (parse.py, _parse_numbers.py,
_parse_arrays.py, _parse_tables.py, score.py, _score_cells.py, _score_tolerance.py) as they
stood before the speed-up, so that tests can check that the fast `score` and `read` give
exactly the marks, statuses, feedback and readings the straightforward code gave. The
pieces the speed-up did not touch (choices, designs, expressions, normalising, SymPy
approximation, significant-figure steps) are imported from the package.

    ref_score(part, "0.25", policy="per_option")   # the original score(...)
    ref_read("vector", "[1, 2]")                     # the original parse.read(...)
"""


from __future__ import annotations

import ast
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from math import floor
from typing import Any

import sympy

from dlexam.engine import decimal_places
from dlexam.grade._parse_choices import read_choices, read_true_false
from dlexam.grade._parse_expr import KEYS, MP, evaluate
from dlexam.grade._parse_numbers import NumberError, Refusal, normalise
from dlexam.grade._parse_tables import read_design
from dlexam.grade._score_tolerance import _decimal, sigfig_step
from dlexam.grade.parse import Reading, approximate
from dlexam.grade.score import Score
from dlexam.model import POLICIES, Part
from dlexam.topics import get_topic

__all__ = [
    "RefTolerance",
    "ref_default_tolerance",
    "ref_equivalent",
    "ref_exact_key",
    "ref_read",
    "ref_score",
]


# ---- from dlexam/grade/_parse_numbers.py ---------------------------------------------------------------


MAX_EXPONENT = 400  # 1e-400 … 1e400; a larger exponent is refused before Fraction builds it

MAX_DIGITS = 120

# Languages whose decimal mark is a comma; a region may say otherwise (Swiss German uses a dot).
_COMMA_LANGUAGES = frozenset(
    "af az be bg bs ca cs da de el eo es et eu fi fo fr gl hr hu hy id is it ka kk ky lt lv mk mn "
    "nb nl nn no pl pt ro ru sk sl sq sr sv tr uk uz vi".split()
)

_DOT_REGIONS = frozenset({"ch", "li"})


def comma_decimal(locale: str) -> bool:
    """Whether the locale ("de", "de-DE", "fr_CH", …) writes one and a half as 1,5."""
    parts = re.split(r"[-_.@]", str(locale).strip().lower())
    if len(parts) > 1 and parts[1] in _DOT_REGIONS:
        return False
    return parts[0] in _COMMA_LANGUAGES


_GROUPED = {sep: re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in ", ."}

_DIGITS = re.compile(r"[0-9]*")

_AMBIGUOUS_DOT = re.compile(r"[1-9][0-9]{0,2}\.[0-9]{3}")


def read_digits(body: str, exponent: str, comma: bool) -> Fraction:
    """The exact value of an unsigned decimal `body` (digits, marks and group separators)
    times 10**exponent. Raises NumberError with a hint."""
    if len(body) > MAX_DIGITS:
        raise NumberError(f"a number of more than {MAX_DIGITS} characters")
    if comma and "," in body and "." in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        groups = "." if decimal == "," else ","
    elif comma and "," in body:
        if body.count(",") > 1:
            raise NumberError(f"{body} has more than one decimal comma; separate entries with ; or spaces")
        decimal, groups = ",", ""
    elif comma and body.count(".") == 1 and _AMBIGUOUS_DOT.fullmatch(body):
        raise NumberError(
            f"{body} is ambiguous here (a thousand, or one?): write it without the dot, "
            "or with a decimal comma"
        )
    elif comma and body.count(".") > 1:
        decimal, groups = "", "."
    else:
        decimal, groups = ".", ","
    whole, _, fraction = body.partition(decimal) if decimal else (body, "", "")
    for sep in " " + groups:
        if sep in whole:
            if not _GROUPED[sep].fullmatch(whole):
                if sep == "," and not comma:
                    raise NumberError(
                        f"{body}: a comma is not a decimal mark in this exam; write a dot, as in 1.5"
                    )
                raise NumberError(f"{body} is not a number: group digits only in threes, as in 1 000")
            whole = whole.replace(sep, "")
    if not _DIGITS.fullmatch(whole) or not _DIGITS.fullmatch(fraction) or not (whole or fraction):
        raise NumberError(f"{body} is not a number")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise NumberError(f"the exponent {exponent} is out of range (at most {MAX_EXPONENT})")
    return Fraction(f"{whole or '0'}.{fraction or '0'}e{exponent or '0'}")


_NUMBER = re.compile(r"([+-]?) ?([0-9][0-9., ]*|[.,][0-9]+)(?:[eE]([+-]?[0-9]{1,6}))?( ?%)?")

_RATIO = re.compile(r"([+-]?) ?([0-9]{1,60}) ?/ ?([0-9]{1,60})")


def plain_number(text: str, comma: bool) -> Fraction | None:
    """A plain number or integer ratio (the fast path), or None when `text` is something
    else (an expression, perhaps). `text` is already normalised. Raises NumberError when it
    looks like a number but is malformed (1,5 in an English exam)."""
    m = _NUMBER.fullmatch(text)
    if m is not None:
        sign, body, exponent, percent = m.groups()
        value = read_digits(body.rstrip(), exponent or "", comma)
        if percent:
            value /= 100
        return -value if sign == "-" else value
    m = _RATIO.fullmatch(text)
    if m is not None:
        sign, top, bottom = m.groups()
        if int(bottom) == 0:
            raise NumberError(f"{text} divides by zero")
        value = Fraction(int(top), int(bottom))
        return -value if sign == "-" else value
    return None


# ---- from dlexam/grade/_parse_arrays.py ----------------------------------------------------------------


MAX_ENTRIES = 10_000

SECONDS = 3.0  # for one whole answer; each expression has its own, smaller limit

_PAIRS = {"(": ")", "[": "]", "{": "}"}

_CLOSERS = frozenset(_PAIRS.values())

_CALL = re.compile(
    r"(?:torch\.|np\.|numpy\.)?(?:tensor|Tensor|FloatTensor|LongTensor|array|Size|Matrix|"
    r"matrix)\s*(?=\()"
)

Leaf = Callable[[str, bool], Any]


def _closing(text: str, start: int) -> int:
    """The index of the bracket closing the one at `start`, or -1."""
    stack = []
    for i in range(start, len(text)):
        c = text[i]
        if c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c in _CLOSERS:
            if not stack or stack.pop() != c:
                return -1
            if not stack:
                return i
    return -1


def unwrap(text: str) -> tuple[str, bool]:
    """`text` without a tensor(…)/torch.Size(…) call and one pair of brackets around all of it."""
    text = text.strip()
    m = _CALL.match(text)
    if m is not None and _closing(text, m.end()) == len(text) - 1:
        text = text[m.end() + 1 : -1].strip()
    if text[:1] in _PAIRS and _closing(text, 0) == len(text) - 1:
        return text[1:-1].strip(), True
    return text, False


def split(text: str, comma: bool, *, rows: bool = False) -> list[str] | Refusal:
    """Top-level items of `text`: by ; and new lines (rows=True: only those), else by commas,
    else by spaces. Brackets must balance."""
    strong: list[int] = []
    commas: list[int] = []
    spaces: list[int] = []
    stack: list[str] = []
    for i, c in enumerate(text):
        if c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c in _CLOSERS:
            if not stack or stack.pop() != c:
                return Refusal(f"a closing {c!r} does not match an opening bracket")
        elif stack:
            continue
        elif c in ";\n":
            strong.append(i)
        elif c == "," and not (
            comma and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
        ):
            commas.append(i)
        elif c in " \t":
            spaces.append(i)
    if stack:
        return Refusal(f"a bracket is not closed (expected {stack[-1]!r})")
    marks = not rows and (commas or any(text[i] == ";" for i in strong))
    cuts = sorted(strong + commas if marks else strong if rows else strong + spaces)
    cuts = [
        c
        for n, c in enumerate(cuts)  # a line break right after a comma or ; (wrapped output) is one cut
        if not (text[c] == "\n" and n and not text[cuts[n - 1] + 1 : c].strip())
    ]
    items = [text[i + 1 : j].strip() for i, j in zip([-1, *cuts], [*cuts, len(text)], strict=True)]
    if not marks:  # runs of spaces, blank lines
        items = [item for item in items if item]
    elif len(items) > 1 and not items[-1]:
        items.pop()  # a trailing separator: [1, 2, 3,]
    if any(not item for item in items) or not items:
        return Refusal("an entry is missing between two separators")
    return items


def _groups(text: str) -> list[str] | None:
    """The bracketed groups `text` consists of ([1, 2], [3, 4]), or None if it has more."""
    groups: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in _PAIRS:
            end = _closing(text, i)
            if end < 0:
                return None
            groups.append(text[i : end + 1])
            i = end + 1
        elif c in " \t\n,;":
            i += 1
        else:
            return None
    return groups or None


class _Budget:
    def __init__(self) -> None:
        self.entries, self.deadline = 0, time.perf_counter() + SECONDS

    def spend(self) -> Refusal | None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            return Refusal(f"too many entries (more than {MAX_ENTRIES})")
        if time.perf_counter() > self.deadline:
            return Refusal("too large an answer to read in time")
        return None


def read_nested(text: str, depth: int, leaf: Leaf, comma: bool, budget: _Budget | None = None) -> Any:
    """Lists nested `depth` deep with `leaf` values, or a Refusal naming the entry."""
    budget = budget or _Budget()
    if depth == 0:
        return budget.spend() or leaf(text, comma)
    inner, _ = unwrap(text)
    groups = _groups(inner) if depth >= 2 else None
    if groups is not None:
        items: list[str] | Refusal = groups
    elif depth == 2:
        items = split(inner, comma, rows=True)
    elif depth == 1:
        items = split(inner, comma) if inner else []
    else:
        return Refusal(f"expected {depth} levels of brackets, like [[[1, 2]], [[3, 4]]]")
    if isinstance(items, Refusal):
        return items
    values = []
    for i, item in enumerate(items, 1):
        value = read_nested(item, depth - 1, leaf, comma, budget)
        if isinstance(value, Refusal):
            where = "entry" if depth == 1 else "row" if depth == 2 else "item"
            return Refusal(f"{where} {i}: {value}")
        values.append(value)
    return values


def nest_depth(expected: Any) -> int:
    """How deep a key's lists nest: 1 for [1, 2], 2 for [[1], [2, 3]]."""
    if isinstance(expected, list):
        return 1 + max((nest_depth(x) for x in expected), default=0)
    return 0


def text_depth(text: str) -> int:
    depth = 1
    for _ in range(20):
        inner, _ = unwrap(text)
        groups = _groups(inner)
        if groups is None:
            break
        depth, text = depth + 1, groups[0]
    return depth


def _vector(text: str, comma: bool, leaf: Leaf) -> Any:
    flat = read_nested(text, 1, leaf, comma)
    if not isinstance(flat, Refusal) or _groups(unwrap(text)[0]) is None:
        return flat
    rows = read_nested(text, 2, leaf, comma)
    if isinstance(rows, Refusal):
        return rows
    if len(rows) == 1:
        return rows[0]
    if all(len(row) == 1 for row in rows):
        return [row[0] for row in rows]
    return Refusal("expected a vector like [1, 2, 3], not a matrix")


def _matrix(text: str, comma: bool, leaf: Leaf, expected: Any) -> Any:
    rows = read_nested(text, 2, leaf, comma)
    if isinstance(rows, Refusal):
        return rows
    lengths = sorted({len(row) for row in rows})
    if len(lengths) > 1:
        return Refusal(
            f"the rows have different lengths ({', '.join(map(str, lengths))}); "
            "write a matrix like [[1, 2], [3, 4]]"
        )
    column = (
        isinstance(expected, list)
        and len(expected) > 1
        and all(isinstance(r, list) and len(r) == 1 for r in expected)
    )
    if column and len(rows) == 1 and len(rows[0]) == len(expected):
        return [[x] for x in rows[0]]  # a column written flat: [1, 2, 3]
    return rows


def reader(leaf: Leaf, kind: str) -> Callable[[str, bool, Any, int | None], Any]:
    """The reader of a vector, matrix, list or table part, with `leaf` reading numbers."""

    def read(text: str, comma: bool, expected: Any, options: int | None) -> Any:
        if kind == "vector":
            return _vector(text, comma, leaf)
        if kind == "matrix":
            return _matrix(text, comma, leaf, expected)
        if kind == "table":
            return read_table(text, comma, expected, leaf)
        depth = nest_depth(expected) if isinstance(expected, list) else text_depth(text)
        return read_nested(text, max(depth, 1), leaf, comma)

    return read


_SHAPE_SPLIT = re.compile(r"\s*(?:[xX*,;]|\bby\b)\s*|\s+")

_SHAPE = "expected a shape like 2x12x248x83 or (2, 12, 248, 83)"


def read_shape(text: str, comma: bool, expected: Any, options: int | None) -> Any:
    inner, _ = unwrap(text)
    inner, _ = unwrap(inner)  # torch.Size([…])
    if not inner:
        return ()
    items = _SHAPE_SPLIT.split(inner)
    if len(items) > 1 and not items[-1] and inner.endswith(","):
        items.pop()  # (2,)
    if len(items) > 64 or not all(item.isascii() and item.isdigit() and len(item) <= 12 for item in items):
        return Refusal(_SHAPE)
    return tuple(int(item) for item in items)


# ---- from dlexam/grade/_parse_tables.py ----------------------------------------------------------------


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
        return (
            Fraction(repr(value))
            if value == value and abs(value) != float("inf")
            else Refusal("expected a finite number")
        )
    number = leaf(str(value).strip(), comma)
    if expected is None and isinstance(value, str) and isinstance(number, Refusal):
        return value.strip()  # no key to say it is a number: keep the text
    return number


def _columns(expected: Any) -> list[str]:
    names: list[str] = []
    for row in expected:
        names += [k for k in row if k not in names] if isinstance(row, dict) else []
    return names


def _record(
    row: Any,
    example: dict[str, Any],
    columns: list[str],
    comma: bool,
    leaf: Leaf,
    header: list[str] | None = None,
) -> dict[str, Any] | Refusal:
    if isinstance(row, dict):
        named = {c.lower(): c for c in columns}
        pairs = [(named.get(str(k).strip().lower(), str(k)), v) for k, v in row.items()]
    else:
        cells = list(row)
        given = [c for c in columns if not isinstance(example.get(c), str)]
        names = header or (columns if len(cells) == len(columns) else given)
        if len(cells) != len(names):
            return Refusal(
                f"{len(cells)} cells where the table has {len(columns)} columns ({', '.join(columns)})"
            )
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
        match = [c for c in columns if c.lower() == words] or [
            c for c in columns if c.lower() in words.split()
        ]
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
            return Refusal(
                f"unknown column {str(key)[:40]!r} (the columns are {', '.join(map(str, expected))})"
            )
        cell = _cell(value, expected[name], comma, leaf)
        if isinstance(cell, Refusal):
            return Refusal(f"{name}: {cell}")
        out[name] = cell
    return out


# ---- from dlexam/grade/parse.py ------------------------------------------------------------------------


NO_ANSWER = "no answer given"

MAX_TEXT = 20_000  # characters; a longer answer is refused before any parsing


def read(
    kind: str, text: Any, *, locale: str = "en", expected: Any = None, options: int | None = None
) -> Reading:
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
    "shape": read_shape,
    "vector": reader(read_number, "vector"),
    "matrix": reader(read_number, "matrix"),
    "list": reader(read_number, "list"),
    "table": reader(read_number, "table"),
    "design": lambda text, comma, expected, options: read_design(text, comma, read_number),
    "choice": read_choices,
    "choices": read_choices,
    "true_false": read_true_false,
}

_READERS["choice"] = lambda text, comma, expected, options: read_choices(text, comma, expected, options, 1)


@lru_cache(maxsize=4096)
def _key_expression(text: str) -> Any:
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


# ---- from dlexam/grade/_score_tolerance.py -------------------------------------------------------------


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


EXACT = Tolerance()

_DEFAULT_RELATIVE = Tolerance("relative", RELATIVE)


def default_tolerance(key: Any, *, calculator: bool = False) -> Tolerance:
    """The tolerance a key gets when the exam sets none (see the module's rule). Raises
    ValueError for a key that is not a number: keys are ours."""
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


# ---- from dlexam/grade/_score_cells.py -----------------------------------------------------------------


Accepts = Callable[[Any, Any], bool]  # (student value, key number) -> right?

_MISSING = object()


@dataclass
class Tally:
    """Cells right out of cells marked."""

    right: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.right == self.total


def is_key_number(x: Any) -> bool:
    """A number as keys hold it: an int, a float or {"exact": …, "value": …}."""
    if isinstance(x, bool):
        return False
    return isinstance(x, int | float | Fraction) or (isinstance(x, dict) and "exact" in x)


def _numbers_in(value: Any) -> int:
    """How many numbers a read value holds (what a surplus part of an answer adds)."""
    if isinstance(value, list | tuple):
        return sum(_numbers_in(v) for v in value)
    if isinstance(value, dict):
        return sum(_numbers_in(v) for v in value.values())
    return 0 if isinstance(value, str | bool) or value is None or value is _MISSING else 1


def _walk(value: Any, key: Any, accepts: Accepts, out: Tally) -> None:
    if is_key_number(key):
        out.total += 1
        if value is not _MISSING and accepts(value, key):
            out.right += 1
    elif isinstance(key, list):
        items = list(value) if isinstance(value, list | tuple) else []
        for i, k in enumerate(key):
            _walk(items[i] if i < len(items) else _MISSING, k, accepts, out)
        out.total += sum(_numbers_in(extra) for extra in items[len(key) :])
    elif isinstance(key, dict):
        named = value if isinstance(value, dict) else {}
        for name, k in key.items():
            _walk(named.get(name, _MISSING), k, accepts, out)
        out.total += sum(_numbers_in(v) for name, v in named.items() if name not in key)


def tally(value: Any, key: Any, accepts: Accepts) -> Tally:
    """Count the key's cells the value gets right (see the module's rule)."""
    out = Tally()
    _walk(value, key, accepts, out)
    return out


def half_marks(marks: Fraction, t: Tally) -> Fraction:
    """marks × right / total to the nearest half mark (halves up), below full unless complete."""
    if t.complete:
        return marks
    raw = marks * t.right / t.total
    rounded = Fraction(floor(raw * 2 + Fraction(1, 2)), 2)
    return max(Fraction(0), min(rounded, marks - Fraction(1, 2)))


# ---- from dlexam/grade/score.py ------------------------------------------------------------------------


STATUSES = (
    "right",
    "partial",
    "wrong",
    "unreadable",
    "blank",
    "awaiting_ta",
    "carried",
)  # carried: marked against a key recomputed from earlier answers (grade/carry.py)

_CELLS = {"shape": "sizes", "table": "cells"}  # what a cell is called in feedback; else "entries"

_SPACE = re.compile(r"\s+")

MAX_FEEDBACK = 300  # characters


def _one_line(text: str) -> str:
    line = _SPACE.sub(" ", text).strip()
    return line if len(line) <= MAX_FEEDBACK else line[: MAX_FEEDBACK - 1] + "…"


def _make(marks: Fraction, full: Fraction, status: str, feedback: str) -> Score:
    return Score(max(Fraction(0), min(marks, full)), status, _one_line(feedback))


def _graded(marks: Fraction, full: Fraction, feedback: str) -> Score:
    status = "right" if marks == full else "partial" if marks > 0 else "wrong"
    return _make(marks, full, status, feedback)


def score(
    part: Part,
    text: Any,
    *,
    policy: str,
    tolerance: Tolerance | None = None,
    topic: str | None = None,
    params: dict[str, Any] | None = None,
    locale: str = "en",
    calculator: bool = False,
) -> Score:
    """Score one answer (`text`, or a JSON value from a JSON-lines export) to `part`, under the
    section's multiple-choice `policy` (one of model.POLICIES). `topic` and `params` are the
    question's, needed for a design part; `calculator` is the question's flag (it widens the
    default tolerance of terminating decimals). See the module's rules."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    full = Fraction(max(part.marks, 0))
    checker = get_topic(topic) if part.kind == "design" and topic is not None else None
    if checker is not None and not checker.checks_designs:
        raise ValueError(f"topic {topic} has no design check, so it cannot mark part {part.id!r}")
    if checker is not None and params is None:
        raise ValueError(f"part {part.id!r}: a design is checked against the question's params; give params")
    if part.kind == "text" and isinstance(text, str) and text.strip():
        return _make(Fraction(0), full, "awaiting_ta", "awaiting a TA's marks against the rubric")
    options = len(part.options) if part.kind in ("choice", "choices") and part.options else None
    reading = read(part.kind, text, locale=locale, expected=part.answer, options=options)
    if reading.blank:
        return _make(Fraction(0), full, "blank", "no answer given")
    if not reading.ok:
        return _make(Fraction(0), full, "unreadable", f"could not read the answer: {reading.error}")
    try:
        return _judge(part, reading, full, policy, tolerance, checker, params, calculator)
    except Exception as e:  # a read value the comparison cannot handle must not crash the grader
        _check_key(part.answer)  # … but a broken key is ours, and must be loud
        why = f"the answer could not be compared ({type(e).__name__})"
        return _make(Fraction(0), full, "unreadable", why)


def _judge(
    part: Part,
    reading: Reading,
    full: Fraction,
    policy: str,
    tolerance: Tolerance | None,
    checker: Any,
    params: dict[str, Any] | None,
    calculator: bool,
) -> Score:
    value, kind = reading.value, part.kind
    if kind == "text":
        return _make(Fraction(0), full, "awaiting_ta", "awaiting a TA's marks against the rubric")
    if kind == "design":
        if checker is None:
            return _make(Fraction(0), full, "awaiting_ta", "awaiting a TA: no topic given to run the design")
        verdict = checker.check(params, value)
        return _graded(full if verdict.ok else Fraction(0), full, verdict.message)
    if kind in ("choice", "true_false"):
        return _single(part, value, full)
    if kind == "choices":
        return _choices(part, value, full, policy)
    if kind in ("integer", "number"):
        rule = tolerance or default_tolerance(part.answer, calculator=calculator)
        if rule.accepts(value, part.answer):
            exactly = rule.kind == "exact" or EXACT.accepts(value, part.answer)
            return _graded(full, full, "right" if exactly else f"right: {rule.describe()}")
        how = "not equal to the key" if rule.kind == "exact" else f"not {rule.describe()}"
        return _graded(Fraction(0), full, f"wrong: {how}")
    return _cells(part, value, full, tolerance, calculator)


def _accepts(kind: str, tolerance: Tolerance | None, calculator: bool) -> Any:
    if kind == "shape":
        return EXACT.accepts
    if tolerance is not None:
        return tolerance.accepts
    return lambda value, key: default_tolerance(key, calculator=calculator).accepts(value, key)


def _cells(part: Part, value: Any, full: Fraction, tolerance: Tolerance | None, calculator: bool) -> Score:
    counted: Tally = tally(value, part.answer, _accepts(part.kind, tolerance, calculator))
    noun = _CELLS.get(part.kind, "entries")
    if counted.total == 0:
        return _graded(full, full, "right")
    if counted.complete:
        return _graded(full, full, f"all {counted.total} {noun} right")
    return _graded(half_marks(full, counted), full, f"{counted.right} of {counted.total} {noun} right")


def _letters(part: Part) -> frozenset[str]:
    if part.kind == "true_false":
        return frozenset()
    answer = part.answer
    return frozenset([answer] if isinstance(answer, str) else [str(a) for a in answer])


def _single(part: Part, value: Any, full: Fraction) -> Score:
    if part.kind == "true_false":
        right = value == part.answer
        return _graded(full if right else Fraction(0), full, "right" if right else "wrong")
    right = value == _letters(part)
    chosen = ", ".join(sorted(value)) if isinstance(value, frozenset) else str(value)
    feedback = "right" if right else f"({chosen}) is not the right option"
    return _graded(full if right else Fraction(0), full, feedback)


def _choices(part: Part, value: frozenset[str], full: Fraction, policy: str) -> Score:
    right = _letters(part)
    n = max(len(part.options), len(right | value))
    hits, misses = len(value & right), len(value - right)
    k = len(right)
    summary = f"{hits} of {k} right boxes checked, {misses} wrong box{'es' if misses != 1 else ''} checked"
    if value == right:
        return _graded(full, full, "right: exactly the right boxes checked")
    if policy == "all_or_nothing" or k == 0:
        return _graded(Fraction(0), full, f"{summary}; all or nothing")
    penalty = full / k if policy == "negative" else full / (n - k) if n > k else Fraction(0)
    marks = max(Fraction(0), hits * full / k - misses * penalty)
    return _graded(marks, full, summary)


def _check_key(answer: Any) -> None:
    """Raise ValueError if a number of the key cannot be read (keys are ours)."""
    if is_key_number(answer):
        exact_key(answer)
    elif isinstance(answer, list):
        for a in answer:
            _check_key(a)
    elif isinstance(answer, dict):
        for a in answer.values():
            _check_key(a)


# -- the names the tests use ----------------------------------------------------------------
RefTolerance = Tolerance


def ref_score(part: Part, text: Any, *, policy: str, tolerance: Any = None, **kw: Any) -> Score:
    """The original `score`, for a tolerance given as the package's Tolerance or None."""
    ref = None if tolerance is None else Tolerance(tolerance.kind, tolerance.value)
    return score(part, text, policy=policy, tolerance=ref, **kw)


ref_read = read
ref_exact_key = exact_key
ref_equivalent = equivalent
ref_default_tolerance = default_tolerance
