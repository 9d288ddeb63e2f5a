"""A small SVG writer for the question figures: shapes, arrows and labelled text.

    c = Canvas()
    c.arrow(10, 20, 90, 20)
    c.text(50, 14, [italic("w"), " = ", num(-0.5)], halo=True)
    svg = c.svg(100, 40, "a weighted edge")

Why our own: matplotlib costs about a second to import per worker, and a figure here is
a few dozen elements. Everything is written with fixed rounding, so the same figure is
the same bytes. Text uses the generic `serif` family: Typst draws it in the paper's own
font (New Computer Modern or Libertinus), a browser in its serif font. Typst ignores
`dominant-baseline` and `baseline-shift`, so baselines and subscripts are placed by hand
(`y` offsets and `dy`), and it applies `paint-order` glyph by glyph, so a label's white
halo is a copy of the text drawn underneath (marked aria-hidden for screen readers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["INK", "MONO", "MUTED", "Canvas", "Label", "Run", "fmt", "ident", "index", "italic", "label_width",
           "mono_width", "num", "text_width"]

INK = "#222"
MUTED = "#666"
MONO = "'DejaVu Sans Mono', monospace"
MINUS = "\u2212"  # a real minus sign: a hyphen is short and easily missed on paper


def fmt(value: Any) -> str:
    """A given number as the question prints it: 0.5, −1, 1/3 (a fraction when its decimal
    never ends or runs long). Accepts the JSON forms params echo: int, float, "3/16", "0.1"."""
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return str(value).replace("-", MINUS)
    x = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    if x.denominator == 1:
        return str(x.numerator).replace("-", MINUS)
    d, places = x.denominator, 0
    for p in (2, 5):
        k = 0
        while d % p == 0:
            d, k = d // p, k + 1
        places = max(places, k)
    sign = MINUS if x < 0 else ""
    if d == 1:  # a terminating decimal, unless it runs longer than the question would print it
        digits = str(abs(x.numerator) * (10**places // x.denominator)).rjust(places + 1, "0")
        text = f"{sign}{digits[:-places]}.{digits[-places:]}"
        if len(text) <= 12:
            return text
    return f"{sign}{abs(x.numerator)}/{x.denominator}"


@dataclass(frozen=True)
class Run:
    """A piece of a label: plain, italic (a variable), an index (subscript) or a value."""

    text: str
    style: str = ""  # "", "i" (italic), "ix" (subscript index), "id" (a number naming something), "num"


def italic(text: str) -> Run:
    return Run(text, "i")


def index(text: str | int) -> Run:
    return Run(str(text), "ix")


def ident(text: str | int) -> Run:
    """A number that names something (layer 2), not a value: marked so tests can tell."""
    return Run(str(text), "id")


def num(value: Any) -> Run:
    return Run(fmt(value), "num")


Label = str | Run | list[str | Run]

_WIDE = {MINUS: 0.78, "=": 0.78, "+": 0.78, "×": 0.78, "←": 1.0, "→": 1.0, "·": 0.28, ".": 0.28,
         ",": 0.28, " ": 0.33, "/": 0.5, "(": 0.39, ")": 0.39, "‖": 0.5, "m": 0.83, "w": 0.72,
         "i": 0.28, "l": 0.28, "t": 0.39, "f": 0.31, "r": 0.39, "j": 0.31}


def text_width(text: str, size: float) -> float:
    """The width of serif text, estimated from typical glyph widths (slightly generous),
    enough to keep labels apart."""
    total = 0.0
    for ch in text:
        w = _WIDE.get(ch)
        if w is None:
            w = 0.72 if ch.isupper() else 0.5
        total += w
    return total * size


def mono_width(text: str, size: float) -> float:
    return 0.61 * size * len(text)


def _runs(label: Label) -> list[Run]:
    items = label if isinstance(label, list) else [label]
    return [Run(r) if isinstance(r, str) else r for r in items]


def label_width(label: Label, size: float) -> float:
    return sum(text_width(r.text, size * (0.72 if r.style == "ix" else 1.0)) for r in _runs(label))


def _n(v: float) -> str:
    """A coordinate with one decimal, without a trailing .0 (fixed: same figure, same bytes)."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


class Canvas:
    """Elements in drawing order (later on top)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 1.0,
             color: str = INK, dash: bool = False) -> None:
        extra = ' stroke-dasharray="4 3"' if dash else ""
        self.parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                          f'stroke="{color}" stroke-width="{_n(width)}"{extra}/>')

    def head(self, x: float, y: float, angle: float, *, size: float = 6.0, color: str = INK) -> None:
        """An arrowhead with its tip at (x, y), pointing along `angle` (radians)."""
        c, s = math.cos(angle), math.sin(angle)
        bx, by = x - size * c, y - size * s
        w = size * 0.45
        pts = f"{_n(x)},{_n(y)} {_n(bx - w * s)},{_n(by + w * c)} {_n(bx + w * s)},{_n(by - w * c)}"
        self.parts.append(f'<polygon points="{pts}" fill="{color}"/>')

    def arrow(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 1.0,
              color: str = INK, dash: bool = False) -> None:
        """A straight arrow ending exactly at (x2, y2)."""
        angle = math.atan2(y2 - y1, x2 - x1)
        self.line(x1, y1, x2 - 5 * math.cos(angle), y2 - 5 * math.sin(angle), width=width,
                  color=color, dash=dash)
        self.head(x2, y2, angle, color=color)

    def polyline_arrow(self, points: list[tuple[float, float]], *, color: str = INK,
                       dash: bool = False) -> None:
        """An arrow along straight segments (for wrap-arounds and shortcuts)."""
        (xa, ya), (xb, yb) = points[-2], points[-1]
        angle = math.atan2(yb - ya, xb - xa)
        body = [*points[:-1], (xb - 5 * math.cos(angle), yb - 5 * math.sin(angle))]
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in body)
        extra = ' stroke-dasharray="4 3"' if dash else ""
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                          f'stroke-linejoin="round"{extra}/>')
        self.head(xb, yb, angle, color=color)

    def circle(self, cx: float, cy: float, r: float, *, fill: str = "#fff", color: str = INK,
               dash: bool = False) -> None:
        extra = ' stroke-dasharray="3 2"' if dash else ""
        self.parts.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="{fill}" '
                          f'stroke="{color}"{extra}/>')

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str = "#fff", color: str = INK,
             rx: float = 3.0, dash: bool = False) -> None:
        extra = ' stroke-dasharray="3 2"' if dash else ""
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
                          f'rx="{_n(rx)}" fill="{fill}" stroke="{color}"{extra}/>')

    def bracket(self, x: float, y: float, h: float, *, left: bool) -> None:
        """One side of a matrix's square brackets."""
        t = 3.0 if left else -3.0
        self.parts.append(f'<polyline points="{_n(x + t)},{_n(y)} {_n(x)},{_n(y)} {_n(x)},{_n(y + h)} '
                          f'{_n(x + t)},{_n(y + h)}" fill="none" stroke="{INK}"/>')

    def text(self, x: float, y: float, label: Label, *, size: float = 11.0, anchor: str = "middle",
             halo: bool = False, mono: bool = False, color: str = INK, center: bool = True) -> None:
        """A label centred vertically on y (Typst ignores dominant-baseline, so the baseline
        is set by hand), or with its baseline on y when `center` is off."""
        base = y + 0.34 * size if center else y
        attrs = f'x="{_n(x)}" y="{_n(base)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if size != 11.0:
            attrs += f' font-size="{_n(size)}"'
        if mono:
            attrs += f' font-family="{MONO}"'
        fill = f' fill="{color}"' if color != INK else ""
        body = _tspans(_runs(label), size)
        if halo:  # a white copy underneath: paint-order is applied glyph by glyph in Typst,
            # where each glyph's stroke would cover its neighbour
            self.parts.append(f'<text {attrs} fill="#fff" stroke="#fff" stroke-width="7" '
                              f'stroke-linejoin="round" aria-hidden="true">{body}</text>')
        self.parts.append(f"<text {attrs}{fill}>{body}</text>")

    def svg(self, width: float, height: float, title: str) -> str:
        """The document. Units are points (width and height say so), so the paper and the
        page show 11 pt labels at the figure's natural size."""
        w, h = _n(math.ceil(width)), _n(math.ceil(height))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" '
                f'role="img" font-family="serif" font-size="11" fill="{INK}">'
                f"<title>{escape(title)}</title>" + "".join(self.parts) + "</svg>")


def _tspans(runs: list[Run], size: float) -> str:
    """Runs as tspans; a subscript drops by dy and the next run climbs back."""
    out, shift = [], 0.0
    drop = round(0.28 * size, 1)
    for r in runs:
        want = drop if r.style == "ix" else 0.0
        attrs = ""
        if want != shift:
            attrs += f' dy="{_n(want - shift)}"'
            shift = want
        if r.style == "i":
            attrs += ' font-style="italic"'
        elif r.style == "ix":
            attrs += f' font-size="{_n(size * 0.72)}" class="ix"'
        elif r.style == "id":
            attrs += ' class="ix"'
        elif r.style == "num":
            attrs += ' class="num"'
        text = escape(r.text)
        out.append(f"<tspan{attrs}>{text}</tspan>" if attrs else text)
    return "".join(out)
