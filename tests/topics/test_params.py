"""The params reader every topic uses: `parse_number`, `plain_json` and `Params`.

Properties: any input either parses to the exact number a mathematician reads in it,
or is refused with a one-line ValueError / ParamError naming the param — never another
exception and never a hang; a value echoed by `plain_json` means the same number.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlexam import ParamError
from dlexam.topics._params import MAX_INT, REQUIRED, Params, parse_number, plain_json

MAX_EXPONENT = 60  # _params refuses exponents beyond ±60 (documented there)


def _refused_cleanly(x: Any) -> Fraction | None:
    """parse_number(x), or None when it refused with a one-line ValueError."""
    try:
        value = parse_number(x)
    except ValueError as e:
        assert "\n" not in str(e)
        return None
    assert type(value) is Fraction
    return value


# -- parse_number ---------------------------------------------------------------------

@given(st.integers())
def test_an_int_parses_to_itself(n: int) -> None:
    assert parse_number(n) == n


@given(st.builds(Fraction, st.integers(), st.integers(1, 10**30)))
def test_a_fraction_parses_to_itself(x: Fraction) -> None:
    assert parse_number(x) == x


@given(
    sign=st.sampled_from(["", "+", "-"]),
    whole=st.text("0123456789", max_size=12),
    point=st.booleans(),
    frac=st.text("0123456789", max_size=12),
    exponent=st.none() | st.integers(-2 * MAX_EXPONENT, 2 * MAX_EXPONENT),
    e=st.sampled_from("eE"),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_a_decimal_string_parses_to_exactly_the_decimal_it_spells(
    sign: str, whole: str, point: bool, frac: str, exponent: int | None, e: str, pad: str
) -> None:
    mantissa = whole + ("." + frac if point else "")
    text = pad + sign + mantissa + (f"{e}{exponent}" if exponent is not None else "") + pad
    value = _refused_cleanly(text)
    if not any(c.isdigit() for c in mantissa):
        assert value is None  # "", ".", "e5", "+": not numbers
        return
    if exponent is not None and abs(exponent) > MAX_EXPONENT:
        assert value is None  # refused, and fast (see the test of 1e999999999)
        return
    assert value == Fraction(Decimal(text.strip()))


@given(
    p=st.integers(-10**15, 10**15),
    q=st.integers(0, 10**15),
    sign=st.sampled_from(["", "+"]),
    left=st.sampled_from(["", " "]),
    right=st.sampled_from(["", " "]),
)
def test_a_p_over_q_string_parses_to_the_fraction(p: int, q: int, sign: str, left: str, right: str) -> None:
    text = f"{sign if p >= 0 else ''}{p}{left}/{right}{q}"
    value = _refused_cleanly(text)
    if q == 0:
        assert value is None  # division by zero is refused, not raised as ZeroDivisionError
    else:
        assert value == Fraction(p, q)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_parses_to_the_decimal_its_repr_shows(f: float) -> None:
    value = _refused_cleanly(f)
    text = repr(f)
    exponent = int(text.split("e")[1]) if "e" in text else 0
    if abs(exponent) > MAX_EXPONENT:
        assert value is None
    else:
        assert value == Fraction(text)


def test_point_one_means_exactly_one_tenth() -> None:
    assert parse_number(0.1) == parse_number("0.1") == parse_number(Decimal("0.1")) == Fraction(1, 10)
    assert parse_number("3/16") == Fraction(3, 16)


@given(digits=st.integers(-10**20, 10**20), exponent=st.integers(-80, 80))
def test_a_decimal_object_parses_exactly_or_is_refused_for_its_exponent(digits: int, exponent: int) -> None:
    d = Decimal(digits).scaleb(exponent)
    value = _refused_cleanly(d)
    assert (value is None) == (abs(d.adjusted()) > MAX_EXPONENT)
    if value is not None:
        assert value == Fraction(digits) * Fraction(10) ** exponent


@pytest.mark.parametrize("bad", [
    True, False, None, float("nan"), float("inf"), -float("inf"), Decimal("NaN"), Decimal("Infinity"),
    Decimal("sNaN"), "", " ", "abc", "1/0", "0/0", "1//2", "1/2/3", "1e", "e1", "--1", "0x10", "1_000",
    "inf", "nan", "1,5", "½", "1 2", "1" * 101, [1], {"x": 1}, 1j, b"1", object(),
], ids=repr)
def test_things_that_are_not_numbers_are_refused_with_value_error(bad: Any) -> None:
    assert _refused_cleanly(bad) is None


@pytest.mark.parametrize("huge", [
    "1e999999999", "-1E-999999999", "1e+99999999999999999999", Decimal("1E+999999999"),
    Decimal("1E-999999999"), "9" * 60 + "e61", 1e300, 5e-324,
], ids=repr)
def test_an_enormous_exponent_is_refused_at_once(huge: Any) -> None:
    start = time.perf_counter()
    assert _refused_cleanly(huge) is None
    assert time.perf_counter() - start < 0.1


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_one_line_value_error(text: str) -> None:
    _refused_cleanly(text)


_anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    | st.builds(lambda n, e: Decimal(n).scaleb(e), st.integers(), st.integers(-80, 80))
    | st.sampled_from([Decimal("NaN"), Decimal("-Infinity"), "3/16", "1/0", "0.1", "1e999"])
    | st.complex_numbers(),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
    max_leaves=6,
)


@given(_anything)
def test_any_value_parses_or_is_refused_with_a_one_line_value_error(value: Any) -> None:
    _refused_cleanly(value)


# -- plain_json -----------------------------------------------------------------------

def _as_the_cli_reads_it(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


json_decimals = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-10**20, 10**20),
    st.integers(-MAX_EXPONENT + 20, MAX_EXPONENT - 20),
)


@given(json_decimals)
def test_an_echoed_decimal_means_the_same_number(d: Decimal) -> None:
    echoed = plain_json(d)
    assert type(echoed) in (float, str)
    assert parse_number(echoed) == parse_number(d) == Fraction(d)
    # and after a trip through JSON text, as a user re-running the echoed params would
    assert parse_number(_as_the_cli_reads_it(json.dumps(echoed))) == Fraction(d)


@given(st.builds(Fraction, st.integers(-10**30, 10**30), st.integers(1, 10**30)))
def test_an_echoed_fraction_means_the_same_number(x: Fraction) -> None:
    echoed = plain_json(x)
    assert type(echoed) is (int if x.denominator == 1 else str)
    assert parse_number(json.loads(json.dumps(echoed))) == x


def test_one_tenth_is_echoed_as_the_float_a_user_typed() -> None:
    assert plain_json(Decimal("0.1")) == 0.1
    assert plain_json(_as_the_cli_reads_it("0.10000000000000000001")) == "0.10000000000000000001"
    assert plain_json(Fraction(3, 16)) == "3/16" and plain_json(Fraction(4, 2)) == 2


_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False) | json_decimals
    | st.builds(Fraction, st.integers(-99, 99), st.integers(1, 99)),
    lambda c: st.lists(c, max_size=4) | st.tuples(c, c) | st.dictionaries(st.text(max_size=4), c, max_size=4),
    max_leaves=12,
)


def _same_meaning(original: Any, echoed: Any) -> bool:
    if isinstance(original, Decimal | Fraction):
        return parse_number(echoed) == parse_number(original)
    if isinstance(original, list | tuple):
        return isinstance(echoed, list) and len(echoed) == len(original) and all(
            _same_meaning(a, b) for a, b in zip(original, echoed, strict=True))
    if isinstance(original, dict):
        return list(echoed) == list(original) and all(_same_meaning(original[k], echoed[k]) for k in original)
    return type(echoed) is type(original) and echoed == original


@given(_plain)
def test_plain_json_gives_json_that_means_the_same_numbers(value: Any) -> None:
    echoed = plain_json(value)
    assert _same_meaning(value, echoed)
    json.dumps(echoed, allow_nan=False)  # plain JSON: nothing json cannot write


def _finishes_within(code: str, seconds: float) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter, killed after `seconds` (a hang in C code cannot
    be interrupted from inside the process)."""
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        pass
    pytest.fail(f"still running after {seconds} s: {code}")


@pytest.mark.parametrize("text", ["1E-999999999", "1E+999999999", "1E+400", "-1E-400"])
def test_plain_json_of_a_decimal_with_a_huge_exponent_answers_at_once_without_raising(text: str) -> None:
    """The CLI reads 1e-999999999 as such a Decimal, and error messages echo it."""
    done = _finishes_within(
        "from decimal import Decimal\n"
        "from dlexam.topics._params import plain_json\n"
        f"given = Decimal({text!r})\n"
        "echoed = plain_json(given)\n"
        "assert Decimal(echoed if isinstance(echoed, str) else repr(echoed)) == given, echoed\n",
        seconds=3,
    )
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]


# -- the Params reader ------------------------------------------------------------------

NAMES = ["n", "xs", "k", "lr", "v", "m", "mode", "flag"]


def reader(**raw: Any) -> Params:
    return Params("demo.topic", raw, NAMES)


def _refusal(read: Any, name: str) -> ParamError:
    with pytest.raises(ParamError) as info:
        read()
    e = info.value
    assert e.param == name and e.topic == "demo.topic"
    assert "\n" not in str(e) and f"param '{name}'" in str(e)
    return e


READERS = {
    "integer": lambda p, name: p.integer(name, lo=0, hi=100),
    "int_list": lambda p, name: p.int_list(name, length=3, lo=1),
    "int_or_ints": lambda p, name: p.int_or_ints(name, 2, lo=1),
    "number": lambda p, name: p.number(name, lo=0, hi=1),
    "vector": lambda p, name: p.vector(name, length=2),
    "matrix": lambda p, name: p.matrix(name, rows=2, cols=2),
    "choice": lambda p, name: p.choice(name, ["sgd", "adam"]),
    "boolean": lambda p, name: p.boolean(name),
}

WRONG = {
    "integer": [True, False, 3.0, Decimal("3"), "3", None, [3], -1, 101, 10**13],
    "int_list": [[1, 2], [1, 2, 3, 4], [1, True, 3], [1, 2.0, 3], [1, 0, 3], "1,2,3", 3, None, [[1], 2, 3]],
    "int_or_ints": [True, 0, [1], [1, 2, 3], [1, False], 2.0, "2", None],
    "number": [True, None, "x", "1/0", [0.5], Decimal("1.5"), -0.1, "2", float("nan")],
    "vector": [[1], [1, 2, 3], [1, True], [1, None], [1, "x"], "1,2", 1, None],
    "matrix": [[[1, 2]], [[1, 2], [3]], [[1, 2], [3, 4, 5]], [[1, 2], [3, True]], [], [[]], [1, 2],
               [[1, 2], [3, "x"]], None],
    "choice": ["SGD", "", None, 1, True, ["sgd"], {"sgd": 1}],
    "boolean": [1, 0, "true", None, [True]],
}

RIGHT = {
    "integer": [(0, 0), (100, 100), (42, 42)],
    "int_list": [([1, 2, 3], [1, 2, 3])],
    "int_or_ints": [(3, (3, 3)), ([2, 5], (2, 5))],
    "number": [(0.1, Fraction(1, 10)), (Decimal("0.25"), Fraction(1, 4)), ("3/16", Fraction(3, 16)),
               (1, Fraction(1))],
    "vector": [([0.5, "1/3"], [Fraction(1, 2), Fraction(1, 3)])],
    "matrix": [([[1, 0.5], ["1/3", Decimal("-2")]], [[1, Fraction(1, 2)], [Fraction(1, 3), -2]])],
    "choice": [("adam", "adam")],
    "boolean": [(True, True), (False, False)],
}


@pytest.mark.parametrize("kind, given", [(k, v) for k, vs in WRONG.items() for v in vs], ids=repr)
def test_a_reader_refuses_a_wrong_value_naming_the_param(kind: str, given: Any) -> None:
    p = reader(v=given)
    e = _refusal(lambda: READERS[kind](p, "v"), "v")
    assert "must be" in str(e) or "holds an integer" in str(e)


@pytest.mark.parametrize("kind, given, expected", [(k, g, x) for k, pairs in RIGHT.items()
                                                   for g, x in pairs], ids=repr)
def test_a_reader_accepts_a_right_value_exactly(kind: str, given: Any, expected: Any) -> None:
    got = READERS[kind](reader(v=given), "v")
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("kind", sorted(READERS))
@settings(max_examples=40)  # x 8 readers
@given(value=_anything)
def test_a_reader_given_anything_returns_or_raises_one_line_param_error(kind: str, value: Any) -> None:
    p = reader(v=value)
    try:
        READERS[kind](p, "v")
    except ParamError as e:
        assert e.param == "v" and "\n" not in str(e)


@pytest.mark.parametrize("kind", sorted(READERS))
def test_a_missing_required_param_is_refused_naming_it(kind: str) -> None:
    e = _refusal(lambda: READERS[kind](reader(), "v"), "v")
    assert "is required" in str(e)


def test_an_unknown_param_is_refused_naming_it_and_listing_the_real_ones() -> None:
    e = _refusal(lambda: reader(nn=1), "nn")
    assert all(name in str(e) for name in NAMES)


def test_an_unknown_param_with_a_newline_in_its_name_still_gives_one_line() -> None:
    with pytest.raises(ParamError) as info:
        Params("demo.topic", {"a\nb": 1}, NAMES)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("raw", [[1, 2], "n=1", 3, True, 0.5], ids=repr)
def test_params_that_are_not_an_object_are_refused(raw: Any) -> None:
    with pytest.raises(ParamError) as info:
        Params("demo.topic", raw, NAMES)
    assert "JSON object" in str(info.value) and "\n" not in str(info.value)


def test_a_huge_integer_anywhere_in_a_value_is_refused_before_any_arithmetic() -> None:
    e = _refusal(lambda: reader(xs=[[1, MAX_INT + 1]]).get("xs"), "xs")
    assert "10^12" in str(e)
    _refusal(lambda: reader(n=-(10**5000)).integer("n"), "n")  # not even printed in full


def test_an_absurdly_nested_value_is_refused() -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    _refusal(lambda: reader(xs=deep).get("xs"), "xs")


def test_the_refusal_shows_what_was_given_shortened() -> None:
    e = _refusal(lambda: reader(v="x" * 500).integer("v"), "v")
    assert "xxx" in str(e) and len(str(e)) < 200
    e = _refusal(lambda: reader(v=Decimal("0.1")).integer("v"), "v")
    assert str(e).endswith("got 0.1")  # the decimal the user typed, not 0.1000000000000000055...


def test_finish_lists_every_param_read_in_documented_order_with_defaults_and_user_values_untouched() -> None:
    p = Params("demo.topic", {"lr": Decimal("0.1"), "v": ["3/16", 2], "n": 3}, NAMES)
    p.vector("v")
    p.integer("n")
    p.number("lr")
    p.choice("mode", ["a", "b"], "b")
    p.boolean("flag", False)
    assert list(p.finish().items()) == [
        ("n", 3), ("lr", 0.1), ("v", ["3/16", 2]), ("mode", "b"), ("flag", False)]


def test_required_is_a_sentinel_not_a_value() -> None:
    p = Params("demo.topic", {"n": None}, NAMES)
    assert REQUIRED is not None
    _refusal(lambda: p.integer("n"), "n")  # an explicit null is not "use the default"
