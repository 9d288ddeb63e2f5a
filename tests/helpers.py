"""Shared test helpers: reading exact answers back out of a Question's JSON."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import sympy

from dlexam import get_topic, question
from dlexam.errors import ParamError


def exact_of(answer: Any) -> Any:
    """The exact value(s) of a JSON answer: ints stay ints, {"exact": ...} becomes a
    Fraction or a SymPy expression, lists and dicts are walked."""
    if isinstance(answer, dict) and "exact" in answer:
        e = sympy.sympify(answer["exact"])
        return Fraction(int(e.p), int(e.q)) if e.is_Rational else e
    if isinstance(answer, list):
        return [exact_of(a) for a in answer]
    if isinstance(answer, dict):
        return {k: exact_of(v) for k, v in answer.items()}
    return answer


def numbers_in(answer: Any) -> list[Any]:
    """Every number in a JSON answer, flattened, as exact values."""
    value = exact_of(answer)
    out: list[Any] = []

    def walk(v: Any) -> None:
        if isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif not isinstance(v, str | bool) and v is not None:
            out.append(v)

    walk(value)
    return out


def as_float(param: Any) -> float:
    """A param as torch gets it: "1/3", 0.1 and Decimal("0.1") as the nearest float64."""
    return float(Fraction(param)) if isinstance(param, str) else float(param)


def close(ours: Any, theirs: float, tol: float = 1e-9) -> bool:
    """Our exact value against an oracle's float64, within tol (relative for big ones)."""
    x = float(ours) if isinstance(ours, int | Fraction) else float(sympy.N(ours, 30))
    return abs(x - theirs) <= tol * max(1.0, abs(theirs))


def assert_value_is_the_exact_keys_decimal(answer: Any) -> None:
    """An irrational answer's "value" is its "exact" expression to float precision."""
    if isinstance(answer, dict):
        exact = float(sympy.N(sympy.sympify(answer["exact"]), 30))
        assert abs(exact - answer["value"]) <= 1e-13 * max(1.0, abs(exact)), answer


def refused(topic_id: str, params: Any, param: str) -> ParamError:
    """Build `topic_id` from bad `params` and check the refusal: one ParamError, naming
    `param`, in one line. Returns it for checks on the message."""
    with pytest.raises(ParamError) as info:
        question(topic_id, params=params)
    message = str(info.value)
    assert info.value.param == param, message
    assert message.startswith(f"{topic_id}: param '{param}'") and "\n" not in message
    return info.value


def refused_by_build_and_check(topic_id: str, params: Any, param: str) -> None:
    """A design topic refuses bad params the same way when building and when checking a design."""
    message = str(refused(topic_id, params, param))
    with pytest.raises(ParamError) as info:
        get_topic(topic_id).check(params, {})
    assert str(info.value) == message
