"""Where a student writes each part's answer on the HTML paper, and the key in the same shape.

    box(part, name, givens)   an empty field sized by kind: one input for a number, a cell per
                              dimension of a shape (□ × □ × □), a row of cells for a vector, a
                              grid for a matrix, a table with the given labels for a table part,
                              lined space for text, a monospace area for a design; a choice
                              part is its options, each with a checkbox and its letter
    key(part)                 the answer laid out the same way, values in the cells

The layout follows the structure of the part's answer (how many numbers, rows, columns) —
only what the question already tells a student. A string inside an answer (a layer name in
a table) is printed only when the question's own text shows it; otherwise it is a blank.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from ..model import CHOICE_KINDS, Part
from ._key_text import answer_markdown, number, options, right_letters
from ._lms import is_number
from ._md_html import block, inline

__all__ = ["box", "key"]

MAX_CELLS = 64  # more numbers than this get one free-form area instead of a cell each

Cell = Callable[[Any], str]


def _numbers(answer: Any) -> int:
    if is_number(answer):
        return 1
    if isinstance(answer, list):
        return sum(_numbers(a) for a in answer)
    if isinstance(answer, dict):
        return sum(_numbers(a) for a in answer.values())
    return 1


def _row(x: Any) -> bool:
    return isinstance(x, list) and bool(x) and all(is_number(v) for v in x)


def _layout(answer: Any, kind: str, cell: Cell) -> str:
    """`answer`'s shape with `cell(value)` for every leaf (a number, or a string)."""
    if is_number(answer) or not isinstance(answer, list | dict):
        return cell(answer)
    if isinstance(answer, dict):
        lines = "".join(f'<div><span class="label">{html.escape(str(k))}</span> '
                        f"{_layout(v, 'shape' if k == 'shape' else kind, cell)}</div>"
                        for k, v in answer.items())
        return f'<div class="lines">{lines}</div>'
    if not answer:
        return '<span class="empty">( )</span>'
    if all(is_number(v) for v in answer):
        cells = [cell(v) for v in answer]
        if kind == "shape":
            return '<span class="shape">' + ' <span class="op">×</span> '.join(cells) + "</span>"
        return '<span class="vector">(' + '<span class="op">,</span> '.join(cells) + ")</span>"
    if kind != "list" and all(_row(r) for r in answer) and len({len(r) for r in answer}) == 1:
        rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in answer)
        return f'<table class="matrix"><tbody>{rows}</tbody></table>'
    if all(isinstance(r, dict) for r in answer) and len({tuple(r) for r in answer}) == 1:
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in answer[0])
        body = "".join("<tr>" + "".join(f"<td>{_layout(v, 'shape' if k == 'shape' else kind, cell)}</td>"
                                        for k, v in r.items()) + "</tr>" for r in answer)
        return f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    inner = "shape" if kind == "shape" else ""  # a list of matrices shows each as a grid
    items = "".join(f"<li>{_layout(v, inner, cell)}</li>" for v in answer)
    return f'<ol class="items">{items}</ol>'


def _choices(part: Part, name: str, checked: set[str]) -> str:
    rows = []
    for letter, text in zip("abcdefghijklmnopqrstuvwxyz", options(part), strict=False):
        on = " checked" if letter in checked else ""
        mark = ' class="right"' if letter in checked else ""
        rows.append(f'<li{mark}><label><input type="checkbox" name="{name}" value="{letter}"{on}>'
                    f'<span class="letter">{letter}</span> <span class="option">{inline(text)}</span>'
                    f"</label></li>")
    return f'<ul class="options">{"".join(rows)}</ul>'


def box(part: Part, name: str, givens: str) -> str:
    """The empty answer field of one part. `givens` is the question's text: strings of the
    answer that appear in it (layer names) are printed, any other is left blank."""
    attr = html.escape(name)
    if part.kind in CHOICE_KINDS:
        return _choices(part, attr, set())
    if part.kind == "text":
        rows = min(14, 3 + 2 * part.marks)
        return f'<textarea class="text" name="{attr}" rows="{rows}" aria-label="answer"></textarea>'
    single = part.kind in ("integer", "number")
    if part.kind == "design" or _numbers(part.answer) > MAX_CELLS or (single and not is_number(part.answer)):
        rows = 4 if part.kind == "design" else 3
        return f'<textarea class="free" name="{attr}" rows="{rows}" aria-label="answer"></textarea>'
    if single:
        return f'<input class="num {part.kind}" name="{attr}" aria-label="answer">'

    def cell(x: Any) -> str:
        if isinstance(x, str) and x and x in givens:
            return f'<span class="given">{html.escape(x)}</span>'
        return f'<input class="cell" name="{attr}" aria-label="answer">'

    return f'<div class="layout">{_layout(part.answer, part.kind, cell)}</div>'


def _value(x: Any) -> str:
    return f'<span class="val">{html.escape(number(x) if is_number(x) else str(x))}</span>'


def key(part: Part, name: str) -> str:
    """The part's answer, laid out like its field (a choice part: the right boxes checked)."""
    if part.kind in CHOICE_KINDS:
        return _choices(part, html.escape(name), set(right_letters(part)))
    if part.kind in ("text", "design") or _numbers(part.answer) > MAX_CELLS:
        return f'<div class="model">{block(answer_markdown(part))}</div>'
    return f'<div class="layout">{_layout(part.answer, part.kind, _value)}</div>'
