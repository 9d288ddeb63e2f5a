"""Where a value sits in a TOML file, since `tomllib` gives values but no line numbers.

A spec error names the line, so we scan the source once: every table header
(`[exam]`, `[[sections]]`, `[[sections.questions]]`, `[sections.questions.params]`)
and every `key = ...` line is recorded under the same path the parsed data uses,
e.g. ("sections", 1, "questions", 0, "marks"). `line(path)` answers with the line of
the longest recorded prefix, so a value inside an inline table points at its key and
anything unrecorded points at the table that holds it. Multi-line strings are skipped,
so an instructions text holding "x = 1" is never mistaken for a key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["Locator", "field_name"]

Path = tuple[str | int, ...]

_PART = r'(?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')'
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_NAME = re.compile(_PART)


def _names(dotted: str) -> list[str]:
    return [m.strip("\"'") for m in _NAME.findall(dotted)]


class Locator:
    """Line numbers (1-based) of the tables and keys of one TOML source."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self._arrays: dict[Path, int] = {}  # array-of-tables path → how many seen so far
        prefix: Path = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if in_string is not None:
                if in_string in line:
                    in_string = None
                continue
            header = _HEADER.match(line)
            if header:
                prefix = self._header(_names(header.group(2)), header.group(1) == "[[")
                for end in range(1, len(prefix) + 1):
                    self.lines.setdefault(prefix[:end], number)
            else:
                key = _KEY.match(line)
                if key:
                    self.lines.setdefault(prefix + tuple(_names(key.group(1))), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
                    break

    def _header(self, names: list[str], array: bool) -> Path:
        path: Path = ()
        for i, name in enumerate(names):
            path = (*path, name)
            last = i == len(names) - 1
            if last and array:
                index = self._arrays.get(path, 0)
                self._arrays[path] = index + 1
                path = (*path, index)
            elif path in self._arrays:  # [[sections.questions]] belongs to the latest [[sections]]
                path = (*path, self._arrays[path] - 1)
        return path

    def line(self, path: Sequence[str | int]) -> int:
        """The line of `path`, or of its nearest recorded parent; 1 if nothing matches."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return 1


def field_name(path: Sequence[str | int]) -> str:
    """A path as the user reads it: sections[2].questions[1].marks (1-based indices)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out
