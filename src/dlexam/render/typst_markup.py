r"""Markdown with LaTeX math → Typst markup, for the PDF papers and keys.

    markup("Compute **(a)** $\hat y = \sigma(z)$  \nfor `z = 0`.")
    ->  'Compute #strong[(a)]; $hat(y) = σ \( z \)$\ for #raw("z = 0");.'

Every prompt, part prompt, solution step, bank text and option goes through `markup`;
`math` converts one LaTeX expression (see _latex_to_typst). The Markdown subset is what the
topics and the bank write: paragraphs, **bold**, *italic*, `code`, fenced code blocks,
"- " and "1. " lists (nested by indentation), pipe tables, hard line breaks (two spaces
or a backslash before the newline), $inline$ and $$display$$ math. Everything else prints
as the text it is: all characters Typst reads as syntax are escaped and code goes into
string literals, so no user text can inject Typst code. Results are cached: papers repeat
the same texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ._latex_to_typst import SUPPORTED_COMMANDS, LatexError, convert, typst_string

__all__ = ["SUPPORTED_COMMANDS", "LatexError", "markup", "math", "typst_string"]

_PROSE = str.maketrans({c: "\\" + c for c in "\\#$*_@<>[]`~/-+="})
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$")
_ITEM = re.compile(r"( {0,3})([-+*]|(\d{1,9})([.)]))( +|$)")
_TABLE_RULE = re.compile(r" {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_INLINE = re.compile(r"(?P<esc>\\[!-/:-@\[-`{-~])|(?P<br>(?: {2,}|\\)\n)|(?P<nl> *\n *)|(?P<code>`+)"
                     r"|(?P<dollar>\$\$?)|(?P<star>\*+)"
                     r"|(?P<text>[^\\`$*\n ]+(?: +[^\\`$*\n ]+)*| +(?! *\n)|.)", re.S)
_CELL = re.compile(r"\\.|`+|\$\$?|\||[^\\`$|]+|.", re.S)
_ENUM_START = re.compile(r"(\s*\d+)\.(?=\s|$)")


@lru_cache(maxsize=16384)
def math(latex: str, *, display: bool = False) -> str:
    """One LaTeX expression as a Typst equation, delimiters included: `$x_(1)$` inline,
    `$ x_(1) $` (spaces inside: a block) for display. Raises LatexError for math outside
    the supported subset."""
    body = convert(latex).strip()
    if body.endswith("\\"):  # a trailing line break would escape the closing $
        body = body[:-1].rstrip()
    return f"$ {body} $" if display else f"${body}$"


@lru_cache(maxsize=16384)
def markup(text: str) -> str:
    """A Markdown string (with LaTeX math) as Typst markup that compiles on its own or
    inside a content block `[...]`. Raises LatexError, naming the expression, for math
    the printer does not know; any other text converts."""
    lines = _NEWLINES.sub("\n", text).expandtabs(4).split("\n")
    return "\n\n".join(_blocks(lines))


# Blocks ----------------------------------------------------------------------------------

def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_table(lines: list[str], i: int) -> bool:
    return (i + 1 < len(lines) and "|" in lines[i] and _TABLE_RULE.match(lines[i + 1]) is not None
            and "-" in lines[i + 1] and len(_cells(lines[i])) == len(_cells(lines[i + 1])))


def _blocks(lines: list[str]) -> list[str]:
    """Typst blocks for Markdown lines: fenced code, tables, lists and paragraphs."""
    out: list[str] = []
    para: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        item = _ITEM.match(line)
        fence = _FENCE.match(line)
        if not line.strip() or fence or _is_table(lines, i) or (item and (not para or _interrupts(item))):
            if para:
                out.append(_inline("\n".join(para)))
                para = []
            if fence:
                i = _fenced(lines, i, fence, out)
            elif not line.strip():
                i += 1
            elif item is None:
                i = _table(lines, i, out)
            else:
                i = _list(lines, i, out)
        else:
            para.append(line.lstrip())
            i += 1
    if para:
        out.append(_inline("\n".join(para)))
    return out


def _interrupts(item: re.Match[str]) -> bool:
    """CommonMark: a list interrupts a paragraph only with content and, numbered, from 1."""
    return bool(item.group(5)) and item.group(3) in (None, "1")


def _fenced(lines: list[str], i: int, fence: re.Match[str], out: list[str]) -> int:
    marker, indent = fence.group(1), _indent(lines[i])
    closing = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
    body: list[str] = []
    i += 1
    while i < len(lines) and not closing.match(lines[i]):
        line = lines[i]
        body.append(line[min(indent, _indent(line)):])
        i += 1
    lang = f", lang: {typst_string(fence.group(2))}" if fence.group(2) else ""
    out.append(f"#raw({typst_string(chr(10).join(body))}, block: true{lang});")
    return i + 1


def _cells(line: str) -> list[str]:
    """A table row split at | outside code spans and math; outer pipes are optional."""
    cells, cell, code, dollars = [], "", "", ""
    for tok in _CELL.findall(line.strip()):
        if tok == "|" and not code and not dollars:
            cells.append(cell)
            cell = ""
            continue
        if tok[0] == "`" and (not code or tok == code) and not dollars:
            code = "" if code else tok
        elif tok[0] == "$" and not code and (not dollars or tok == dollars):
            dollars = "" if dollars else tok
        cell += tok
    cells.append(cell)
    if len(cells) > 1 and not cells[0].strip():
        cells.pop(0)
    if len(cells) > 1 and not cells[-1].strip():
        cells.pop()
    return [c.strip() for c in cells]


def _table(lines: list[str], i: int, out: list[str]) -> int:
    header = _cells(lines[i])
    rule = _cells(lines[i + 1])
    align = [{(True, True): "center", (False, True): "right", (True, False): "left"}.get(
        (c.startswith(":"), c.endswith(":")), "auto") for c in rule]
    cells = [f"table.header({', '.join(f'[{_inline(c)}]' for c in header)})"]
    i += 2
    while i < len(lines) and lines[i].strip() and not _FENCE.match(lines[i]):
        row = (_cells(lines[i]) + [""] * len(header))[:len(header)]
        cells += [f"[{_inline(c)}]" for c in row]
        i += 1
    out.append(f"#table(columns: {len(header)}, align: ({', '.join(align)},), {', '.join(cells)});")
    return i


def _list(lines: list[str], i: int, out: list[str]) -> int:
    """A bullet or numbered list; each item's indented lines are blocks of their own."""
    first = _ITEM.match(lines[i])
    assert first is not None
    kind = first.group(4) or first.group(2)
    items: list[str] = []
    loose = False
    while i < len(lines) and (m := _ITEM.match(lines[i])) and (m.group(4) or m.group(2)) == kind:
        width = len(m.group(0)) if len(m.group(5)) <= 4 else len(m.group(1)) + len(m.group(2)) + 1
        body, blank = [lines[i][width:]], False
        i += 1
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                blank = True
            elif _indent(line) >= width:
                line, blank = line[width:], False
            elif blank or _ITEM.match(line) or _FENCE.match(line) or _is_table(lines, i):
                break
            body.append(line)
            i += 1
        nxt = _ITEM.match(lines[i]) if blank and i < len(lines) else None
        loose = loose or bool(nxt and (nxt.group(4) or nxt.group(2)) == kind)
        items.append("[" + "\n\n".join(_blocks(body)) + "]")
    start = int(first.group(3)) if first.group(3) else 1
    if first.group(3) is None:
        head = "#list(tight: false, " if loose else "#list("
    else:
        head = f"#enum(start: {start}, " + ("tight: false, " if loose else "") + (
            'numbering: "1)", ' if kind == ")" else "")
    out.append(head + ", ".join(items) + ");")
    return i


# Inline ----------------------------------------------------------------------------------

@dataclass
class _Delim:
    """A run of * that may open or close emphasis (CommonMark's delimiter run)."""

    count: int
    can_open: bool
    can_close: bool
    length: int


def _punct(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace()


@lru_cache(maxsize=64)
def _backticks(n: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{n}}}(?!`)")


_DOLLAR = re.compile(r"\\.|\$", re.S)


def _closing_dollar(text: str, pos: int, opener: str) -> int:
    """Where the math opened before pos closes, or -1 (then the $ is a dollar sign).
    Inline math: no space just inside the dollars, and no digit right after the closer."""
    if opener == "$" and (pos >= len(text) or text[pos].isspace()):
        return -1
    for m in _DOLLAR.finditer(text, pos):
        j = m.start()
        if m.group() != "$":
            continue
        if opener == "$$":
            if text.startswith("$$", j):
                return j
        elif not text[j - 1].isspace() and not text[j + 1:j + 2].isdigit():
            return j
    return -1


def _inline(text: str) -> str:
    """One paragraph's inline Markdown as Typst markup on one line."""
    nodes: list[str | _Delim] = []
    pos = 0
    while pos < len(text):
        m = _INLINE.match(text, pos)
        assert m is not None and m.lastgroup is not None
        kind, tok, pos = m.lastgroup, m.group(), m.end()
        if kind == "esc":
            nodes.append(tok[1].translate(_PROSE))
        elif kind == "br":
            nodes.append("\\ ")
        elif kind == "nl":
            nodes.append(" ")
        elif kind == "code" and (end := _backticks(len(tok)).search(text, pos)):
            code = text[pos:end.start()].replace("\n", " ")
            if len(code) > 2 and code[0] == code[-1] == " " and code.strip():
                code = code[1:-1]
            nodes.append(f"#raw({typst_string(code)});")
            pos = end.end()
        elif kind == "dollar" and (end_at := _closing_dollar(text, pos, tok)) >= 0:
            nodes.append(math(text[pos:end_at], display=len(tok) == 2))
            pos = end_at + len(tok)
        elif kind == "star":
            before = text[m.start() - 1] if m.start() else " "
            after = text[pos] if pos < len(text) else " "
            left = not after.isspace() and (not _punct(after) or before.isspace() or _punct(before))
            right = not before.isspace() and (not _punct(before) or after.isspace() or _punct(after))
            nodes.append(_Delim(len(tok), left, right, len(tok)))
        else:
            nodes.append(tok.translate(_PROSE))
    return _fix_start(_emphasis(nodes))


def _emphasis(nodes: list[str | _Delim]) -> str:
    """Pair * runs into #emph and #strong (CommonMark's rules, simplified); the rest are stars."""
    i = 0
    while i < len(nodes):
        closer = nodes[i]
        if isinstance(closer, _Delim) and closer.can_close and closer.count:
            j = i - 1
            while j >= 0:
                o = nodes[j]
                if isinstance(o, _Delim) and o.can_open and o.count and not (
                        (o.can_close or closer.can_open) and (o.length + closer.length) % 3 == 0
                        and not (o.length % 3 == 0 and closer.length % 3 == 0)):
                    break
                j -= 1
            if j >= 0:
                opener = nodes[j]
                assert isinstance(opener, _Delim)
                n = 2 if opener.count >= 2 and closer.count >= 2 else 1
                opener.count -= n
                closer.count -= n
                inner = _fix_start("".join(_text(x) for x in nodes[j + 1:i]))
                nodes[j + 1:i] = [f"#{'strong' if n == 2 else 'emph'}[{inner}];"]
                i = j + 2
                continue
        i += 1
    return "".join(_text(x) for x in nodes)


def _text(node: str | _Delim) -> str:
    return node if isinstance(node, str) else "\\*" * node.count


def _fix_start(markup_text: str) -> str:
    """Text starting "12." would open a Typst numbered list; escape the dot."""
    m = _ENUM_START.match(markup_text)
    return f"{m.group(1)}\\.{markup_text[m.end():]}" if m else markup_text
