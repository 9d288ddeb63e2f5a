"""The fast paths of reading (simple numbers, flat lists, bracket scanning) read exactly as before.

Oracle: tests/grade/_score_reference.py, the readers as they stood before the fast paths, copied;
the comparison helpers are test_score_fast's.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.grade import _parse_arrays as arrays
from dlexam.grade._parse_numbers import simple_number
from dlexam.grade.parse import read
from dlexam.grade.score import score
from dlexam.model import Part
from tests.grade import _score_reference as ref
from tests.grade.test_score_fast import assert_scored_as_before, same


@given(st.from_regex(r"[+-]?[0-9]{1,62}(\.[0-9]{0,60})?([eE][+-]?[0-9]{1,4})?|[+-]?[0-9]{1,62}/[0-9]{1,62}",
                     fullmatch=True), st.booleans())
def test_simple_numbers_read_as_the_general_reader_reads_them(text: str, comma: bool) -> None:
    fast = simple_number(text, comma)
    try:
        general = ref.plain_number(text, comma)
    except ValueError:
        general = None  # refused: the fast path must leave it to the general reader
    assert fast is None or same(fast, general)
    assert same(read("number", text, locale="de" if comma else "en").value,
                ref.ref_read("number", text, locale="de" if comma else "en").value)


@given(st.text(alphabet="[](){}, ;\n\t1-x.", max_size=24), st.booleans())
def test_brackets_and_separators_are_split_as_the_scanner_split_them(text: str, comma: bool) -> None:
    assert arrays.split(text, comma) == ref.split(text, comma)
    assert arrays.split(text, comma, rows=True) == ref.split(text, comma, rows=True)
    assert arrays.unwrap(text) == ref.unwrap(text)
    assert arrays._groups(text) == ref._groups(text)
    for depth in (1, 2, 3):
        assert same(arrays.read_nested(text, depth, ref.read_number, comma),
                    ref.read_nested(text, depth, ref.read_number, comma))


TRICKY = ["[1, 2,]", "1, 2,", "[1,,2]", ",1", "[1 2 3]", "1\t2", "[1;2]", "[1,\n2]", "(1, 2]", "[1, 2",
          "1, 2]", "[]", "[ ]", "()", "[[1, 2], [3, 4]]", "[[1, 2] [3, 4]]", "[[1, 2]]; [[3]]", "[[1], [2]]",
          "[[1,2],[3]]", "[[[1, 2]], [[3, 4]]]", "[1, [2, 3]]", "[[1, 2], 3]", "tensor([1, 2])",
          "torch.tensor([[1., 2.], [3., 4.]])", "np.array([1, 2])", "[1 2; 3 4]", "1 2\n3 4", "[1,5, 2,5]",
          "[1,5,2,5]", "[1.000, 2]", "[1 000, 2]", "[1,000, 2]", "{1, 2}", "[exp(1), 1/(1+e)]", "[ln 9, 2]",
          "[1/2, -3/4, 2.5e-1, 50%]", "[−1, +2]", "[= 1, ≈2]", "[1.5e400]", "[0/0]", "[1/0, 2]", "2x3",
          "(2,)", "2 by 3 by 4", "torch.Size([2, 3])", "[2][3]", "0.1875", "3/16", ".5", "5.", "1e-3", "1,5",
          "1.500", "1.5", "-0", "+0.0", "007", "1/3", "1 / 3", "10⁻³", "2×10³", "12.5%", "1" * 70,
          "1." + "2" * 70, '[{"a": 1}]', '{"square_avg": [1, 2]}', "a | b\n1 | 2", "layer | shape\nX | 2x3"]


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("kind, key", [
    ("number", 1), ("integer", 1), ("shape", [2, 3]), ("vector", [1, 2]), ("matrix", [[1, 2], [3, 4]]),
    ("matrix", [[1], [2]]), ("list", [[1, 2], [3]]), ("list", [1, 2]), ("table", {"square_avg": [1, 2]}),
    ("table", [{"layer": "X", "shape": [2, 3]}])])
def test_tricky_spellings_are_read_and_scored_as_before(kind: str, key: Any, locale: str) -> None:
    for text in TRICKY:
        assert_scored_as_before(Part("t", kind, key, marks=2), text, policy="negative", locale=locale)


def test_the_same_text_in_another_locale_or_against_another_key_is_not_remembered_wrongly() -> None:
    parts = [Part("h", "number", {"exact": "3/2", "value": 1.5}), Part("t", "number", 15),
             Part("r", "number", {"exact": "1/3"}), Part("o", "number", 1), Part("v", "vector", [15, 1])]
    for _ in range(2):  # the second time from the caches
        for part in parts:
            for text in ("1,5", "0.3333", "0.9999", "1.500", "[1,5, 1]"):
                for locale in ("de", "en", "de-CH"):
                    assert_scored_as_before(part, text, policy="negative", locale=locale)
    assert score(parts[0], "1,5", policy="negative", locale="de").status == "right"  # one and a half
    assert score(parts[0], "1,5", policy="negative", locale="en").status == "unreadable"  # a comma is no mark
