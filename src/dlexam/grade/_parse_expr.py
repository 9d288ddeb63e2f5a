"""Closed-form answers (log(9), ln 9, 2*log(3), 1/(1+exp(-0.3)), sqrt(2)/2, e^2, σ(0.3)) read
by a small parser of our own that builds the SymPy value directly.

Why not `sympy.parse_expr`: it ends in `eval`, and SymPy evaluates as it builds, so
2^10^10 would hang before any check could run. Here only the names in FUNCTIONS and
CONSTANTS exist, there is no attribute access and no call of anything else, the text is
bounded (length, tokens, nesting) and every operation is checked before it runs (see
`_parse_exact`), under a deadline.

Syntax: + - * / ^ (or **), × · ÷, parentheses, unary signs, postfix %, √x, numbers in the
exam's locale, implicit products after a number or a closing parenthesis (2log(3), 2e,
(1+e)(1-e)), and function application without parentheses (ln 9, ln 3^2 = ln 9). An
implicit product right after a division is refused as ambiguous (1/2e: 1/(2e) or e/2?).
"""

from __future__ import annotations

import re
import time
from fractions import Fraction
from typing import Any

import sympy

from ._parse_exact import MP, Arithmetic, Limits, Num, Refused
from ._parse_numbers import NumberError, read_digits

__all__ = ["CONSTANTS", "FUNCTIONS", "KEYS", "MP", "STUDENTS", "Limits", "Num", "evaluate"]

FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log", "log2": "log2", "log_2": "log2", "log10": "log10",
             "log_10": "log10", "sqrt": "sqrt", "√": "sqrt", "tanh": "tanh", "sigmoid": "sigmoid",
             "sigma": "sigmoid", "σ": "sigmoid"}
CONSTANTS = {"e": "E", "E": "E", "pi": "pi", "π": "pi"}
_NAMES = "exp, log or ln, log2, log10, sqrt or √, tanh, sigmoid or σ, e, pi"


_TOKEN = re.compile(r"""\s*(?:
    (?P<num>(?P<digits>[0-9][0-9.,]*|[.,][0-9]+)(?:[eE](?P<exp>[+-]?[0-9]{1,6}))?)
  | (?P<name>log_?(?:10|2)(?![0-9A-Za-z])|[A-Za-z]+|[σπ√])
  | (?P<op>\*\*|[-+*/^()%])
  | (?P<bad>\S))""", re.VERBOSE)


def _tokens(text: str, comma: bool, limits: Limits) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            break
        pos = m.end()
        if m.group("num") is not None:
            body = m.group("digits")
            if not comma and "," in body:
                raise Refused(f"a comma is not a decimal mark in this exam ({m.group('num')})")
            tokens.append(("num", read_digits(body, m.group("exp") or "", comma)))
        elif m.group("name") is not None:
            tokens.append(("name", m.group("name")))
        elif m.group("op") is not None:
            tokens.append(("op", "^" if m.group("op") == "**" else m.group("op")))
        else:
            raise Refused(f"unexpected {m.group('bad')!r}; write numbers with + - * / ^ ( ) and {_NAMES}")
        if len(tokens) > limits.nodes:
            raise Refused("too long an expression")
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]], limits: Limits) -> None:
        self.tokens, self.limits, self.i, self.depth = tokens, limits, 0, 0
        self.math = Arithmetic(limits)
        self.deadline = time.perf_counter() + limits.seconds

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", None)

    def take(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.i += 1
            return True
        return False

    def sum(self) -> Num:
        value = self.product()
        while self.peek() in (("op", "+"), ("op", "-")):
            minus = self.tokens[self.i][1] == "-"
            self.i += 1
            right = self.product()
            value = self.math.add(value, self.math.negate(right) if minus else right)
        return value

    def product(self) -> Num:
        value, divided = self.signed(), False
        while True:
            kind, token = self.peek()
            if token in ("*", "/") and kind == "op":
                self.i += 1
                right = self.signed()
                value = self.math.divide(value, right) if token == "/" else self.math.multiply(value, right)
                divided = divided or token == "/"
            elif kind == "name" or (kind, token) == ("op", "("):
                if divided:
                    raise Refused("ambiguous product after a division: add parentheses, as in 1/(2*e)")
                value = self.math.multiply(value, self.power())
            else:
                return value

    def signed(self) -> Num:
        if self.take("-"):
            return self.math.negate(self.signed())
        self.take("+")
        return self.power()

    def power(self) -> Num:
        base = self.postfix()
        if self.take("^"):
            return self.math.power(base, self.signed())
        return base

    def postfix(self) -> Num:
        value = self.primary()
        while self.take("%"):
            value = self.math.divide(value, self.math.number(Fraction(100)))
        return value

    def primary(self) -> Num:
        if time.perf_counter() > self.deadline:
            raise Refused("too complex to read in time")
        kind, token = self.peek()
        self.i += 1
        if kind == "num":
            return self.math.number(token)
        if (kind, token) == ("op", "("):
            self.depth += 1
            if self.depth > self.limits.depth:
                raise Refused("too deeply nested")
            value = self.sum()
            if not self.take(")"):
                raise Refused("a parenthesis is not closed")
            self.depth -= 1
            return value
        if kind == "name" and token in CONSTANTS:
            return Num(sympy.E, MP.e) if CONSTANTS[token] == "E" else Num(sympy.pi, MP.pi)
        if kind == "name" and token in FUNCTIONS:
            if self.peek() == ("op", "("):
                argument = self.primary()
            else:  # ln 9, ln 3^2, √2
                argument = self.power()
            return self.math.call(FUNCTIONS[token], argument)
        if kind == "name":
            raise Refused(f"unknown name {token!r}; allowed: {_NAMES}")
        if kind == "end":
            raise Refused("the expression ends too early")
        raise Refused(f"unexpected {token!r}")

STUDENTS = Limits()
KEYS = Limits(length=20_000, nodes=5000, depth=60, seconds=5.0)  # the topics' own keys are trusted


def evaluate(text: str, comma: bool, limits: Limits = STUDENTS) -> Num | str:
    """The exact value of a normalised expression, or a one-line reason it is refused."""
    if len(text) > limits.length:
        return f"too long an expression (more than {limits.length} characters)"
    try:
        tokens = _tokens(text, comma, limits)
        if not tokens:
            return "no answer"
        parser = _Parser(tokens, limits)
        value = parser.sum()
        if parser.i < len(tokens):
            kind, token = tokens[parser.i]
            if kind == "num":
                return f"unexpected number {_show(token)}: write * between numbers you multiply"
            return f"unexpected {token!r}"
        return value
    except (Refused, NumberError) as e:
        return str(e)
    except (ArithmeticError, ValueError, TypeError, RecursionError) as e:  # SymPy's own limits
        return f"cannot be read as a number ({type(e).__name__})"


def _show(x: Fraction) -> str:
    return str(x) if x.denominator == 1 else str(float(x))
