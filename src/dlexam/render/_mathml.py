"""LaTeX math → MathML (Chromium and Firefox draw it natively: no script, no CDN).

    mathml(r"\\frac{3}{4} \\cdot x", display=False)  →  '<math display="inline">…</math>'

latex2mathml does the conversion. Two things are added around it:

* **No silent loss.** latex2mathml turns a command it does not know into the literal text
  `\\foo`; we raise `MathError` naming the command instead, so the caller can show the
  LaTeX source visibly (and a test proves no topic or bank item ever gets there).
  `\\arg` (the one standard operator it lacks) is rewritten to `\\operatorname{arg}`,
  and `\\_` `\\%` … inside `\\text{}` lose their backslash. `\\mathrm{ReLU}` comes out as
  one upright `<mi>ReLU</mi>` (a multi-letter <mi> is upright) instead of one per letter.
* **Speed.** A paper's expressions differ from a classmate's mainly in their numbers, so
  a conversion is cached by its *skeleton*: every number is replaced by a unique digit
  placeholder, the skeleton is converted once, and the numbers are put back by string
  replacement; `-3` and `(-3)` count as one number, so sign patterns share a skeleton. A
  number that may be a bare macro argument (`\\frac12`, `x^2`, `}3`) stays in the skeleton,
  an expression with a bare two-argument macro (`\\frac x2`) is converted directly, and so
  is one whose placeholders do not come out exactly once. Tests check that both paths agree
  on every topic's math and on random LaTeX (hypothesis).
* **Size.** Character references (`&#x02212;`) become the characters themselves (UTF-8).
"""

from __future__ import annotations

import re
from functools import lru_cache

from latex2mathml.converter import convert

__all__ = ["MathError", "mathml"]


class MathError(ValueError):
    """LaTeX that latex2mathml cannot convert faithfully (an unknown command, bad syntax)."""

    def __init__(self, latex: str, reason: str) -> None:
        super().__init__(f"cannot convert ${latex}$ to MathML: {reason}")
        self.latex = latex
        self.reason = reason


_XMLNS = ' xmlns="http://www.w3.org/1998/Math/MathML"'
# Commands after which a bare number is an argument, so only its first digit belongs to it.
_ARG_COMMANDS = ("frac|tfrac|dfrac|cfrac|sqrt|binom|tbinom|dbinom|hat|widehat|bar|overline|underline|tilde|"
                 "widetilde|vec|dot|ddot|check|breve|acute|grave|mathrm|mathbf|mathit|mathsf|mathtt|mathbb|"
                 "mathcal|mathfrak|mathscr|boldsymbol|bm|text|textrm|textbf|textit|texttt|mbox|operatorname|"
                 "overset|underset|stackrel|xrightarrow|xleftarrow|overbrace|underbrace|color|boxed|phantom")
_NUMBER = re.compile(
    r"(\\(?:begin|end)\{[A-Za-z*]+\})"  # an environment's name: not an argument
    r"|((?:\\(?:" + _ARG_COMMANDS + r")|[\^_}\]])\s*)?"  # maybe an argument: keep what follows
    r"(?<![0-9.A-Za-z\\])(\(-?[0-9.]*[0-9][0-9.]*\)|-?[0-9.]*[0-9][0-9.]*)"  # (-3), -3, 3, 0.25
)
_PLAIN = re.compile(r"\(?(-?)([0-9]+(?:\.[0-9]+)?)\)?")  # a run of digits and dots like 1.2.3 stays as it is
# A two-argument command with a bare first argument (\frac x2, \frac(1): its second argument is
# one token that a placeholder would change, so such an expression is converted directly.
_BARE_PAIR = re.compile(r"\\(?:[tdc]?frac|[td]?binom|overset|underset|stackrel)\s*[^\s{]")
_SCRIPT = re.compile(r"\s*[\^_']")
_PLACEHOLDER = "31415926{:04d}"  # 12 digits: a literal number this long never stays in a skeleton
_UNKNOWN = re.compile(r">[^<]*?(\\[A-Za-z]+)[^<]*<")
_TEXT_ESCAPE = re.compile(r"\\([_%&#${} ])")
_TEXT_NODE = re.compile(r">([^<]*\\[^<]*)<")
_MISSING = re.compile(r"\\(arg)(?![A-Za-z])")
_UPRIGHT_RUN = re.compile(r'(?:<mi mathvariant="normal">[^<]</mi>){2,}')
_UPRIGHT_LETTER = re.compile(r'<mi mathvariant="normal">([^<])</mi>')
_CHAR_REF = re.compile(r"&#x([0-9A-Fa-f]+);")
_KEEP_REF = frozenset('<>&"\'')  # characters that stay references in markup


def mathml(latex: str, *, display: bool = False) -> str:
    """One LaTeX expression (without its $ delimiters) as a <math> element."""
    return _cached(latex, display)


@lru_cache(maxsize=4096)
def _cached(latex: str, display: bool) -> str:
    numbers: list[tuple[str, str]] = []  # (the MathML of a number's own <mn>, what replaces it)

    def hole(m: re.Match[str]) -> str:
        plain = _PLAIN.fullmatch(m.group(3) or "")
        if m.group(1) is not None or m.group(2) is not None or not plain:
            return m.group(0)  # an environment, maybe a bare argument, or an odd run: keep it
        holder = _PLACEHOLDER.format(len(numbers))
        sign, digits = plain.groups()
        paren = m.group(3)[0] == "("
        if _SCRIPT.match(latex, m.end()):  # a base of ^ or _ owns only its last token: the digits
            if paren:
                return m.group(0)
            numbers.append((holder, digits))
            return sign + holder
        if not sign and not paren:
            numbers.append((holder, digits))
        else:
            mn = f"{_MINUS if sign else ''}<mn>{digits}</mn>"
            numbers.append((f"<mn>{holder}</mn>", _PAREN.format(mn) if paren else mn))
        return holder

    if _BARE_PAIR.search(latex):
        return _direct(latex, display)
    skeleton = _NUMBER.sub(hole, latex)
    if not numbers or len(numbers) > 9999:
        return _direct(latex, display)
    out = _direct(skeleton, display)
    for holder, number in numbers:
        if out.count(holder) != 1 or out.count(holder[4:-5] if holder.startswith("<mn>") else holder) != 1:
            return _direct(latex, display)
        out = out.replace(holder, number)
    return out


def _char(m: re.Match[str]) -> str:
    c = chr(int(m.group(1), 16))
    return m.group(0) if c in _KEEP_REF or not c.isprintable() else c


def _inner(latex: str) -> str:
    """What latex2mathml makes of a small expression, inside its <math><mrow>."""
    out = convert(latex)
    return out[out.index("<mrow>") + 6:out.rindex("</mrow>")]


_MINUS = _CHAR_REF.sub(_char, _inner("-1")).replace("<mn>1</mn>", "")  # '<mo>−</mo>'
_PAREN = _CHAR_REF.sub(_char, _inner("(1)")).replace("<mn>1</mn>", "{}")  # (…) around a number


@lru_cache(maxsize=8192)
def _direct(latex: str, display: bool) -> str:
    try:
        out = convert(_MISSING.sub(r"\\operatorname{\1}", latex), display="block" if display else "inline")
    except Exception as e:  # latex2mathml raises its own exceptions and plain ones (IndexError…)
        raise MathError(latex, f"{type(e).__name__}: {e}") from None
    out = _TEXT_NODE.sub(lambda m: ">" + _TEXT_ESCAPE.sub(r"\1", m.group(1)) + "<", out)
    unknown = _UNKNOWN.search(out)
    if unknown:
        raise MathError(latex, f"unsupported command {unknown.group(1)}")
    out = _CHAR_REF.sub(_char, out)  # &#x02212; → − : a third of the size, the same text
    out = _UPRIGHT_RUN.sub(lambda m: "<mi>" + "".join(_UPRIGHT_LETTER.findall(m.group(0))) + "</mi>", out)
    return out.replace(_XMLNS, "", 1)
