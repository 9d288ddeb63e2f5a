"""The engine's exact numbers against math, SymPy and 50-digit `decimal` arithmetic.

Rational results must come back as `Fraction`s (the promise that keeps keys simple),
irrational ones as SymPy expressions whose value agrees with an independent
high-precision computation.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from dlexam.engine import exact as ex

PRECISION = 60  # digits of the decimal oracle
TOLERANCE = Decimal("1e-40")

small_ints = st.integers(-40, 40)
denominators = st.integers(1, 40)
rationals = st.builds(Fraction, small_ints, denominators)
positive_rationals = st.builds(Fraction, st.integers(1, 60), denominators)


def _oracle(f: str, x: Fraction) -> Decimal:
    """f(x) computed by Python's decimal module at PRECISION digits."""
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        d = Decimal(x.numerator) / Decimal(x.denominator)
        if f == "exp":
            return d.exp()
        if f == "log":
            return d.ln()
        if f == "sqrt":
            return d.sqrt()
        if f == "sigmoid":
            return 1 / (1 + (-d).exp())
        if f == "tanh":
            e = (2 * d).exp()
            return (e - 1) / (e + 1)
    raise AssertionError(f)


def _digits(value: Any) -> Decimal:
    """An exact engine value to PRECISION digits, by SymPy's own arbitrary precision."""
    if isinstance(value, Fraction):
        with decimal.localcontext() as ctx:
            ctx.prec = PRECISION
            return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(sympy.N(value, PRECISION)))


def _agree(ours: Any, oracle: Decimal) -> bool:
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        return abs(_digits(ours) - oracle) <= TOLERANCE * max(Decimal(1), abs(oracle))


# -- exact(): reading numbers --------------------------------------------------------

@given(st.integers())
def test_an_int_becomes_the_equal_fraction(n: int) -> None:
    x = ex.exact(n)
    assert type(x) is Fraction and x == n


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_means_the_decimal_its_repr_shows(f: float) -> None:
    x = ex.exact(f)
    assert type(x) is Fraction and x == Fraction(repr(f))


def test_a_float_like_one_tenth_is_exactly_one_tenth() -> None:
    assert ex.exact(0.1) == Fraction(1, 10) != Fraction(0.1)


@given(st.integers(-10**12, 10**12), st.integers(-30, 30))
def test_a_decimal_is_read_exactly(digits: int, exponent: int) -> None:
    d = Decimal(digits).scaleb(exponent)
    assert ex.exact(d) == Fraction(digits) * Fraction(10) ** exponent


@given(rationals)
def test_a_fraction_passes_through_unchanged(x: Fraction) -> None:
    assert ex.exact(x) is x


@given(rationals)
def test_a_sympy_rational_becomes_a_fraction(x: Fraction) -> None:
    y = ex.exact(sympy.Rational(x.numerator, x.denominator))
    assert type(y) is Fraction and y == x


def test_a_sympy_irrational_stays_symbolic() -> None:
    assert ex.exact(sympy.sqrt(2)) == sympy.sqrt(2)
    assert not ex.is_rational(ex.exact(sympy.pi))


@pytest.mark.parametrize("bad", [True, False, "1/2", None, [1], 1j])
def test_things_that_are_not_numbers_are_refused_with_type_error(bad: Any) -> None:
    with pytest.raises(TypeError):
        ex.exact(bad)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan, Decimal("NaN"), Decimal("-Infinity")])
def test_infinities_and_nans_are_refused_with_value_error(bad: Any) -> None:
    with pytest.raises(ValueError):
        ex.exact(bad)


# -- square roots ---------------------------------------------------------------------

@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_the_square_root_of_a_perfect_square_fraction_is_a_fraction(p: int, q: int) -> None:
    root = ex.sqrt(Fraction(p * p, q * q))
    assert type(root) is Fraction and root == Fraction(p, q)


@given(positive_rationals)
def test_a_square_root_agrees_with_fifty_digit_decimals(x: Fraction) -> None:
    root = ex.sqrt(x)
    assert _agree(root, _oracle("sqrt", x))
    squares = math.isqrt(x.numerator) ** 2 == x.numerator and math.isqrt(x.denominator) ** 2 == x.denominator
    assert ex.is_rational(root) == squares
    assert ex.mul(root, root) == x and type(ex.mul(root, root)) is Fraction


def test_the_worked_example_sqrt_of_nine_quarters_is_three_halves() -> None:
    assert ex.sqrt(Fraction(9, 4)) == Fraction(3, 2) and type(ex.sqrt(Fraction(9, 4))) is Fraction


# -- exp, log, sigmoid, tanh ----------------------------------------------------------

@pytest.mark.parametrize("f", ["exp", "sigmoid", "tanh"])
@given(x=rationals)
def test_transcendental_functions_agree_with_fifty_digit_decimals(f: str, x: Fraction) -> None:
    assert _agree(getattr(ex, f)(x), _oracle(f, x))


@given(positive_rationals)
def test_log_agrees_with_fifty_digit_decimals(x: Fraction) -> None:
    assert _agree(ex.log(x), _oracle("log", x))


@pytest.mark.parametrize("f, reference", [
    ("exp", math.exp), ("tanh", math.tanh), ("sigmoid", lambda v: 1 / (1 + math.exp(-v))),
])
@given(x=rationals)
def test_to_float_matches_the_math_module(f: str, reference: Any, x: Fraction) -> None:
    assert math.isclose(ex.to_float(getattr(ex, f)(x)), reference(float(x)), rel_tol=1e-12)


@given(positive_rationals)
def test_to_float_of_a_log_matches_the_math_module(x: Fraction) -> None:
    assert math.isclose(ex.to_float(ex.log(x)), math.log(x), rel_tol=1e-12, abs_tol=1e-15)


@given(rationals)
def test_to_float_of_a_fraction_is_the_correctly_rounded_float(x: Fraction) -> None:
    assert ex.to_float(x) == float(x)


@given(rationals)
def test_nonzero_rationals_give_irrational_exp_sigmoid_and_tanh(x: Fraction) -> None:
    assume(x != 0)
    for f in (ex.exp, ex.sigmoid, ex.tanh):
        assert not ex.is_rational(f(x))


@pytest.mark.parametrize("value, expected", [
    (lambda: ex.exp(Fraction(0)), Fraction(1)),
    (lambda: ex.log(Fraction(1)), Fraction(0)),
    (lambda: ex.sigmoid(Fraction(0)), Fraction(1, 2)),
    (lambda: ex.tanh(Fraction(0)), Fraction(0)),
    (lambda: ex.log(ex.exp(Fraction(1, 2))), Fraction(1, 2)),
    (lambda: ex.exp(ex.log(Fraction(5))), Fraction(5)),
    (lambda: ex.exp(ex.div(ex.log(Fraction(9)), Fraction(2))), Fraction(3)),
    (lambda: ex.sigmoid(ex.log(Fraction(3))), Fraction(3, 4)),  # 1/(1 + 1/3)
    (lambda: ex.tanh(ex.log(Fraction(2))), Fraction(3, 5)),  # (4 − 1)/(4 + 1)
    (lambda: ex.mul(ex.sqrt(Fraction(2)), ex.sqrt(Fraction(2))), Fraction(2)),
    (lambda: ex.div(ex.sqrt(Fraction(8)), ex.sqrt(Fraction(2))), Fraction(2)),
    (lambda: ex.add(ex.sqrt(Fraction(2)), ex.mul(Fraction(-1), ex.sqrt(Fraction(2)))), Fraction(0)),
    (lambda: ex.power(ex.sqrt(Fraction(3)), 4), Fraction(9)),
], ids=["exp0", "log1", "sigmoid0", "tanh0", "log-exp", "exp-log", "exp-half-log9",
        "sigmoid-log3", "tanh-log2", "sqrt2-squared", "sqrt8-over-sqrt2", "sqrt2-minus-sqrt2",
        "sqrt3-to-the-4"])
def test_results_that_are_rational_come_back_as_fractions(value: Any, expected: Fraction) -> None:
    result = value()
    assert type(result) is Fraction and result == expected, result


# -- arithmetic and comparison ----------------------------------------------------------

@given(rationals, rationals, st.integers(-4, 4))
def test_rational_arithmetic_is_plain_fraction_arithmetic(a: Fraction, b: Fraction, n: int) -> None:
    assert type(ex.add(a, b)) is Fraction and ex.add(a, b) == a + b
    assert type(ex.mul(a, b)) is Fraction and ex.mul(a, b) == a * b
    if b != 0:
        assert type(ex.div(a, b)) is Fraction and ex.div(a, b) == a / b
    if a != 0 or n >= 0:
        assert type(ex.power(a, n)) is Fraction and ex.power(a, n) == a**n


@given(rationals, rationals)
def test_mixed_arithmetic_agrees_with_fifty_digit_decimals(a: Fraction, b: Fraction) -> None:
    e = ex.exp(a)
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        oracle = _oracle("exp", a)
        bd = _digits(b)
        assert _agree(ex.add(e, b), oracle + bd)
        assert _agree(ex.mul(e, b), oracle * bd)
        if b != 0:
            assert _agree(ex.div(e, b), oracle / bd)
        assert _agree(ex.power(e, 3), oracle**3)


@given(rationals)
def test_positive_decides_fractions_as_python_does(x: Fraction) -> None:
    assert ex.positive(x) == (x > 0)


@given(st.integers(-30, 30), st.integers(-2, 2))
def test_positive_decides_near_ties_with_irrationals_exactly(numerator: int, nudge: int) -> None:
    """exp(a) − b where b is the 16-digit decimal nearest exp(a), nudged by a few ulps:
    a float comparison cannot tell these apart, the exact one must."""
    a = Fraction(numerator, 10)
    nearest = Fraction(round(Fraction(_oracle("exp", a)) * 10**16) + nudge, 10**16)
    difference = ex.add(ex.exp(a), -nearest)
    assert ex.positive(difference) == (_oracle("exp", a) > _digits(nearest))


@pytest.mark.parametrize("x, expected", [
    (Fraction(3, 7), True), (ex.sqrt(Fraction(2)), False), (ex.exp(Fraction(1)), False),
])
def test_is_rational_tells_fractions_from_symbolic_values(x: Any, expected: bool) -> None:
    assert ex.is_rational(x) is expected


_unary = st.sampled_from([ex.exp, ex.tanh, ex.sigmoid, ex.sqrt])


@st.composite
def _nested(draw: Any, depth: int = 3) -> Any:
    """A key-like expression: sums, products and quotients of transcendental values."""
    positive = st.fractions(min_value=Fraction(1, 20), max_value=5, max_denominator=20)
    x = draw(_unary)(draw(positive))
    for _ in range(draw(st.integers(0, depth))):
        x = draw(st.sampled_from([ex.add, ex.mul, ex.div]))(x, draw(_unary)(draw(positive)))  # all > 0
        if draw(st.booleans()):
            x = draw(_unary)(x)
    return x


@given(_nested())
def test_to_float_agrees_with_sympys_own_fifty_digit_evaluation(x: Any) -> None:
    import sympy

    assume(not ex.is_rational(x))
    assert math.isclose(ex.to_float(x), float(sympy.N(x, 50)), rel_tol=1e-14)


def test_to_float_falls_back_for_a_function_the_tree_walker_does_not_know() -> None:
    import sympy

    assert math.isclose(ex.to_float(sympy.sin(sympy.Rational(1, 3))), math.sin(1 / 3), rel_tol=1e-15)
