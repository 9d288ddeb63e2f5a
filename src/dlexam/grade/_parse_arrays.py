"""Shapes, vectors, matrices and nested lists as students write them.

Shapes: 2x12x248x83, 2×12×248×83, 2 x 12 x 248 x 83, 2 by 12, (2, 12, 248, 83), [2,12,248,83],
torch.Size([2, 12, 248, 83]); a tuple of non-negative ints.

Vectors: [1, 2, 3], (1; 2; 3), {1, 2, 3}, 1 2 3, tensor([1, 2, 3]), a row [[1, 2, 3]] or a column
[[1], [2], [3]]. Matrices: [[1, 2], [3, 4]], ((1, 2), (3, 4)), [1 2; 3 4], or one row per line.
Lists nest as deep as the key does (a ragged [[a, b, c], [d]] is fine); without a key the
brackets say how deep. Entries are read as numbers or expressions (exactly).

Separators, at the top level only (never inside parentheses, so [exp(1), 1/(1+e)] works):
";" and new lines are strongest, then commas, then spaces, so "1, -2" and "1 -2" are two
entries but "ln 9, 2" keeps "ln 9" whole. In a decimal-comma locale a comma between two
digits is a decimal mark (1,5) and any other comma separates: [1,5, 2,5] is two entries,
while [1,5,2,5] is refused rather than guessed. A final trailing separator is allowed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from ._parse_numbers import Refusal

__all__ = ["Refusal", "nest_depth", "read_nested", "read_shape", "reader", "split", "text_depth", "unwrap"]

MAX_ENTRIES = 10_000
SECONDS = 3.0  # for one whole answer; each expression has its own, smaller limit
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_PAIRS.values())
_CALL = re.compile(r"(?:torch\.|np\.|numpy\.)?(?:tensor|Tensor|FloatTensor|LongTensor|array|Size|Matrix|"
                   r"matrix)\s*(?=\()")

Leaf = Callable[[str, bool], Any]


# The characters the scanners below act on; they step from one to the next (by regex, not
# character by character), which is most of the speed of reading a long list.
_BRACKET = re.compile(r"[()\[\]{}]")
_SPECIAL = re.compile(r"[()\[\]{};\n, \t]")
_SEPARATORS = re.compile(r"[ \t\n,;]*")
_STRUCTURE = re.compile(r"[()\[\]{};\n]")
_BLANK = re.compile(r"[ \t]")
_FLAT_GROUP = re.compile(r"\[[^()\[\]{}]*\]|\([^()\[\]{}]*\)|\{[^()\[\]{}]*\}")


def _closing(text: str, start: int) -> int:
    """The index of the bracket closing the one at `start`, or -1."""
    stack = []
    for m in _BRACKET.finditer(text, start):
        c, i = m.group(), m.start()
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
    first = text[:1]
    if first in _PAIRS and text[-1] == _PAIRS[first] and not _BRACKET.search(text, 1, len(text) - 1):
        return text[1:-1].strip(), True  # [1, 2, 3]: one pair, nothing nested (the common case)
    m = _CALL.match(text)
    if m is not None and _closing(text, m.end()) == len(text) - 1:
        text = text[m.end() + 1:-1].strip()
    if text[:1] in _PAIRS and _closing(text, 0) == len(text) - 1:
        return text[1:-1].strip(), True
    return text, False


def split(text: str, comma: bool, *, rows: bool = False) -> list[str] | Refusal:
    """Top-level items of `text`: by ; and new lines (rows=True: only those), else by commas,
    else by spaces. Brackets must balance."""
    if not rows and not _STRUCTURE.search(text) and not (comma and "," in text):
        return _split_flat(text)
    strong: list[int] = []
    commas: list[int] = []
    spaces: list[int] = []
    stack: list[str] = []
    for m in _SPECIAL.finditer(text):  # every other character is part of an item
        c, i = m.group(), m.start()
        if c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c in _CLOSERS:
            if not stack or stack.pop() != c:
                return Refusal(f"a closing {c!r} does not match an opening bracket")
        elif stack:
            continue
        elif c in ";\n":
            strong.append(i)
        elif c == "," and not (comma and 0 < i < len(text) - 1 and text[i - 1].isdigit()
                               and text[i + 1].isdigit()):
            commas.append(i)
        elif c in " \t":
            spaces.append(i)
    if stack:
        return Refusal(f"a bracket is not closed (expected {stack[-1]!r})")
    marks = not rows and (commas or any(text[i] == ";" for i in strong))
    cuts = sorted(strong + commas if marks else strong if rows else strong + spaces)
    cuts = [c for n, c in enumerate(cuts)  # a line break right after a comma or ; (wrapped output) is one cut
            if not (text[c] == "\n" and n and not text[cuts[n - 1] + 1:c].strip())]
    items = [text[i + 1:j].strip() for i, j in zip([-1, *cuts], [*cuts, len(text)], strict=True)]
    if not marks:  # runs of spaces, blank lines
        items = [item for item in items if item]
    elif len(items) > 1 and not items[-1]:
        items.pop()  # a trailing separator: [1, 2, 3,]
    if any(not item for item in items) or not items:
        return Refusal("an entry is missing between two separators")
    return items


def _split_flat(text: str) -> list[str] | Refusal:
    """`split` of a text with no brackets, ";" or new line, where every comma separates."""
    if "," in text:
        items = [item.strip() for item in text.split(",")]
        if len(items) > 1 and not items[-1]:
            items.pop()  # a trailing separator: [1, 2, 3,]
    else:
        items = [item.strip() for item in _BLANK.split(text)]
        items = [item for item in items if item]
    if not items or not all(items):
        return Refusal("an entry is missing between two separators")
    return items


def _skip(text: str, i: int) -> int:
    """Past the separators from `i` on."""
    m = _SEPARATORS.match(text, i)
    return m.end() if m is not None else i


def _groups(text: str) -> list[str] | None:
    """The bracketed groups `text` consists of ([1, 2], [3, 4]), or None if it has more."""
    groups: list[str] = []
    i = _skip(text, 0)
    while i < len(text):
        if text[i] not in _PAIRS:
            return None
        flat = _FLAT_GROUP.match(text, i)  # nothing nested: it closes at its first closing bracket
        end = flat.end() - 1 if flat is not None else _closing(text, i)
        if end < 0:
            return None
        groups.append(text[i:end + 1])
        i = _skip(text, end + 1)
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
    groups = None
    if depth >= 2:
        inner = text.strip()
        first = inner[:1]
        if first in _PAIRS and inner[-1] == _PAIRS[first]:
            # [[1, 2], [3, 4]]: if what is inside is whole groups, the outer pair encloses it all
            # (what `unwrap` would check by scanning the text once more)
            inner = inner[1:-1].strip()
            groups = _groups(inner)
        if groups is None:
            inner, _ = unwrap(text)
            groups = _groups(inner)
    else:
        inner, _ = unwrap(text)
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
        value = (budget.spend() or leaf(item, comma)) if depth == 1 else read_nested(item, depth - 1, leaf,
                                                                                     comma, budget)
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
        return Refusal(f"the rows have different lengths ({', '.join(map(str, lengths))}); "
                       "write a matrix like [[1, 2], [3, 4]]")
    column = isinstance(expected, list) and len(expected) > 1 and all(
        isinstance(r, list) and len(r) == 1 for r in expected)
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
            from ._parse_tables import read_table

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
