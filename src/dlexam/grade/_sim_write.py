"""How a simulated student writes a value: plainly, or in an odd but documented format.

    write("number", Fraction(3, 16), rng, odd=True)   -> "3/16", ".1875", "1.875e-1", "18.75%", …
    write("shape", [2, 12, 248, 83], rng, odd=True)   -> "2×12×248×83", "(2, 12, 248, 83)", …
    write("choices", ["b", "d"], rng, odd=True)        -> "{b,d}", "B, D", "b and d", "BD"

Only spellings grade/parse.py documents are used (see its module docstrings), so every
answer written here means exactly the value it was made from. Irrational numbers are
written to 7 significant figures (far inside the 0.1 % a default tolerance allows) or, when
`expressions` is on, as the exact closed form (which SymPy then has to read).
"""

from __future__ import annotations

import json
import random
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from ..engine import decimal_places
from ._sim_values import Irr, is_num

__all__ = ["GARBAGE", "GARBAGE_CHOICE", "number", "write"]

#: Answers no reader can make sense of (checked for every kind in tests/grade/test_simulate.py).
GARBAGE = ("??", "#VALUE!", "see my working", "idk", "n/a")
GARBAGE_CHOICE = ("??", "#VALUE!", "?!")


def _decimal(x: Fraction) -> str:
    """The exact decimal expansion of a terminating fraction, without an exponent."""
    with localcontext() as ctx:
        ctx.prec = 200
        d = Decimal(x.numerator) / Decimal(x.denominator)
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scientific(x: Fraction) -> str:
    mantissa = format(Decimal(_decimal(x)).normalize(), "e")  # 1.875e-1, 5.37e+2
    return mantissa.replace("e+", "e")


def number(x: Any, rng: random.Random, *, odd: bool, scalar: bool = False, expressions: bool = False) -> str:
    """One number as a student writes it. `scalar`: the whole answer (so 18.75 %, 1,000 and
    "≈ 0.5514" are fine, which inside a list they would not be)."""
    if isinstance(x, Irr):
        forms = [f"{x.value:.7g}"]
        if odd:
            forms = [f"{x.value:.8g}", f"{x.value:.6e}"] + (["≈ " + f"{x.value:.6g}"] if scalar else [])
            forms += [x.exact] if expressions else []
        return rng.choice(forms)
    places = decimal_places(x)
    if places is None:
        return f"{x.numerator}/{x.denominator}"
    plain = _decimal(x)
    if not odd:
        return plain
    forms = [_scientific(x)] if x.denominator != 1 or abs(x) >= 100 else [plain]
    if x.denominator != 1:
        forms += [f"{x.numerator}/{x.denominator}", plain]
        if 0 < abs(x) < 1:
            forms.append(plain.replace("0.", ".", 1))
    else:
        forms += [plain + ".0"] + ([f"+{plain}"] if x > 0 else [])
        if scalar and abs(x) >= 1000:
            forms += [f"{int(x):,}", f"{int(x):,}".replace(",", " ")]
    if scalar:
        forms += ["= " + plain] + ([_decimal(x * 100) + "%"] if 0 < abs(x) < 1 else [])
    return rng.choice(forms)


def _shape(sizes: list[Any], rng: random.Random, odd: bool) -> str:
    ints = [str(int(s)) for s in sizes]
    if not odd:
        return "x".join(ints)
    return rng.choice(["×".join(ints), " x ".join(ints), f"({', '.join(ints)})", f"[{','.join(ints)}]",
                       f"torch.Size([{', '.join(ints)}])"])


def _nested(value: Any, cell: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v, cell) for v in value) + "]"
    return str(cell(value))


def _vector(value: list[Any], cell: Any, rng: random.Random, odd: bool) -> str:
    items = [cell(v) for v in value]
    if not odd:
        return "[" + ", ".join(items) + "]"
    return rng.choice(["(" + "; ".join(items) + ")", " ".join(items), "tensor([" + ", ".join(items) + "])",
                       "[" + ", ".join(f"[{i}]" for i in items) + "]", "{" + ", ".join(items) + "}"])


def _matrix(value: list[list[Any]], cell: Any, rng: random.Random, odd: bool) -> str:
    rows = [[cell(v) for v in row] for row in value]
    if not odd:
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    return rng.choice(["[" + "; ".join(" ".join(r) for r in rows) + "]", "\n".join(" ".join(r) for r in rows),
                       "(" + ", ".join("(" + ", ".join(r) + ")" for r in rows) + ")"])


def _json(value: Any) -> str:
    """JSON text with exact numbers: decimals where they end, else "p/q" strings."""
    if isinstance(value, Fraction):
        return _decimal(value) if decimal_places(value) is not None else json.dumps(f"{value}")
    if isinstance(value, Irr):
        return f"{value.value:.10g}"
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _table(value: Any, cell: Any, rng: random.Random, odd: bool) -> str:
    if not odd or not value:
        return _json(value)
    if isinstance(value, dict):  # columns
        joiner = rng.choice([": ", " = "])
        return "\n".join(f"{name}{joiner}{', '.join(map(cell, cells))}" for name, cells in value.items())
    names = list(value[0]) if value else []

    def text(v: Any) -> str:
        return "x".join(str(int(s)) for s in v) if isinstance(v, list) else cell(v) if is_num(v) else str(v)

    if rng.random() < 0.5 and names:
        return "\n".join([" | ".join(names)] + [" | ".join(text(row[n]) for n in names) for row in value])
    numeric = [n for n in names if not isinstance(value[0][n], str)]
    return "\n".join(", ".join(text(row[n]) for n in numeric) for row in value)


def _design(value: Any, rng: random.Random, odd: bool) -> str:
    text = _json(value)
    if not odd or not isinstance(value, dict):
        return text
    if rng.random() < 0.5:
        return text.replace('"', "'")
    return "\n".join(f"{name} = {_json(v)}" for name, v in value.items())


def write(kind: str, value: Any, rng: random.Random, *, odd: bool, expressions: bool = False) -> str:
    """The text of an answer of `kind` whose exact value is `value` (as `exact_tree` gives it;
    letters for choice kinds, a bool for true/false)."""
    odd_cells = odd and rng.random() < 0.5

    def cell(v: Any) -> str:
        return number(v, rng, odd=odd_cells)

    if kind in ("number", "integer"):
        return number(value, rng, odd=odd, scalar=True, expressions=expressions)
    if kind == "shape":
        return _shape(value, rng, odd)
    if kind == "vector":
        return _vector(value, cell, rng, odd)
    if kind == "matrix":
        return _matrix(value, cell, rng, odd)
    if kind == "list":
        return _nested(value, cell)
    if kind == "table":
        return _table(value, cell, rng, odd)
    if kind == "design":
        return _design(value, rng, odd)
    if kind == "true_false":
        words = [("true", "false"), ("T", "F"), ("yes", "no"), ("True", "False"), ("y", "n")]
        return rng.choice(words if odd else words[:1])[0 if value else 1]
    if kind in ("choice", "choices"):
        return _letters(sorted(value), rng, odd)
    return str(value)


def _letters(letters: list[str], rng: random.Random, odd: bool) -> str:
    if not letters:
        return rng.choice(["none", "{}", "-"]) if odd else "none"
    if not odd:
        return ", ".join(letters)
    if len(letters) == 1:
        return rng.choice([letters[0].upper(), f"({letters[0]})", f"option {letters[0]}", f"{letters[0]})"])
    upper = [x.upper() for x in letters]
    return rng.choice(["{" + ",".join(letters) + "}", ", ".join(upper), " ".join(letters), "".join(upper),
                       " and ".join(letters)])
