"""Reading shapes, vectors, matrices, lists, tables, designs, choices and true/false.

Oracles: what PyTorch and NumPy print for the same values (str(torch.Size), str(tensor),
str(np.array)), JSON and Python's repr, and the topics' own keys and design checkers.
"""

from __future__ import annotations

import json
import string
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlexam.grade.parse import read
from dlexam.topics import get_topic
from tests.helpers import exact_of

# -- shapes ---------------------------------------------------------------------------------

SHAPES = ["2x12x248x83", "2×12×248×83", "2 x 12 x 248 x 83", "2X12X248X83", "(2, 12, 248, 83)",
          "[2,12,248,83]",
          "torch.Size([2, 12, 248, 83])", "2, 12, 248, 83", "2 12 248 83", "2*12*248*83",
          "2 by 12 by 248 by 83"]


@pytest.mark.parametrize("text", SHAPES)
def test_shape_spellings(text: str) -> None:
    assert read("shape", text).value == (2, 12, 248, 83)


@pytest.mark.parametrize("text", ["2x12.5", "2 x -3", "two", "2xx3", "(2, 3", "2x3x", "[2][3]", "2;x"])
def test_unreadable_shapes(text: str) -> None:
    r = read("shape", text)
    assert not r.ok and "2x12x248x83" in (r.error or "")


@given(st.lists(st.integers(0, 10**6), max_size=6),
       st.sampled_from(["x", "×", " x ", "torch", "tuple", "list"]))
def test_shapes_read_back_from_every_style(dims: list[int], style: str) -> None:
    text = {"torch": str(torch.Size(dims)), "tuple": str(tuple(dims)), "list": json.dumps(dims)}.get(
        style, style.join(map(str, dims)))
    if not dims and style in ("x", "×", " x "):
        return  # nothing written is no answer
    assert read("shape", text).value == tuple(dims)


# -- vectors, matrices, lists -------------------------------------------------------------------

# exact in binary, so a float prints them exactly
numbers = st.builds(lambda n, k: Fraction(n, 2**k), st.integers(-4000, 4000), st.integers(0, 4))


def _row_texts(row: list[Fraction]) -> list[str]:
    floats = [float(x) for x in row]
    return [json.dumps(floats), str(floats), "(" + "; ".join(map(str, floats)) + ")",
            " ".join(map(str, floats)),
            "[" + ", ".join(f"{x.numerator}/{x.denominator}" for x in row) + "]", str(torch.tensor(floats)),
            str(np.array(floats)), json.dumps([[f] for f in floats])]


@given(st.lists(numbers, min_size=1, max_size=8), st.integers(0, 7))
def test_vectors_read_back_from_every_style(row: list[Fraction], style: int) -> None:
    text = _row_texts(row)[style]
    if "..." in text:
        return  # torch and numpy abbreviate long prints
    torch_rounds = style == 5 and (any(x != round(x, 4) for x in row) or "e" in text[1:])  # 4 decimals
    assert torch_rounds or read("vector", text).value == row, text


@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_matrices_read_back_from_every_style(rows: int, cols: int, data: st.DataObject) -> None:
    m = [[data.draw(numbers) for _ in range(cols)] for _ in range(rows)]
    floats = [[float(x) for x in row] for row in m]
    matlab = "[" + "; ".join(" ".join(map(str, r)) for r in floats) + "]"
    texts = [json.dumps(floats), str(np.array(floats)), matlab,
             "\n".join(", ".join(map(str, r)) for r in floats), str(tuple(tuple(r) for r in floats))]
    if all(x == round(x, 4) for row in m for x in row) and "e" not in str(torch.tensor(floats))[1:]:
        texts.append(str(torch.tensor(floats)))  # torch prints 4 decimals, or 5 digits in e-notation
    for text in texts:
        assert read("matrix", text).value == m, text


VECTORS = [("[1, 2, 3]", [1, 2, 3]), ("(1; 2; 3)", [1, 2, 3]), ("{1, 2, 3}", [1, 2, 3]),
           ("1 -2 3", [1, -2, 3]), ("[1, 2, 3,]", [1, 2, 3]), ("[[1, 2, 3]]", [1, 2, 3]),
           ("[[1],[2],[3]]", [1, 2, 3]), ("1\n2\n3", [1, 2, 3]), ("tensor([6., -1., 0.])", [6, -1, 0]),
           ("[0.5, -.25, 3/4]", [Fraction(1, 2), Fraction(-1, 4), Fraction(3, 4)]),
           ("[1/(1+2), (1/2)]", [Fraction(1, 3), Fraction(1, 2)]), ("array([1, 2])", [1, 2]), ("[ ]", [])]


@pytest.mark.parametrize(("text", "value"), VECTORS)
def test_vector_spellings(text: str, value: list[Any]) -> None:
    assert read("vector", text).value == value


def test_vector_entries_may_be_closed_forms() -> None:
    r = read("vector", "[exp(1), ln 9, 1/(1 + e)]")
    assert r.ok and [float(x) for x in r.value] == pytest.approx([np.e, np.log(9), 1 / (1 + np.e)], rel=1e-15)


DE_VECTORS = [("[1,5; 2,5]", ["3/2", "5/2"]), ("[1,5, 2,5]", ["3/2", "5/2"]),
              ("1,5 2,5 -0,5", ["3/2", "5/2", "-1/2"]), ("[1, 2]", ["1", "2"])]


@pytest.mark.parametrize(("text", "value"), DE_VECTORS)
def test_vectors_in_a_decimal_comma_locale(text: str, value: list[str]) -> None:
    assert read("vector", text, locale="de").value == [Fraction(v) for v in value]


@pytest.mark.parametrize("text", ["[1,5,2,5]", "[1; 2,5,3]"])
def test_ambiguous_commas_are_refused_not_guessed(text: str) -> None:
    assert not read("vector", text, locale="de").ok


@pytest.mark.parametrize("text", ["[1, 2", "[1, , 2]", "[1, 2]]", "[[1, 2], [3, 4]]", "[1, x]", "[1;;2]"])
def test_unreadable_vectors_name_the_problem(text: str) -> None:
    r = read("vector", text)
    assert not r.ok and r.error and "\n" not in r.error


def test_matrix_rows_must_have_equal_lengths() -> None:
    assert not read("matrix", "[[1, 2], [3]]").ok
    assert read("matrix", "[1 2; 3 4]").value == [[1, 2], [3, 4]]
    column = read("matrix", "[1, 2, 3]", expected=[[0], [0], [0]])  # a column, written flat
    assert column.value == [[1], [2], [3]]


def test_lists_nest_as_deep_as_the_key() -> None:
    key = get_topic("mlp.sgd_step").question(seed=3).part("grad_weights").answer
    exact = exact_of(key)
    text = json.dumps(json.loads(json.dumps(key), object_hook=lambda d: d.get("exact", d)))  # "3/4" strings
    for spelling in (text, text.replace('"', "")):
        assert read("list", spelling, expected=key).value == exact
    assert read("list", "[[1, 2, 3], [4]]").value == [[1, 2, 3], [4]]  # without a key: the brackets decide


# -- tables -----------------------------------------------------------------------------------

def _markdown(rows: list[dict[str, Any]], header: bool) -> str:
    lines = ["| Layer | Output shape | Weights | Biases |", "|---|---|---|---|"] if header else []
    lines += [f"| {r['layer']} | {'×'.join(map(str, r['shape']))} | {r['weights']} | {r['biases']} |"
              for r in rows]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(5))
def test_layer_tables_read_back_in_every_style(seed: int) -> None:
    key = get_topic("cnn.layer_table").question(seed=seed).part("rows").answer
    csv = "\n".join(f"{r['layer']}, {tuple(r['shape'])}, {r['weights']}, {r['biases']}" for r in key)
    bare = "\n".join(f"{'x'.join(map(str, r['shape']))}\t{r['weights']}\t{r['biases']}" for r in key)
    for text in (json.dumps(key), str(key), _markdown(key, True), _markdown(key, False), csv):
        assert read("table", text, expected=key).value == exact_of(key), text
    without_names = [{k: v for k, v in r.items() if k != "layer"} for r in key]
    assert read("table", bare, expected=key).value == exact_of(without_names)


def test_tables_of_columns() -> None:
    key = get_topic("optim.step").question(seed=1).part("state").answer
    assert isinstance(key, dict)
    lines = "\n".join(f"{name}: " + ", ".join(str(float(x)) for x in exact_of(values))
                      for name, values in key.items())
    assert read("table", lines, expected=key).value == exact_of(key)
    assert read("table", json.dumps(key), expected=key).value == exact_of(key)
    assert not read("table", "nonsense: 1", expected=key).ok


def test_table_rows_with_the_wrong_number_of_cells_are_refused() -> None:
    key = get_topic("cnn.layer_table").question(seed=0).part("rows").answer
    r = read("table", "16x12x10, 750", expected=key)
    assert not r.ok and "row 1" in (r.error or "")


# -- designs ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("topic", "seed"), [("design.logic_gate", s) for s in range(4)]
                         + [("design.region_classifier", s) for s in range(2)])
def test_designs_read_back_and_pass_their_checker(topic: str, seed: int) -> None:
    t = get_topic(topic)
    q = t.question(seed=seed)
    key = q.parts[0].answer
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in key.items())
    for text in (json.dumps(key), repr(key), lines):
        r = read("design", text)
        assert r.ok, r.error
        assert t.check(q.params, r.value).ok, text


def test_designs_keep_what_was_typed() -> None:
    assert read("design", '{"w": [0.1, 1e-1], "b": "1/3"}').value == {"w": [0.1, 0.1], "b": "1/3"}
    assert read("design", "w = [1, -1]; b = 1/2").value == {"w": [1, -1], "b": "1/2"}
    assert read("design", '{"b": 0.30000000000000001}').value == {"b": "0.30000000000000001"}
    for text in ("[1, 2]", "w", "{'a': __import__('os')}", "{1: 2, **x}"):
        assert not read("design", text).ok


# -- choices and true/false -------------------------------------------------------------------

CHOICES = [("b", "b"), ("B", "b"), ("B, D", "bd"), ("{b,d}", "bd"), ("b d", "bd"), ("(b)", "b"), ("b)", "b"),
           ("b and d", "bd"), ("BD", "bd"), ("['a', 'c']", "ac"), ('["a","c"]', "ac"), ("a; c", "ac"),
           ("Option B", "b"), ("b.", "b"), ("a & c", "ac"), ("none", ""), ("{}", "")]


@pytest.mark.parametrize(("text", "letters"), CHOICES)
def test_choice_spellings(text: str, letters: str) -> None:
    assert read("choices", text, options=4).value == frozenset(letters)


@given(st.sets(st.sampled_from(string.ascii_lowercase[:6]), min_size=1),
       st.sampled_from([", ", ",", " ", " and ", ";"]), st.booleans(),
       st.sampled_from(["{}", "[]", "()", ""]))
def test_choices_read_back(letters: set[str], sep: str, upper: bool, brackets: str) -> None:
    text = sep.join(sorted(letters))
    text = text.upper() if upper else text
    text = f"{brackets[:1]}{text}{brackets[1:]}"
    assert read("choices", text, options=6).value == frozenset(letters)


@pytest.mark.parametrize("text", ["e", "a, e", "b, b", "b or d", "2", "b2", "ab cd ef gh i"])
def test_out_of_range_or_unclear_choices_are_refused(text: str) -> None:
    assert not read("choices", text, options=4).ok


def test_a_single_choice_takes_one_letter() -> None:
    assert read("choice", "(C)", options=4).value == frozenset("c")
    assert not read("choice", "b, c", options=4).ok and not read("choice", "none").ok


TRUE = ["true", "True", "T", "t", "yes", "Y", "1", "✓", "wahr", "richtig", "ja", "vrai", "oui", "waar",
        "vero", "sì"]
FALSE = ["false", "FALSE", "f", "no", "n", "0", "✗", "falsch", "nein", "faux", "non", "onwaar", "nee",
         "falso"]


@pytest.mark.parametrize("text", TRUE + FALSE)
def test_true_false_spellings(text: str) -> None:
    assert read("true_false", text).value is (text in TRUE)


@pytest.mark.parametrize("text", ["maybe", "x", "tf", "2", "w"])
def test_unclear_true_false_is_refused(text: str) -> None:
    assert not read("true_false", text).ok
