"""What the Moodle and Canvas exports share: Markdown with LaTeX to LMS-ready HTML, keys
as numbers an LMS compares with a tolerance, and the answer layout with one blank per number.

    html(md)                  Markdown + $…$ → HTML with \\( … \\) and \\[ … \\] for MathJax
    num(answer, calculator)   a JSON number → Num (key text, tolerance, accepted spellings)
    layout(answer, kind, blank) an answer's shape as HTML, `blank(Num)` filling every number
    cdata(text)               text inside CDATA, safe for any input

Tolerance rule (absolute, chosen per value so an LMS that compares floats is fair):
  * an integer key is exact (tolerance 0): 27.5 for 27 is a forgotten floor, not rounding;
  * a terminating decimal key accepts whatever rounds to it: half a unit in its last
    decimal (0.1875 → ±0.00005); on a calculator question at least 0.1 % of the key;
  * an irrational or repeating key accepts 0.1 % of its size, which every correct
    rounding to 4 significant figures (what calculator prompts ask for) falls within.
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from markdown_it import MarkdownIt

from ..engine import decimal_places
from ..model import Part, Question
from ._md_html import hold_math_out

__all__ = ["Num", "cdata", "clean", "html", "inline_html", "is_number", "key_html", "layout", "num",
           "numbers", "plain", "prompt_html", "solution_html"]

RELATIVE = Decimal("0.001")  # 0.1 %: twice the worst rounding error of a 4-significant-figure answer

_MATH = re.compile(r"(?ms)^(```|~~~).*?^\1[ \t]*$|(`+).*?\2|\$\$(.+?)\$\$|\$((?:\\.|[^$\\])+?)\$")
_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@cache
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def clean(text: str) -> str:
    """Characters XML 1.0 cannot hold (control codes, lone surrogates) as U+FFFD, visibly."""
    return _BAD_XML.sub("\ufffd", text)


def cdata(text: str) -> str:
    """Text as CDATA; a ']]>' inside is split across two sections so nothing is lost."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _render(text: str, inline: bool) -> str:
    """Math is cut out before Markdown sees it and put back as MathJax delimiters,
    HTML-escaped; code spans and blocks keep their `$`."""
    return hold_math_out(clean(text), _MATH, _mathjax, _md().renderInline if inline else _md().render)


def _mathjax(tex: str, display: bool) -> str:
    return _html.escape(r"\[" + tex + r"\]" if display else r"\(" + tex + r"\)", quote=False)


def html(text: str) -> str:
    """Markdown blocks (paragraphs, lists, tables, code) with math, as HTML."""
    return _render(text, inline=False)


def inline_html(text: str) -> str:
    """One line of Markdown (an option, a part prompt) as inline HTML."""
    return _render(text, inline=True)


def prompt_html(q: Question) -> str:
    note = "<p><em>A calculator is allowed.</em></p>\n" if q.calculator else ""
    return html(q.prompt) + note


def _key_part(part: Part) -> str:
    if part.kind in ("choice", "choices"):
        right = [part.answer] if part.kind == "choice" else list(part.answer)
        return "; ".join(f"{k}) {inline_html(part.options[ord(k) - ord('a')])}" for k in right)
    if part.kind == "true_false":
        return "true" if part.answer else "false"
    if part.kind == "text":
        return html(str(part.answer))
    if part.kind == "design":
        return "<code>" + _html.escape(json.dumps(part.answer, ensure_ascii=False)) + "</code>"
    from .markdown import answer_text  # markdown imports this module through _key_text

    return layout(part.answer, part.kind, lambda x: _html.escape(answer_text(x)))


def key_html(q: Question) -> str:
    """Every part's key, in the answer's own layout (a table stays a table)."""
    items = "".join(f"<li>{_key_part(p)}</li>" for p in q.parts)
    return f'<p><strong>Answer key</strong></p><ol type="a">{items}</ol>'


def solution_html(q: Question) -> str:
    """The key and the worked solution: what students see once the quiz is reviewed."""
    return key_html(q) + "".join(html(f"**{s.title}.** {s.text}") for s in q.solution)


@dataclass(frozen=True)
class Num:
    """One number of a key as an LMS compares it: `text` (plain decimal), the absolute
    `tolerance`, and `spellings` a text-matching blank accepts."""

    text: str
    value: float
    tolerance: Decimal
    spellings: tuple[str, ...]


def is_number(x: Any) -> bool:
    return (isinstance(x, int | float) and not isinstance(x, bool)) or (isinstance(x, dict) and "exact" in x)


def plain(d: Decimal) -> str:
    """A Decimal as a plain decimal string: no exponent, no trailing zeros."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _sig(value: float, digits: int) -> str:
    return plain(Decimal(f"{value:.{digits}g}"))


def _rational(x: Any) -> Fraction | None:
    if isinstance(x, int | float):
        return Fraction(x) if isinstance(x, int) else Fraction(repr(x))
    try:
        return Fraction(str(x["exact"]).replace(" ", ""))
    except (ValueError, ZeroDivisionError):
        return None  # symbolic: log(9), sqrt(3)/20, exp(…)


def _no_zero(s: str) -> str:
    return s.replace("0.", ".", 1) if s.lstrip("-").startswith("0.") else s


def _relative(value: float) -> Decimal:
    return Decimal(f"{abs(value) * float(RELATIVE):.2g}")


def num(answer: Any, calculator: bool = False) -> Num:
    """A JSON number (int, float, or {"exact", "value"}) with its tolerance and spellings."""
    f = _rational(answer)
    value = float(answer["value"]) if isinstance(answer, dict) else float(answer)
    d = decimal_places(f) if f is not None else None
    if f is not None and d is not None:
        text = plain(Decimal(f.numerator * 10**d // f.denominator).scaleb(-d))
        if d == 0:
            return Num(text, value, Decimal(0), (text,))
        tol = Decimal(5).scaleb(-d - 1)
        rounded: tuple[str, ...] = ()
        if calculator:
            tol = max(tol, _relative(value))
            rounded = tuple(_sig(value, k) for k in (3, 4, 5))
        spellings = (text, _no_zero(text), f"{f.numerator}/{f.denominator}", *rounded)
        return Num(text, value, tol, tuple(dict.fromkeys(spellings)))
    text = _sig(value, 10)
    fraction = (f"{f.numerator}/{f.denominator}",) if f is not None else ()
    spellings = (*fraction, *(_sig(value, k) for k in (3, 4, 5)))
    spellings = (*spellings, *(_no_zero(s) for s in spellings))
    return Num(text, value, _relative(value), tuple(dict.fromkeys(spellings)))


def numbers(answer: Any) -> list[Any]:
    """Every number of a JSON answer in reading order: the blanks, one each."""
    if is_number(answer):
        return [answer]
    if isinstance(answer, list):
        return [n for a in answer for n in numbers(a)]
    if isinstance(answer, dict):
        return [n for a in answer.values() for n in numbers(a)]
    return []


Blank = Callable[[Any], str]


def _is_row(x: Any) -> bool:
    return isinstance(x, list) and bool(x) and all(is_number(v) for v in x)


def layout(answer: Any, kind: str, blank: Blank) -> str:
    """The answer's shape with `blank(number)` in place of every number, in the order of
    `numbers(answer)`: a shape as □ × □, a vector as (□, □), a matrix or a list of dicts as
    a table, a dict as labelled lines, a longer list as a numbered list. Strings (a table's
    layer names) are shown, not asked."""
    if is_number(answer):
        return blank(answer)
    if isinstance(answer, str):
        return _html.escape(answer)
    if isinstance(answer, dict):
        return "<br />".join(f"{_html.escape(str(k))}: {layout(v, kind, blank)}" for k, v in answer.items())
    if not isinstance(answer, list):
        return _html.escape(str(answer))
    if not answer:
        return "( )"
    if all(is_number(v) for v in answer):
        cells = [blank(v) for v in answer]
        return " × ".join(cells) if kind == "shape" else "(" + ", ".join(cells) + ")"
    if all(_is_row(r) for r in answer) and len({len(r) for r in answer}) == 1:
        rows = "".join("<tr>" + "".join(f"<td>{blank(v)}</td>" for v in r) + "</tr>" for r in answer)
        return f'<table class="dlexam-matrix">{rows}</table>'
    if all(isinstance(r, dict) for r in answer) and len({tuple(r) for r in answer}) == 1:
        head = "".join(f"<th>{_html.escape(str(k))}</th>" for k in answer[0])
        body = "".join("<tr>" + "".join(f"<td>{layout(v, 'shape' if k == 'shape' else kind, blank)}</td>"
                                        for k, v in r.items()) + "</tr>" for r in answer)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return "<ol>" + "".join(f"<li>{layout(v, kind, blank)}</li>" for v in answer) + "</ol>"
