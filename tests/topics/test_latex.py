"""Numbers in LaTeX: `decimal_places` and `decimal` against Python's decimal module,
and `num`, which must print every number so that it reads back as exactly itself."""

from __future__ import annotations

import decimal
import re
from fractions import Fraction

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from dlexam.topics._latex import decimal as decimal_text
from dlexam.topics._latex import decimal_places, num

# denominators rich in 2s and 5s (terminating) mixed with others (not terminating)
denominators = st.builds(
    lambda two, five, other: 2**two * 5**five * other,
    st.integers(0, 12), st.integers(0, 12), st.sampled_from([1, 1, 1, 3, 7, 9, 11, 13, 21]),
)
fractions = st.builds(Fraction, st.integers(-10**9, 10**9), denominators)


def _by_decimal_module(x: Fraction) -> decimal.Decimal | None:
    """x divided out by the decimal module, or None when the division is inexact (the
    expansion never ends). The precision is far above what these fractions need."""
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        ctx.traps[decimal.Inexact] = True
        try:
            return decimal.Decimal(x.numerator) / decimal.Decimal(x.denominator)
        except decimal.Inexact:
            return None


@given(fractions)
def test_decimal_places_agrees_with_the_decimal_module(x: Fraction) -> None:
    d = _by_decimal_module(x)
    if d is None:
        assert decimal_places(x) is None
    else:
        assert decimal_places(x) == max(0, -d.normalize().as_tuple().exponent)


@given(fractions)
def test_decimal_prints_the_same_digits_as_the_decimal_module(x: Fraction) -> None:
    d = _by_decimal_module(x)
    if d is None:
        assert decimal_text(x) is None
    else:
        assert decimal_text(x) == format(d.normalize(), "f")


@given(fractions)
def test_a_decimal_string_reads_back_as_exactly_the_fraction(x: Fraction) -> None:
    text = decimal_text(x)
    if text is not None:
        assert Fraction(text) == x
        assert not text.endswith(".") and not (("." in text) and text.endswith("0"))  # no padding zeros
        assert not re.match(r"-?0\d", text)  # no leading zeros


@pytest.mark.parametrize("x, expected", [
    (Fraction(0), "0"), (Fraction(3, 16), "0.1875"), (Fraction(-1, 8), "-0.125"), (Fraction(-7), "-7"),
    (Fraction(1, 10**6), "0.000001"), (Fraction(-5, 2), "-2.5"), (Fraction(1, 3), None),
    (Fraction(-1, 6), None), (Fraction(1, 2**40), "0." + str(5**40).rjust(40, "0")),
])
def test_decimal_on_hand_picked_numbers(x: Fraction, expected: str | None) -> None:
    assert decimal_text(x) == expected


_TFRAC = re.compile(r"^(-?)\\tfrac\{(\d+)\}\{(\d+)\}$")


def _read_back(text: str) -> Fraction:
    """The exact number a reader sees in num()'s LaTeX (a decimal or a \\tfrac)."""
    m = _TFRAC.match(text)
    if m:
        return Fraction(int(m[2]), int(m[3])) * (-1 if m[1] else 1)
    assert re.fullmatch(r"-?\d+(\.\d+)?", text), text
    return Fraction(text)


@given(fractions)
def test_num_prints_every_rational_so_that_it_reads_back_exactly(x: Fraction) -> None:
    assert _read_back(num(x)) == x


@given(fractions)
def test_num_prints_short_terminating_decimals_as_decimals_and_the_rest_as_fractions(x: Fraction) -> None:
    text = num(x)
    short = decimal_text(x)
    if short is not None and len(short) <= 12:
        assert text == short
    else:
        assert _TFRAC.match(text), text  # never a rounded decimal


@given(st.integers(-10**9, 10**9))
def test_num_prints_an_int_like_the_equal_fraction(n: int) -> None:
    assert num(n) == num(Fraction(n)) == str(n)


@given(fractions)
def test_num_brackets_negatives_only_when_asked(x: Fraction) -> None:
    plain, bracketed = num(x), num(x, paren=True)
    if x < 0:
        assert bracketed == f"({plain})"
    else:
        assert bracketed == plain


@pytest.mark.parametrize("x, expected", [
    (Fraction(1, 3), r"\tfrac{1}{3}"), (Fraction(-2, 3), r"-\tfrac{2}{3}"), (Fraction(3, 16), "0.1875"),
    (Fraction(-1, 2), "-0.5"), (Fraction(5), "5"),
])
def test_num_on_hand_picked_numbers(x: Fraction, expected: str) -> None:
    assert num(x) == expected


def test_num_prints_an_irrational_as_sympy_latex_with_its_decimal_beside() -> None:
    assert num(sympy.sqrt(2)) == sympy.latex(sympy.sqrt(2)) + r" \approx 1.414"
    assert num(sympy.log(9), approx=False) == sympy.latex(sympy.log(9))  # substituted: no ≈
