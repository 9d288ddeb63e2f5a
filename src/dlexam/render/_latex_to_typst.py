"""LaTeX math → Typst math: a tokenizer and a recursive-descent printer for the subset our
topics and concept bank write.

    convert(r"\\hat m_t = \\frac{m_t}{1 - \\beta_1^t}")  ->  "hat(m)_(t) = frac(m_(t), 1 - β_(1)^(t))"

Typst math differs from LaTeX in ways that make text substitution unsafe, so the printer
emits every atom separated by a space (Typst reads "ab" as one variable), escapes what
Typst reads as syntax (`( ) [ ] | / , ;` …: an unbalanced "(" or a comma inside frac(...)
would break the call), writes symbols as Unicode (stable across Typst versions) and maps
structure to Typst calls: frac, sqrt, root, binom, scripts `x_(..)^(..)`, accents, fonts,
lr, mat, cases. A command outside the subset raises LatexError naming it and the
expression — math is never silently dropped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from ..errors import DlexamError
from ._latex_symbols import ACCENTS, DELIMS, ENVS, FONTS, LARGE_OPS, NAMED_OPS, SIZES, SPACES, SYMBOLS
from ._latex_symbols import BAR as _BAR
from ._latex_symbols import DBAR as _DBAR

__all__ = ["SUPPORTED_COMMANDS", "LatexError", "convert", "typst_string"]


class LatexError(DlexamError, ValueError):
    """Math the PDF path cannot typeset: an unknown command, an unbalanced brace, a missing
    argument. The one-line message names the problem, the expression and the fix."""


def _error(latex: str, what: str, fix: str = "") -> LatexError:
    shown = " ".join(latex.split())
    shown = shown if len(shown) <= 120 else shown[:117] + "…"
    return LatexError(f"{what} in ${shown}$" + (f"; {fix}" if fix else ""))


_STRING = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
                        | {c: f"\\u{{{c:x}}}" for c in (*range(32), 127) if chr(c) not in "\n\r\t"})


def typst_string(text: str) -> str:
    """`text` as a Typst string literal, quotes included: nothing in it is read as code."""
    return '"' + text.translate(_STRING) + '"'


_TOKEN = re.compile(r"\\([A-Za-z]+)|\\(.)|(\d+(?:\.\d+)?)|\s+|(.)", re.S)
_TEXT_ESCAPE = re.compile(r"\\[{}%_&#$ ,;:!]|[{}]")
_TEXT_CHARS = {"{": "", "}": "", "\\,": "\u2009", "\\;": " ", "\\:": " ", "\\!": ""}
_TEXT_CMDS = {"text": "{}", "textrm": "{}", "textnormal": "{}", "mbox": "{}", "textit": "italic({})",
              "textbf": "bold({})", "textsf": "sans({})", "texttt": "mono({})", "operatorname": "op({})"}
# Characters that mean something in Typst math, written so they print as themselves.
_CHARS = {"(": r"\(", ")": r"\)", "[": r"\[", "]": r"\]", "|": _BAR, "/": r"\/", ",": r"\,", ";": r"\;",
          '"': r"\"", "@": r"\@", "#": r"\#", "`": r"\`", "~": "space.nobreak", "_": r"\_", "%": r"\%",
          "$": r"\$", "^": r"\^", "'": "′", "\\": r"\\"}
_ESCAPED = {"{": r"\{", "}": r"\}", "|": _DBAR, "_": r"\_", "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$",
            ",": "thin", ":": "med", ">": "med", ";": "thick", "!": "#h(-0.1667em);", " ": "space",
            "\n": "space", "\t": "space"}
_LENGTH = re.compile(r"-?(\d+(\.\d+)?|\.\d+)(pt|em|ex|mm|cm|in|mu)$")
_EMPTY = '""'  # an empty group: Typst needs something to attach a script to
_TEXT_STARTS = ('"', 'italic("', 'bold("', 'sans("', 'mono("')
_STYLES = {"displaystyle": "display", "textstyle": "inline", "scriptstyle": "script"}
_STRUCTURE = {"frac", "tfrac", "dfrac", "cfrac", "binom", "tbinom", "dbinom", "sqrt", "left", "right",
              "middle", "begin", "end", "limits", "nolimits", "overset", "underset", "stackrel"}
SUPPORTED_COMMANDS: frozenset[str] = frozenset(
    {*SYMBOLS, *NAMED_OPS, *LARGE_OPS, *ACCENTS, *FONTS, *SPACES, *SIZES, *_TEXT_CMDS, *_STYLES, *_STRUCTURE})

Token = tuple[str, str]  # ("cmd" | "sym" | "num" | "char" | "text" | "end", value)
_END: Token = ("end", "")
_STOPS = frozenset({_END, ("char", "}"), ("char", "&"), ("cmd", "\\\\"), ("cmd", "right"), ("cmd", "end"),
                    ("cmd", "middle")})
_SCRIPT_CHARS = frozenset({("char", "^"), ("char", "_"), ("char", "'")})
_LIMITS = frozenset({("cmd", "limits"), ("cmd", "nolimits")})


def _tokens(latex: str) -> list[Token]:
    """Commands, control symbols, numbers and characters, then END; \\text{...} arrives
    whole, as a Typst string (its body is prose, not math)."""
    tokens: list[Token] = []
    append = tokens.append
    pos, size = 0, len(latex)
    while pos < size:
        m = _TOKEN.match(latex, pos)
        assert m is not None
        pos = m.end()
        cmd, sym, num, char = m.groups()
        if char is not None:
            append(("char", char))
        elif num is not None:
            append(("num", num))
        elif cmd in _TEXT_CMDS:
            pos = _text(latex, cmd, pos, tokens)
        elif cmd is not None:
            append(("cmd", cmd))
        elif sym is not None:
            append(("cmd", "\\\\") if sym == "\\" else ("sym", sym))
    append(_END)
    return tokens


def _text(latex: str, cmd: str, pos: int, tokens: list[Token]) -> int:
    """Read the braced argument of \\text and its kin at pos; return where it ends."""
    star = cmd == "operatorname" and latex.startswith("*", pos)
    pos += star
    while pos < len(latex) and latex[pos].isspace():
        pos += 1
    if not latex.startswith("{", pos):
        raise _error(latex, f"\\{cmd} without braces", f"write \\{cmd}{{...}}")
    end = _brace_end(latex, pos + 1)
    words = _TEXT_ESCAPE.sub(lambda e: _TEXT_CHARS.get(e.group(), e.group()[1:]), latex[pos + 1:end])
    if "\\" in words or "$" in words:
        raise _error(latex, f"a command inside \\{cmd}", f"keep \\{cmd}{{...}} to plain words")
    text = _TEXT_CMDS[cmd].format(typst_string(words.replace("\n", " ")))
    tokens.append(("text", text[:-1] + ", limits: #true)" if star else text))
    return end + 1


def _brace_end(latex: str, i: int) -> int:
    """Index of the } closing the group whose { is at i - 1."""
    depth = 1
    while i < len(latex):
        ch = latex[i]
        depth += (ch == "{") - (ch == "}")
        if depth == 0:
            return i
        i += 2 if ch == "\\" else 1
    raise _error(latex, "an unclosed {", "close every { with }")


def _join(atoms: list[str]) -> str:
    """Atoms separated by spaces, except round text: Typst prints a space that touches a
    string ("out" [i] reads "out [i]"), where LaTeX's \\text{out}[i] has none."""
    out: list[str] = []
    for atom in atoms:
        if not atom:
            continue
        if out:
            prev = out[-1]
            if not (atom.startswith(_TEXT_STARTS) or prev.endswith('"')
                    or (prev.startswith(_TEXT_STARTS) and prev.endswith('")'))):
                out.append(" ")
            elif prev[-1:].isalnum() and atom[:1].isalpha():  # x italic("a"): keep the words apart
                out.append("#h(0pt);")
        out.append(atom)
    return "".join(out)


class _Parser:
    """Recursive descent over the tokens; each method returns Typst text or atoms."""

    def __init__(self, latex: str) -> None:
        self.latex, self.tokens, self.i = latex, _tokens(latex), 0

    def fail(self, what: str, fix: str = "") -> LatexError:
        return _error(self.latex, what, fix)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok is _END:
            raise self.fail("the expression ends early", "give every command and script its argument")
        self.i += 1
        return tok

    def at_stop(self) -> bool:
        return self.tokens[self.i] in _STOPS

    def sequence(self) -> list[str]:
        """Atoms up to a closing brace, &, \\\\, \\right, \\middle, \\end or the end."""
        atoms: list[str] = []
        tokens = self.tokens
        while tokens[self.i] not in _STOPS:
            kind, value = tokens[self.i]
            if kind == "cmd" and value in _STYLES:  # applies to the rest of the group
                self.i += 1
                atoms.append(f"{_STYLES[value]}({_join(self.sequence()) or 'zws'})")
                break
            atoms.append(self.scripted())
        return atoms

    def scripted(self) -> str:
        """One atom with its \\limits, primes, subscript and superscript."""
        tokens = self.tokens
        if tokens[self.i] in _SCRIPT_CHARS:
            base = _EMPTY
        else:
            group = self.atom()
            base = group[0] if len(group) == 1 else f'class("normal", {_join(group)})' if group else _EMPTY
            if tokens[self.i] not in _SCRIPT_CHARS and tokens[self.i] not in _LIMITS:
                return base
        while (tok := tokens[self.i]) in _LIMITS:
            self.i += 1
            base = f"{'limits' if tok[1] == 'limits' else 'scripts'}({base})"
        scripts = {"_": "", "^": ""}
        while (tok := tokens[self.i]) in _SCRIPT_CHARS:
            self.i += 1
            if tok[1] == "'":
                base += "'"
            elif scripts[tok[1]]:
                raise self.fail(f"a double {'sub' if tok[1] == '_' else 'super'}script",
                                "put braces round one of them")
            else:
                scripts[tok[1]] = f"{tok[1]}({self.arg()})"
        return base + scripts["_"] + scripts["^"]

    def arg(self) -> str:
        """A command's argument: a braced group, one character, or one command with its own."""
        tok = self.tokens[self.i]
        if tok in _STOPS or tok in _SCRIPT_CHARS:
            raise self.fail("a command or script without its argument", "write its argument in braces")
        if tok[0] == "num" and len(tok[1]) > 1:  # \frac12 and x^23 take one digit
            rest = tok[1][1:]
            split = [("char", "."), ("num", rest[1:])] if rest[0] == "." else [("num", rest)]
            self.tokens[self.i:self.i + 1] = split
            return tok[1][0]
        return _join(self.atom()) or _EMPTY

    def atom(self) -> list[str]:
        kind, value = self.take()
        if kind == "char":
            if value != "{":
                return [_CHARS.get(value, value)]
            atoms = self.sequence()
            if self.take() != ("char", "}"):
                raise self.fail("a { closed by something else", "balance the braces")
            return atoms
        if kind == "cmd":
            return [self.command(value)]
        if kind == "sym":
            if value not in _ESCAPED:
                raise self.fail(f"unknown LaTeX command \\{value}")
            return [_ESCAPED[value]]
        return [value]

    def command(self, name: str) -> str:
        for table in (SYMBOLS, NAMED_OPS, LARGE_OPS, SPACES):
            if name in table:
                return table[name]
        if name in _HANDLERS:
            return _HANDLERS[name](self)
        if name in ACCENTS:
            return f"{ACCENTS[name]}({self.arg()})"
        if name in FONTS:
            return FONTS[name].format(self.arg())
        if name in SIZES:
            return f"lr({self.delimiter(name) or 'zws'}, size: #{SIZES[name]})"
        if name in ("limits", "nolimits"):
            raise self.fail(f"\\{name} after no operator", f"write it right after one, as in \\sum\\{name}_i")
        close = difflib.get_close_matches(name, SUPPORTED_COMMANDS, n=1, cutoff=0.75)
        hint = f"did you mean \\{close[0]}?" if close else "the PDF renderer knows a subset of LaTeX"
        raise self.fail(f"unknown LaTeX command \\{name}", hint)

    def delimiter(self, after: str) -> str:
        kind, value = self.take()
        key = value if kind == "char" else "\\" + value
        if key == ".":
            return ""
        if kind not in ("char", "sym", "cmd") or key not in DELIMS:
            raise self.fail(f"\\{after} before {value}", "use a delimiter such as ( [ | \\{ \\lfloor or .")
        return DELIMS[key]

    def call(self, fn: str, args: int, style: str = "") -> str:
        out = f"{fn}({', '.join(self.arg() for _ in range(args))})"
        return f"{style}({out})" if style else out

    def sqrt(self) -> str:
        if self.peek() != ("char", "["):
            return f"sqrt({self.arg()})"
        self.i += 1
        index: list[str] = []
        while self.peek() != ("char", "]"):
            if self.at_stop():
                raise self.fail("\\sqrt[ without its ]", "write \\sqrt[n]{x}")
            index.append(self.scripted())
        self.i += 1
        return f"root({_join(index) or _EMPTY}, {self.arg()})"

    def left(self) -> str:
        body = [self.delimiter("left"), *self.sequence()]
        while self.peek() == ("cmd", "middle"):
            self.i += 1
            body += [f"mid({self.delimiter('middle') or 'zws'})", *self.sequence()]
        if self.peek() != ("cmd", "right"):
            raise self.fail("\\left without its \\right", "close it with \\right) or \\right.")
        self.i += 1
        body.append(self.delimiter("right"))
        return f"lr({_join([b for b in body if b]) or 'zws'})"

    def over_under(self, script: str) -> str:
        mark = self.arg()
        return f"limits({self.arg()}){script}({mark})"

    def environment(self) -> str:
        name = self.env_name()
        if name not in ENVS:
            raise self.fail(f"unknown environment {name}", f"use one of {', '.join(sorted(ENVS))}")
        if name == "array":  # the column spec
            self.env_name()
        rows: list[list[str]] = [[]]
        while True:
            rows[-1].append(_join(self.sequence()))
            tok = self.take()
            if tok == ("cmd", "\\\\"):
                self.skip_row_space()
                rows.append([])
            elif tok == ("cmd", "end") and self.env_name() == name:
                break
            elif tok != ("char", "&"):
                raise self.fail(f"\\begin{{{name}}} ended by {tok[1]}", f"end it with \\end{{{name}}}")
        rows = [row for row in rows if any(row)] or [[""]]
        kind, delim = ENVS[name]
        if kind == "mat":
            return f"mat(delim: {delim}, {'; '.join(', '.join(c or _EMPTY for c in row) for row in rows)})"
        lines = [line for row in rows if (line := " & ".join(row).strip())] or [_EMPTY]
        return f"cases({', '.join(lines)})" if kind == "cases" else " \\ ".join(lines)

    def skip_row_space(self) -> None:
        """\\\\[2pt] asks for extra space under a row: skipped; a [ that is not a length stays."""
        ahead = self.tokens[self.i:self.i + 8]
        if ahead[:1] == [("char", "[")] and ("char", "]") in ahead:
            length = "".join(v for _, v in ahead[1:ahead.index(("char", "]"))])
            if _LENGTH.match(length):
                self.i += ahead.index(("char", "]")) + 1

    def env_name(self) -> str:
        if self.take() != ("char", "{"):
            raise self.fail("\\begin or \\end without a name", "write \\begin{bmatrix}")
        name = ""
        while (tok := self.take()) != ("char", "}"):
            name += tok[1]
        return name


_HANDLERS: dict[str, Callable[[_Parser], str]] = {
    "frac": lambda p: p.call("frac", 2), "cfrac": lambda p: p.call("frac", 2),
    "tfrac": lambda p: p.call("frac", 2, "inline"), "dfrac": lambda p: p.call("frac", 2, "display"),
    "binom": lambda p: p.call("binom", 2), "tbinom": lambda p: p.call("binom", 2, "inline"),
    "dbinom": lambda p: p.call("binom", 2, "display"), "sqrt": _Parser.sqrt, "left": _Parser.left,
    "begin": _Parser.environment, "overset": lambda p: p.over_under("^"),
    "stackrel": lambda p: p.over_under("^"), "underset": lambda p: p.over_under("_"),
}


def convert(latex: str) -> str:
    """The body of a Typst equation (without the $ delimiters) for one LaTeX expression;
    \\\\ at the top level breaks the line, as in KaTeX."""
    parser = _Parser(latex)
    rows = [_join(parser.sequence())]
    while (tok := parser.peek()) is not _END:
        parser.i += 1
        if tok != ("cmd", "\\\\"):
            raise parser.fail({"}": "a } without its {", "&": "an & outside a matrix, cases or aligned",
                               "right": "\\right without \\left", "end": "\\end without \\begin",
                               "middle": "\\middle outside \\left ... \\right"}[tok[1]])
        rows.append(_join(parser.sequence()))
    return " \\ ".join(r for r in rows if r)
