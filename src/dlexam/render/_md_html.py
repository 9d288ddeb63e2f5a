"""Markdown with LaTeX math → safe HTML with MathML: what every prompt, option and step becomes.

    block("Compute $\\hat y$ for **every** row.")   →  '<p>Compute <math …>…</math> for <strong>…'
    inline("The factor $c$ in `c*w`")               →  'The factor <math …>…</math> in <code>c*w</code>'

Math is cut out before markdown-it sees the text, so `_`, `*`, `|` and `\\\\` inside $…$
never become emphasis or table cells, and is put back as MathML (`_mathml`). Code spans and
fenced blocks keep their `$`. Everything else is escaped: raw HTML is shown as text, and
links and images are switched off, so nothing in a question (or a student's name) can
inject markup or make the page load anything.

When latex2mathml cannot convert an expression the LaTeX source is shown in
`<code class="tex">` and counted in `FALLBACKS` (tests require it to stay 0 for every
topic and bank item): math is never dropped silently.

Speed: markdown-it is the slow part (~0.1 ms a paragraph), so it runs on a *skeleton* of
the text — every number and every math expression replaced by a private-use placeholder
— and its output is cached; numbers and MathML are put back by string replacement. A number
that could change the Markdown structure (a list marker at the start of a line) stays in
the skeleton, and a text holding private-use characters of its own takes the direct path.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

from markdown_it import MarkdownIt

from ._mathml import MathError, mathml

__all__ = ["FALLBACKS", "block", "inline"]

#: Expressions shown as LaTeX source because they could not be converted, by reason.
FALLBACKS: Counter[str] = Counter()

_SEGMENT = re.compile(
    r"(?ms)^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$"  # a fenced code block: no math in it
    r"|(`+).+?(?<!`)\2(?!`)"  # a code span: no math in it
    r"|\\[\\$]"  # an escaped backslash or dollar: Markdown prints \ or $
    r"|\$\$(.+?)\$\$"  # display math
    r"|\$((?:\\.|[^$\\])+?)\$"  # inline math
    r"|(?<=[^\d\s>*+\-])([0-9]+(?:\.[0-9]+)?)"  # a number not at the start of a line
    r"|(?<=[ \t])([0-9]+(?:\.[0-9]+)?)(?![.)0-9])"  # a number after a space, not a list marker
)
_CODE_NUMBER = re.compile(r"(?<=[^\d\s>*+\-])[0-9]+|(?<=[ \t])[0-9]+(?![.)0-9])")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_HOLE = re.compile("\ue000([\ue001-\uf8ff]+)\ue000")
_BASE = 0xF8FF - 0xE001


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable(["link", "image", "autolink", "reference"])
    return md


def block(text: str) -> str:
    """Markdown blocks (paragraphs, lists, tables, code) with math, as HTML."""
    return _render(text, False)


def inline(text: str) -> str:
    """One line of Markdown (an option, a part prompt, a title) as inline HTML."""
    return _render(text, True)


def _math(latex: str, display: bool) -> str:
    try:
        return mathml(latex, display=display)
    except MathError as e:
        FALLBACKS[e.reason] += 1
        tag = "pre" if display else "code"
        return f'<{tag} class="tex" title="shown as LaTeX source">{html.escape(latex)}</{tag}>'


def _key(k: int) -> str:
    digits = ""
    while True:
        k, r = divmod(k, _BASE)
        digits = chr(0xE001 + r) + digits
        if k == 0:
            return f"\ue000{digits}\ue000"


def _render(text: str, one_line: bool) -> str:
    if _PRIVATE.search(text):
        return _direct(text, one_line)
    numbers = "&" not in text  # a digit may belong to an entity (&#123; &frac12;): keep them all
    pieces: list[str] = []

    def hole(piece: str) -> str:
        pieces.append(piece)
        return _key(len(pieces) - 1)

    def cut(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            return hole(_math(m.group(3), True))
        if m.group(4) is not None:
            return hole(_math(m.group(4), False))
        if m.group(5) is not None or m.group(6) is not None:
            return hole(m.group(0)) if numbers else m.group(0)
        if (m.group(1) or m.group(2)) and numbers:  # code: digits are printed as they are
            return _CODE_NUMBER.sub(lambda n: hole(n.group(0)), m.group(0))
        return m.group(0)

    out = _skeleton(_SEGMENT.sub(cut, text), one_line)
    return _HOLE.sub(lambda m: pieces[_index(m.group(1))], out) if pieces else out


def _index(digits: str) -> int:
    k = 0
    for c in digits:
        k = k * _BASE + ord(c) - 0xE001
    return k


@lru_cache(maxsize=8192)
def _skeleton(text: str, one_line: bool) -> str:
    return _md().renderInline(text) if one_line else _md().render(text)


def _direct(text: str, one_line: bool) -> str:
    """The uncached path for a text that already holds private-use characters."""
    return hold_math_out(text, _SEGMENT, _math, _md().renderInline if one_line else _md().render)


def hold_math_out(text: str, pattern: re.Pattern[str], math: Callable[[str, bool], str],
                  render: Callable[[str], str]) -> str:
    """Render Markdown `text` with its math cut out first (so `_`, `*`, `|` and `\\\\` inside
    math survive Markdown) and put back as `math(tex, display)` renders it. `pattern` finds
    code (groups 1–2, left alone) and math (group 3 display, group 4 inline); the marker is
    a private-use character run that does not occur in the text."""
    marker = "\ue000"
    while marker in text:
        marker += "\ue000"
    maths: list[str] = []

    def cut(m: re.Match[str]) -> str:
        if m.group(3) is None and m.group(4) is None:
            return m.group(0)
        maths.append(math(m.group(3), True) if m.group(3) is not None else math(m.group(4), False))
        return f"{marker}{len(maths) - 1}{marker}"

    out = render(pattern.sub(cut, text))
    return re.sub(f"{marker}(\\d+){marker}", lambda m: maths[int(m.group(1))], out) if maths else out
